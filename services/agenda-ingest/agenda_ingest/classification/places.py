"""An establishment's place registry: its own sites, rooms, houses and groups, and the partner
places its agendas name, each with aliases. Pure: validated with pydantic, read by the engine.

The rules use it twice: for the setting (an own place is ``site``, a partner place has the
setting of its kind; a location nobody knows is not ``site``), and as a condition
(``place: [house, group]`` with ``night: true`` finds nights named by a house or group).
Aliases are compared as rule words are (no case, no accents, whole words); an alias given
twice, in one place or two, is an error naming the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

__all__ = ["PlaceCode", "PlaceRegistry", "contracted_forms", "parse_place_registry"]

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agenda_ingest.classification.place_codes import PlaceCode
from agenda_ingest.classification.schema import RuleSetError
from ditep_core.nomenclatures import Setting

REGISTRY_FORMAT = "ditep-places/1"
_NAMED_FIELD = re.compile(r"^((?:own|partners)\[\d+\]\.(?:name|aliases\[\d+\])): ")


class OwnKind(StrEnum):
    SITE = "site"
    ROOM = "room"
    HOUSE = "house"
    GROUP = "group"


class PartnerKind(StrEnum):
    SCHOOL = "school"
    CARE = "care"
    SOCIAL = "social"
    ESTABLISHMENT = "establishment"
    TRAINING = "training"
    LEISURE = "leisure"


PARTNER_SETTING: dict[PartnerKind, Setting] = {
    PartnerKind.SCHOOL: Setting.ECOLE,
    PartnerKind.CARE: Setting.SOINS,
    PartnerKind.SOCIAL: Setting.EXTERIEUR,
    PartnerKind.ESTABLISHMENT: Setting.EXTERIEUR,
    PartnerKind.TRAINING: Setting.EXTERIEUR,
    PartnerKind.LEISURE: Setting.EXTERIEUR,
}
"""Where a session at a partner's is: never the DITEP's own site."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Alias = Annotated[str, Field(min_length=1, max_length=120)]


class OwnPlace(_Strict):
    name: Alias
    kind: OwnKind
    aliases: list[Alias] = Field(default_factory=list)


class PartnerPlace(_Strict):
    name: Alias
    kind: PartnerKind
    aliases: list[Alias] = Field(default_factory=list)


class PlaceRegistry(_Strict):
    format: Literal["ditep-places/1"] = "ditep-places/1"
    own: list[OwnPlace] = Field(default_factory=list)
    partners: list[PartnerPlace] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_aliases(self) -> PlaceRegistry:
        from agenda_ingest.classification.engine import normalise_words

        # A registry names at least one place: an empty one would silently make every
        # location "unknown"; a registry is removed with DELETE .../places.
        if not self.own and not self.partners:
            raise ValueError("own, partners: the registry names no place")

        seen: dict[str, str] = {}
        named: list[tuple[str, list[list[str]]]] = [
            ("own", [[place.name, *place.aliases] for place in self.own]),
            ("partners", [[place.name, *place.aliases] for place in self.partners]),
        ]
        for group, places in named:
            for index, names in enumerate(places):
                for position, alias in enumerate(names):
                    field = (
                        f"{group}[{index}].name"
                        if position == 0
                        else f"{group}[{index}].aliases[{position - 1}]"
                    )
                    key = normalise_words(alias).strip()
                    if not key:
                        raise ValueError(f"{field}: '{alias}' has no letter or digit")
                    if key in seen:
                        raise ValueError(
                            f"{field}: the alias '{alias}' is already given at {seen[key]}"
                        )
                    seen[key] = field
        return self

    def entries(
        self,
        contractions: Contractions | None = None,
        own_names: frozenset[str] = frozenset(),
    ) -> list[tuple[str, str, Setting, tuple[str, ...]]]:
        """Every place as (code of its kind, own/partner, setting, its names), each name
        also in its contracted forms when the rule set gives them (``place_reading``'s
        ``contractions``: "Le Clos" is found in "Potager du Clos"), and an own name starting
        with a word naming the DITEP (``own_names``) also without it ("DITEP Les Trois
        Pucelles" is found in "Les Trois Pucelles")."""
        forms = contractions or {}
        taken = _given_names(self) if own_names else frozenset()
        found: list[tuple[str, str, Setting, tuple[str, ...]]] = [
            (
                place.kind.value,
                "own",
                Setting.SITE,
                _with_contractions(
                    place.name,
                    [*place.aliases, *_without_own_word(place, own_names, taken)],
                    forms,
                ),
            )
            for place in self.own
        ]
        found.extend(
            (
                place.kind.value,
                "partner",
                PARTNER_SETTING[place.kind],
                _with_contractions(place.name, place.aliases, forms),
            )
            for place in self.partners
        )
        return found

    @property
    def digest(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


Contractions = Mapping[str, Sequence[str]]
"""Articles and the forms they take after « de » and « à » (the rule set's ``place_reading``:
« le » gives « du », « au »; « les » gives « des », « aux »)."""


def contracted_forms(name: str, contractions: Contractions) -> tuple[str, ...]:
    """A name starting with an article as written after « de » or « à »: "Le Clos" gives
    "du Clos" and "au Clos" ("Potager du Clos", "retour au Clos"); other names give nothing."""
    words = name.split(maxsplit=1)
    if len(words) < 2:
        return ()
    forms = next(
        (
            forms
            for article, forms in contractions.items()
            if article.casefold() == words[0].casefold()
        ),
        (),
    )
    return tuple(f"{form} {words[1]}" for form in forms)


def _given_names(registry: PlaceRegistry) -> frozenset[str]:
    """Every name and alias of the registry, as rule words."""
    from agenda_ingest.classification.engine import normalise_words

    places: list[OwnPlace | PartnerPlace] = [*registry.own, *registry.partners]
    return frozenset(
        normalise_words(name).strip() for place in places for name in (place.name, *place.aliases)
    )


def _without_own_word(
    place: OwnPlace, own_names: frozenset[str], taken: frozenset[str]
) -> list[str]:
    """An own name or alias starting with a word naming the DITEP ("DITEP", "ITEP") and two
    words or more after it, as written without that word: the writers name their site so;
    and each part of two words or more of an own name in parts (" - ").
    A single word left ("DITEP Pantin", "DITEP St-Pierre": a town) is no name of its own, nor
    a form the registry gives already (to this place or another: a partner "Les Tilleuls")."""
    from agenda_ingest.classification.engine import normalise_words

    if not own_names:
        return []
    found: list[str] = []
    for name in (place.name, *place.aliases):
        first, _, rest = name.strip().partition(" ")
        # Words as typed: "St-Pierre" is one word, a town's name.
        if normalise_words(first).strip() in own_names and len(rest.split()) >= 2:
            found.append(rest.strip())
    # A name in parts ("Site d'Avion - Externat", "DITEP Les Glycines - Site de Liévin"): the
    # writers name the site by one part; a part of one word ("Externat") says too little.
    parts = [part.strip() for part in place.name.split(" - ")]
    if len(parts) > 1:
        found.extend(part for part in parts if len(part.split()) >= 2)
    return [each for each in dict.fromkeys(found) if normalise_words(each).strip() not in taken]


def _with_contractions(
    name: str, aliases: list[str], contractions: Contractions
) -> tuple[str, ...]:
    names = (name, *aliases)
    given = {" ".join(each.casefold().split()) for each in names}
    extra = [
        form
        for each in names
        for form in contracted_forms(each, contractions)
        if " ".join(form.casefold().split()) not in given
    ]
    return (*names, *dict.fromkeys(extra))


class PlaceRegistryInvalid(Exception):
    def __init__(self, errors: list[RuleSetError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def parse_place_registry(text: str) -> PlaceRegistry:
    """A registry from YAML or JSON text; ``PlaceRegistryInvalid`` names the line or field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise PlaceRegistryInvalid([RuleSetError(f"not readable as YAML or JSON{line}")]) from error
    return validate_place_registry(data)


def validate_place_registry(data: Any) -> PlaceRegistry:
    if not isinstance(data, dict):
        raise PlaceRegistryInvalid(
            [RuleSetError("a place registry is a mapping with 'own' and 'partners' lists")]
        )
    try:
        return PlaceRegistry.model_validate(data)
    except ValidationError as error:
        located: list[RuleSetError] = []
        for item in error.errors():
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            field = ".".join(str(part) for part in item.get("loc", ())) or None
            named = _NAMED_FIELD.match(message)
            if field is None and named is not None:
                field, message = named.group(1), message[named.end() :]
            located.append(RuleSetError(message, field=field))
        raise PlaceRegistryInvalid(located) from error


def dump_place_registry(registry: PlaceRegistry) -> str:
    return yaml.safe_dump(
        registry.model_dump(mode="json"), allow_unicode=True, sort_keys=False, width=100
    )
