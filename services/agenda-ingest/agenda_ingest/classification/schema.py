"""The rule-set document: what a DITEP writes (YAML or JSON), validated with pydantic.

A rule set is ordered rules, first match wins. Each rule has an ``id``, a French
``explanation``, conditions (``when``: every condition given must hold; inside one
list, any item is enough) and actions (``then``). ``places`` say how a setting is
found from words when a rule leaves it to them (``setting: auto``); ``place_reading``
gives the words of the finer readings of a place (a numbered room, a street address, a
workshop, a team preparing an outing, a negation). Validation errors name the rule (its id,
or its index when it has none) and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from agenda_ingest.classification.place_codes import PlaceCode
from ditep_core.nomenclatures import Activity, AgendaKind, Nature, Setting

DOCUMENT_FORMAT = "ditep-rules/1"
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,47}$")
_TERM = re.compile(r"^[^*]+\*?$")
_HOST = r"^[a-z0-9-]+(\.[a-z0-9-]+)+$"
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _count_range(value: Any) -> Any:
    """``3`` is short for ``{min: 3, max: 3}``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"min": value, "max": value}
    return value


class Range(_Strict):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self

    def holds(self, value: int) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


CountRange = Annotated[Range, BeforeValidator(_count_range)]


def clock_minutes(value: str) -> int:
    """ "HH:MM" as minutes after midnight."""
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class ClockRange(_Strict):
    """A time of day, both ends included (``{min: "17:00", max: "20:59"}``), on one day:
    the evening after the day's groups, before the night window."""

    min: str | None = None
    max: str | None = None

    @model_validator(mode="after")
    def _clocks(self) -> ClockRange:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        for value in (self.min, self.max):
            if value is not None and not _CLOCK.match(value):
                raise ValueError(f"'{value}' is not a time of day (HH:MM)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is after max ({self.max})")
        return self

    @property
    def minutes(self) -> Range:
        """The same range in minutes after midnight (read as a duration's band is)."""
        return Range(
            min=None if self.min is None else clock_minutes(self.min),
            max=None if self.max is None else clock_minutes(self.max),
        )


def _terms(values: list[str]) -> list[str]:
    for value in values:
        if not value.strip() or not _TERM.match(value.strip()):
            raise ValueError(f"'{value}' is not a word or phrase (a '*' may only end it)")
        # "?" and ">" are words too: a run of question marks, an arrow (see engine._WORD).
        if not any(char.isalnum() for char in value) and value.strip() not in ("?", ">"):
            raise ValueError(f"'{value}' has no letter or digit to match")
        if value.strip().endswith("*") and " " in value.strip():
            raise ValueError(f"'{value}': a '*' ends a single word, not a phrase")
    return values


Terms = Annotated[list[str], Field(min_length=1)]


class Conditions(_Strict):
    """What a session must show for the rule to apply (all of the conditions given)."""

    codes: Terms | None = None
    serafin: Terms | None = None
    words: Terms | None = None
    also_words: Terms | None = None
    """One of these words in the title too (with ``words``: a word of each list)."""
    only_words: Terms | None = None
    """The title (and categories) is made of these words and nothing else: no other word, no
    name ("RDV", "Point", "x", "??"; not "RDV psy", "Point Lina")."""
    location_words: Terms | None = None
    unless_words: Terms | None = None
    functions: Terms | None = None
    youth: CountRange | None = None
    youth_present: CountRange | None = None
    professionals: CountRange | None = None
    night: bool | None = None
    across_midnight: bool | None = None
    where_known: bool | None = None
    """The place registry, the ``places`` words (of the place or the title) or a video link
    say where the session is: a real cue, unlike a bare "RDV" and a first name."""
    located: bool | None = None
    """A place (LOCATION) is given, with a word in it (a video link alone is none): ``false``
    for a session whose agenda says nothing of where it is held (round 8: a night noted
    without a place is at the DITEP, whatever its log says)."""
    place: Annotated[list[PlaceCode], Field(min_length=1)] | None = None
    duration_minutes: CountRange | None = None
    start_time: ClockRange | None = None
    """The local time the session starts at (the evening at an internat house: its night stay)."""
    all_day: bool | None = None
    source_kind: Annotated[list[AgendaKind], Field(min_length=1)] | None = None

    _check_words = field_validator(
        "words", "also_words", "only_words", "location_words", "unless_words", "functions"
    )(lambda values: None if values is None else _terms(values))

    @field_validator("only_words")
    @classmethod
    def _whole_words(cls, values: list[str] | None) -> list[str] | None:
        for value in values or ():
            if value.strip().endswith("*"):
                raise ValueError(f"'{value}': only_words takes whole words, not a prefix")
        return values

    @field_validator("codes")
    @classmethod
    def _codes(cls, values: list[str] | None) -> list[str] | None:
        for value in values or ():
            if "|" not in value:
                raise ValueError(f"'{value}' is not a 'system|code' code")
        return values

    @field_validator("serafin")
    @classmethod
    def _serafin(cls, values: list[str] | None) -> list[str] | None:
        for value in values or ():
            if not re.fullmatch(r"\d+(\.\d+)*", value):
                raise ValueError(f"'{value}' is not a SERAFIN-PH code (digits and dots)")
        return values

    @model_validator(mode="after")
    def _not_empty(self) -> Conditions:
        if not self.model_fields_set:
            raise ValueError("a rule needs at least one condition")
        return self


class Actions(_Strict):
    """What the rule gives the session."""

    activity: Activity
    setting: Setting | Literal["auto"] = "auto"
    default_setting: Setting = Setting.SITE
    unplaced_setting: Setting | None = None
    """With ``auto``, the setting when the agenda gives no place and no word says where (None:
    ``default_setting``); a place given that says nothing keeps ``default_setting``'s reading
    (round 10: an appui-ressources with no place is ``inconnu``, at a town it is outside)."""
    nature: Nature | Literal["auto"] = "auto"
    nature_without_youth: Nature | None = None
    serafin: str | None = Field(default=None, pattern=r"^\d+(\.\d+)*$", max_length=16)
    flags: list[str] = Field(default_factory=list)


class Rule(_Strict):
    id: str
    explanation: str = Field(min_length=3)
    when: Conditions
    then: Actions

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError(
                f"'{value}' is not a rule id (lower case letters, digits, '-', '_', '.'; "
                "at most 48 characters)"
            )
        if value == "none" or value.startswith("manual"):
            raise ValueError(f"'{value}' is reserved")
        return value


class Place(_Strict):
    setting: Setting
    words: Terms | None = None
    links: Annotated[list[Annotated[str, Field(pattern=_HOST)]], Field(min_length=1)] | None = None
    """Hosts of links (a video tool's) in the description or location: ``zoom.us``."""
    cues: list[Literal["phone", "video", "home"]] | None = None
    """Cues the description gives (links.py ``cue_codes``: "par tél", "en visio", "Teams",
    "à domicile cette semaine"): a ``cue|phone``, ``cue|video`` or ``cue|home`` code."""
    location_only: bool = False
    """The words are read in the place (LOCATION) only, not in the title: "MDPH 13" as the
    place is the MDPH's premises, "Réunion MDPH" as a title says nothing of where."""

    _check_words = field_validator("words")(
        lambda values: None if values is None else _terms(values)
    )

    @model_validator(mode="after")
    def _something(self) -> Place:
        if self.words is None and self.links is None and self.cues is None:
            raise ValueError("a place needs words, links or cues")
        return self


def _single_words(values: list[str]) -> list[str]:
    for value in values:
        if not value.strip() or "*" in value or len(value.split()) != 1:
            raise ValueError(f"'{value}' is not a single word (no space, no '*')")
        if not any(char.isalnum() for char in value):
            raise ValueError(f"'{value}' has no letter or digit to match")
    return values


Words = list[str]


class PlaceReading(_Strict):
    """The words of the finer readings of a place (LOCATION) and a title, beyond ``places``.

    Every list is empty by default: a rule set without this section reads none of these
    (a numbered room, an address, a workshop place… are read as any other place)."""

    numbered_rooms: bool = False
    """A room word followed by a number ("Bureau 3", "salle n° 2") says a room, but nobody's
    in particular: not the site, its setting unknown."""
    street_words: Words = Field(default_factory=list)
    """Words of a street address ("rue", "avenue"): a room at an address is nobody's in
    particular either (read in the place only)."""
    number_signs: Words = Field(default_factory=list)
    """Signs before a room's number ("n", "numero": "salle n° 2")."""
    hall_words: Words = Field(default_factory=list)
    """A place starting with one, an outside activity in the title ("escalade" at "Salle
    Roc'n Bloc"): a public hall — unless a ``site`` word follows ("Salle de sport du DITEP")."""
    workshop_places: Words = Field(default_factory=list)
    """Workshop places of a house ("atelier", "préau", "potager"): a place starting with one and
    made of workshop words only is the DITEP's own (``site``)."""
    bike_sheds: Words = Field(default_factory=list)
    """A place starting with one and a bike word next ("garage vélos", "local à vélos") is a
    workshop place too."""
    bike_words: Words = Field(default_factory=list)
    """The bike words of a bike shed ("vélo", "vélos")."""
    workshop_words: Words = Field(default_factory=list)
    """What else a workshop place is read with: what is done there ("menuiserie"), "ext" and
    the small words ("du", "de"); any other word (a name: "Jardin des Plantes") makes it
    another place."""
    outing_words: Words = Field(default_factory=list)
    """Title words of an outing or a séjour (``places`` words too): with a team word and no
    young person, the team prepares it where the team is, not there."""
    team_words: Words = Field(default_factory=list)
    """Title words of a team's time about an outing ("préparation", "réunion", "bilan")."""
    negations: Words = Field(default_factory=list)
    """Words or phrases just before a ``places`` word of the title that say it is not the
    place ("pas de classe", "sans école")."""
    elsewhere_without_youth: bool = False
    """With a registry, a place it does not know, nothing else saying where, no young person
    present (a meeting, a training in a town or a venue): outside (``exterieur``), not
    unknown; with a young person there, it stays unknown (his home? a shop?)."""
    day_unit_out: bool = False
    """With a registry, a session of the day unit (``accueil_jour``) with a young person present,
    at a place it does not know, nothing else saying where, the title naming none of the DITEP's
    own places nor a site word: the group is out in the town (``exterieur``), not unknown
    (round 7: "Foot salle" at "Five de Bobigny", "Journée gorges de l'Allier - pêche" at
    "Lavoûte-Chilhac")."""
    premises_words: Words = Field(default_factory=list)
    """First words of a place named as premises of the DITEP the registry does not know
    (« antenne », « annexe »): ``day_unit_out`` does not read it as outside; nor a place holding
    a ``site`` word of the ``places`` list."""
    desk_words: Words = Field(default_factory=list)
    """Title words of desk work (« rédaction », « mail », « dossier »): a partner or an outing
    the title names is then the subject, not the place (only a phone or video word says where)."""
    own_names: Words = Field(default_factory=list)
    """Words naming the DITEP itself (« DITEP », « ITEP »): a public kind of place so named
    ("Salle de sport du DITEP") is its own, when the registry does not say otherwise."""
    call_idioms: Words = Field(default_factory=list)
    """Phrases in which a call or video word of ``places`` names no call (« zoom sur le projet »:
    a close look; « appel à projets »): a title holding one is not read as a call by its first
    words (``_call_head``); the location says where."""
    residence_words: Words = Field(default_factory=list)
    """Words or phrases naming where a young person placed lives (« MECS », « foyer de
    l'enfance »): such a place (a location, or a registry establishment so named) is the young
    person's home (``domicile``) when a young person is there, outside when none is (a meeting
    with its educators)."""
    named_places: Words = Field(default_factory=list)
    """Title words of an everyday place (« café », « bar ») that, followed by a name the rules
    do not know (past its small words), name that place: outside (« Suivi Bilal - café
    Mosson »). Alone or with a known word (« café parents ») they say nothing of where."""
    town_joins: Words = Field(default_factory=list)
    """Words joining a town's name to a river's or another place's (« sur », « sous »:
    « Is-sur-Tille »): a registry name right after one, in the place, is the end of a town's
    name, not that place (the group « Tille »)."""
    class_outings: bool = False
    """``true``: an outside word of the title wins over a school word of it, the class going
    out (« Sortie classe (musée) », « Ski - classe UE »), unless a ``lesson_words`` word says
    it is a lesson of the school held there (« Collège (EPS piscine) »)."""
    lesson_words: Words = Field(default_factory=list)
    """Title words of a school lesson (« EPS », « cours »): the school stays the place."""
    youth_home_words: Words = Field(default_factory=list)
    """Words that, alone as the place of an entry of a young person's own agenda (« maison »,
    « la maison »), name his home (``domicile``); the registry is read first. In a
    professional's agenda « maison » may be one of the DITEP's houses: not read."""
    booking_words: Words = Field(default_factory=list)
    """Title words of a room booking (« réservation », « résa »): heading the title, they and the
    room words after them (« salle ») say nothing of what the session is; the words after them
    do (« Réservation salle – ESS Adam (Teams) »: an ESS held by video, ``_call_head``)."""
    office_words: Words = Field(default_factory=list)
    """Words naming an office of the DITEP by its function (« direction », « secrétariat »,
    « accueil »): a place made of one and words of the registry's own names only (« direction
    Liévin », the site "Site de Liévin") is the site."""
    vehicle_words: Words = Field(default_factory=list)
    """Words naming a vehicle (« trafic », « minibus », « kangoo »): an own place of the
    registry whose place starts with one (« Trafic 1 » filed as a room) is a vehicle, not the
    site: where the session is held is read as at a place the registry does not know."""
    service_words: Words = Field(default_factory=list)
    """Title words naming a service of the DITEP that works wherever the young person is
    (« SESSAD »): with a young person present, such a word of the title (a ``places`` word, or a
    registry alias made of it only) says who works with him, not where; other words, or the
    rule's ``default_setting``, say where."""
    names_not_read_for: list[Activity] = Field(default_factory=list)
    """Activities whose rules do not read, in their ``words`` and ``also_words``, the words of a
    registry place's name found in the title (a vehicle's aside): the name says where, not what
    (« ESS clg Ligne Paradis », « tel directrice école St Louis Gare »: no bus line, no station,
    with ``transport``)."""
    own_towns: bool = False
    """``true``: a place the registry does not know made only of words of an own site's name, or
    of the own place the title names, that no rule reads (« Langeac » of « Antenne de
    Langeac », « Bougainville » of « appart Bougainville »), is the town the DITEP is in: the own
    house, group or room the title names is there (``site``)."""
    contractions: dict[str, Words] = Field(default_factory=dict)
    """An article starting a registry name, and its forms after « de » and « à » ("le": "du",
    "au"): "Le Clos" is found in "Potager du Clos" too."""
    name_articles: Words = Field(default_factory=list)
    """Articles an own name of the registry may start with (« le », « la », « les », « l »): a
    place (LOCATION) that is that name without its article, and nothing else, is that place
    ("Press" for the house "le Press", "boucle" for "La Boucle"; round 8). In a longer place or
    in a title the article stays needed ("la ferme" is not found in "Internat fermé")."""

    _check_words = field_validator(
        "street_words",
        "number_signs",
        "hall_words",
        "workshop_places",
        "bike_sheds",
        "bike_words",
        "workshop_words",
        "outing_words",
        "team_words",
        "desk_words",
        "own_names",
        "town_joins",
        "named_places",
        "lesson_words",
        "vehicle_words",
        "office_words",
        "booking_words",
        "youth_home_words",
        "service_words",
        "name_articles",
    )(_single_words)

    @field_validator("negations")
    @classmethod
    def _negations(cls, values: list[str]) -> list[str]:
        for value in _terms(values):
            if "*" in value:
                raise ValueError(f"'{value}': a negation is a word or phrase, without '*'")
        return values

    @field_validator("contractions")
    @classmethod
    def _contractions(cls, values: dict[str, list[str]]) -> dict[str, list[str]]:
        for article, forms in values.items():
            _single_words([article])
            _single_words(forms)
        return values


class NightWindow(_Strict):
    start: str = "21:00"
    end: str = "07:00"

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"'{value}' is not a time of day HH:MM")
        return value


class NoShow(_Strict):
    """A session planned with a young person who did not come, or cancelled: the session
    stays the one planned (its rule gives the activity), and its nature is given here
    rather than read from who was present. It holds when a young person is attached, none
    is present, the rule gives one of ``activities``, and the title has one of ``words``
    or the description one of ``cues`` (links.py ``cue_codes``: ``cue|absent``)."""

    words: Terms | None = None
    cues: list[Literal["absent"]] | None = None
    activities: Annotated[list[Activity], Field(min_length=1)]
    nature: Nature = Nature.DIRECT

    _check_words = field_validator("words")(
        lambda values: None if values is None else _terms(values)
    )

    @model_validator(mode="after")
    def _something(self) -> NoShow:
        if self.words is None and self.cues is None:
            raise ValueError("a no-show reading needs words or cues")
        return self


class RuleSetDocument(_Strict):
    format: Literal["ditep-rules/1"] = "ditep-rules/1"
    version: str | None = Field(default=None, max_length=24)
    description: str | None = None
    night: NightWindow = NightWindow()
    places: list[Place] = Field(default_factory=list)
    place_reading: PlaceReading = PlaceReading()
    no_show: NoShow | None = None
    """How a no-show or a cancelled session is read (none: its nature is who was present)."""
    rules: Annotated[list[Rule], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSetDocument:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"two rules have the id '{rule.id}'")
            seen.add(rule.id)
        return self


@dataclass(frozen=True, slots=True)
class RuleSetError:
    """One problem in a document, located by rule (id or index) and field."""

    message: str
    rule: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, str]:
        data = {"message": self.message}
        if self.rule is not None:
            data["rule"] = self.rule
        if self.field is not None:
            data["field"] = self.field
        return data

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"rule {self.rule}" if self.rule else None,
                f"field {self.field}" if self.field else None,
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


class RuleSetInvalid(Exception):
    def __init__(self, errors: list[RuleSetError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def parse_rule_set(text: str) -> RuleSetDocument:
    """A rule set from YAML or JSON text (JSON is YAML); ``RuleSetInvalid`` says what is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise RuleSetInvalid([RuleSetError(f"not readable as YAML or JSON{line}")]) from error
    return validate_rule_set(data)


def validate_rule_set(data: Any) -> RuleSetDocument:
    if not isinstance(data, dict):
        raise RuleSetInvalid([RuleSetError("a rule set is a mapping with a 'rules' list")])
    try:
        return RuleSetDocument.model_validate(data)
    except ValidationError as error:
        raise RuleSetInvalid(_located(error, data)) from error


def _located(error: ValidationError, data: dict[str, Any]) -> list[RuleSetError]:
    raw_rules = data.get("rules")
    rules: list[Any] = raw_rules if isinstance(raw_rules, list) else []
    located: list[RuleSetError] = []
    for item in error.errors():
        location = list(item.get("loc", ()))
        rule: str | None = None
        if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
            index = location[1]
            raw = rules[index] if index < len(rules) else None
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            rule = str(rule_id) if isinstance(rule_id, str) and rule_id else f"#{index + 1}"
            location = location[2:]
        field = ".".join(str(part) for part in location) or None
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        located.append(RuleSetError(message, rule=rule, field=field))
    return located


def dump_rule_set(document: RuleSetDocument) -> str:
    """The document as YAML (for a rule set built by the API, e.g. from the review queue)."""
    data = document.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def document_json(document: RuleSetDocument) -> str:
    return json.dumps(document.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
