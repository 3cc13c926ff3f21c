"""Compiling a rule-set document and classifying sessions with it: pure, no I/O.

Words are compared without case or accents, on whole words (a phrase is a run
of whole words; ``ortho*`` is any word starting with ``ortho``). Rules are
compiled once into word sets, phrase and prefix lists and code sets; a
classification is remembered by the facts as they are, and by the features the
rules can test (texts projected on the rule words, codes, counts, functions,
source kind, all-day, and — only when a rule reads time — the night flag, the
midnight crossing and the duration band), since agendas repeat the same entries
week after week and new entries mostly differ in names. ``explain`` gives the
same answer, and says which rules were tried, which one matched, and on what
words or codes.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import hashlib
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from itertools import chain

from agenda_ingest.classification.links import CUE_CODE
from agenda_ingest.classification.normalise import Normaliser, spelt_phrase
from agenda_ingest.classification.places import (
    Contractions,
    OwnKind,
    PlaceRegistry,
    parse_place_registry,
)
from agenda_ingest.classification.schema import (
    Actions,
    Conditions,
    NoShow,
    PlaceReading,
    Range,
    Rule,
    RuleSetDocument,
    parse_rule_set,
)
from ditep_core.nomenclatures import MODALITIES, Activity, AgendaKind, Nature, Setting

UNCLASSIFIED_RULE_ID = "none"
MANUAL_RULE_PREFIX = "manual:"
DEFAULT_RULES_RESOURCE = "default_rules.yaml"
TDDUI_OUTSIDE_SERVICE_CODE = (
    "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-outside-service|true"
)
"""The code a feed states for "hors prestation" (the TDDUI event extension valued true)."""
_MEMO_LIMIT = 100_000
PLACES_VERSION_MARK = "+places-"
"""Between a rule-set version and its place registry's digest, in a classification's version."""
# A run of question marks is one word "?": a title "???" or "Lucas ??" says it is not known yet
# (rules may name "?" among vague words). An arrow is one word ">": typed ("->", "=>", "-->",
# "<>", ">") or drawn ("→", "↔", "⇒"… are read as ">" first), "Pinols → Manoir" is a route
# (rules may name ">"). Every other character only separates words.
_WORD = re.compile(r"[a-z0-9]+|\?(?!\?)|>(?!>)")
# A French number plate ("EZ-150-QA", since 2009: two letters, three digits, two letters) names
# a vehicle: it is read as the word "vehicule", not as its letters ("DZ-552-AF" is no "AF",
# assistant familial).
_PLATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}-[0-9]{3}-[A-Za-z]{2}(?![A-Za-z0-9])")
# A link in a place, up to the next space: read as a code (links.py), never as words.
_LINK_TEXT = re.compile(r"(?:https?://|www\.)\S*", re.IGNORECASE)


def _has_link(text: str) -> bool:
    return "http" in text or "www." in text


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What a rule can look at. ``start``/``end`` are local wall-clock times (the
    establishment's zone); ``youth_present`` counts the young people attending."""

    summary: str = ""
    location: str = ""
    categories: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    youth: int = 0
    youth_present: int = 0
    professionals: int = 0
    functions: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    all_day: bool = False
    source_kind: AgendaKind = AgendaKind.ESTABLISHMENT


LOW_CONFIDENCE = "low_confidence"
"""The flag of a rule that guesses from the people alone (a fallback)."""


@dataclass(frozen=True, slots=True)
class Classification:
    activity: Activity
    setting: Setting
    nature: Nature
    rule_id: str
    serafin_code: str | None = None
    rule_set_version: str = ""
    flags: tuple[str, ...] = ()


def normalise_words(text: str) -> str:
    """Lower case, no accents, words separated by single spaces, padded with spaces."""
    return " " + " ".join(_tokens(text)) + " "


def _accent_free(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


def _separates(char: str) -> bool:
    """Whether a character only ever separates words once decomposed (a dash, a quote, a
    no-break space): it may become a space without changing any word."""
    kept = _accent_free(char)
    return bool(kept) and _WORD.search(kept.lower()) is None


# Latin letters with accents, straight to their base letter, and punctuation common in French
# agendas (’ – « » no-break spaces…) to a space: faster than decomposing, same words.
_LETTERS = {
    chr(code): _accent_free(chr(code))
    for code in range(0xC0, 0x250)
    if _accent_free(chr(code)) != chr(code) and _accent_free(chr(code)).isascii()
}
_ACCENTS = str.maketrans(
    {
        **{
            chr(code): " "
            for code in (*range(0x80, 0xC0), *range(0x2000, 0x2070))
            if _separates(chr(code))
        },
        **_LETTERS,
        "œ": "oe",
        "æ": "ae",
        "ß": "ss",
        # A telephone drawn is the word: "Call teacher re Wassim ☎️" is a call.
        "☎": " telephone ",
        "📞": " telephone ",
        # An arrow drawn is the arrow typed, the word ">": "Pinols → Manoir" is a route.
        **dict.fromkeys("→↔←⇒⇔⇄⟶⟷⟹➔➜➝➞➡⮕", " > "),
    }
)


_TABLE_END = 0x3000
_ACCENT_TABLE = [_ACCENTS.get(code, chr(code)) for code in range(_TABLE_END)]
"""``_ACCENTS`` as a list for the characters below U+3000 (every Latin letter and French
punctuation): ``str.translate`` indexes a list where it looks each character up in a dict,
about 2.5 times faster on a French title. A text with a character beyond uses ``_ACCENTS``."""


_AT = re.compile(r"(?<!\w)@")
"""An "@" not inside an address: "à" written short ("Aide aux devoirs @ la maison")."""


def _tokens(text: str) -> list[str]:
    if "@" in text:
        text = _AT.sub(" a ", text)
    if "-" in text:
        text = _PLATE.sub(" vehicule ", text)
    if text.isascii():
        return _WORD.findall(text.lower())
    text = text.lower()
    text = text.translate(_ACCENT_TABLE if max(text) < "\u3000" else _ACCENTS)
    if text.isascii():
        return _WORD.findall(text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _WORD.findall(stripped.lower())


def serafin_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """The SERAFIN-PH codes among a feed's ``system|code`` codes (any system naming SERAFIN)."""
    found: list[str] = []
    for code in codes:
        system, _, value = code.rpartition("|")
        if "serafin" in system.lower() and value.strip():
            found.append(value.strip())
    return tuple(found)


# --- Features: the facts in the form the compiled rules read ---------------------------------


class _Text:
    """A text's words, as a set and as a space-padded string (plain slots: built per miss).

    A text read by a rule set's ``_Reader`` is *projected*: words no condition can match are
    dropped from the set and each run of them is one ``_`` in the string (no rule word, phrase
    or prefix matches ``_``, and a phrase cannot match across it). Every condition then sees
    the same hits, and two texts that differ only in such words (a name, a reference) are one
    object: the memo on the facts that matter finds the entry."""

    __slots__ = ("padded", "tokens")

    def __init__(self, tokens: frozenset[str], padded: str) -> None:
        self.tokens = tokens
        self.padded = padded

    @classmethod
    def of(cls, *texts: str) -> _Text:
        words = [token for text in texts for token in _tokens(text)]
        return cls(frozenset(words), " " + " ".join(words) + " ")

    @classmethod
    def read(cls, normaliser: Normaliser, *texts: str) -> _Text:
        """Words spelt out and corrected; the words as typed stay in the set too (not
        projected: the reference the projected reading is tested against)."""
        words = [token for text in texts for token in _tokens(text)]
        spelt = normaliser.words(words)
        typed = frozenset(words)
        return cls(typed if spelt is words else typed.union(spelt), " " + " ".join(spelt) + " ")


_NO_TEXT = _Text(frozenset(), "  ")


class _Features:
    """The facts in the form the compiled tests read (plain slots: built on every miss)."""

    __slots__ = (
        "across",
        "all_day",
        "clock",
        "codes",
        "duration",
        "functions",
        "location",
        "named",
        "night",
        "place",
        "professionals",
        "serafin",
        "source_kind",
        "start",
        "time_read",
        "words",
        "youth",
        "youth_present",
    )

    def __init__(
        self,
        facts: SessionFacts,
        night: bool,
        duration: int | None,
        reader: _Reader,
        across: bool = False,
        texts: tuple[_Text, _Text] | None = None,
        start: int | None = None,
    ) -> None:
        # The summary (with the categories) and the location, unless the caller read them.
        self.words, self.location = reader.texts_of(facts) if texts is None else texts
        self.functions = _Text.of(*facts.functions) if facts.functions else _NO_TEXT
        self.codes = frozenset(facts.codes)
        stated = serafin_codes(facts.codes) if facts.codes else ()
        self.serafin = stated[0] if stated else None
        self.youth = facts.youth
        self.youth_present = facts.youth_present
        self.professionals = facts.professionals
        self.all_day = facts.all_day
        self.source_kind = facts.source_kind
        self.night = night
        self.duration = duration
        self.across = across
        self.start = start
        """The local start in minutes after midnight, when a rule reads it."""
        self.time_read = False
        """Set by a condition on the time when it is looked at (see ``CompiledRuleSet._learn``)."""
        self.clock: Callable[[], tuple[bool, bool, int | None, int | None]] | None = None
        """Reads the session's time when a condition first looks at it, when the features were
        built without it (see ``CompiledRuleSet._learn``)."""
        registry = reader.registry
        self.place = registry.where(self) if registry is not None else _NO_PLACE
        self.named = registry.unnamed(self.words) if registry and registry.masks else self.words
        """The title without the registry name it holds (``names_not_read_for``)."""

    def at(
        self, night: bool, duration: int | None, across: bool = False, start: int | None = None
    ) -> _Features:
        """The same session with another night flag, duration, midnight crossing and start."""
        other = copy.copy(self)
        other.night, other.duration, other.across, other.start = night, duration, across, start
        return other


@dataclass(frozen=True, slots=True)
class _PlaceHit:
    """What the registry says of a session's place: the codes a ``place`` condition tests,
    the setting, and the words that said it."""

    codes: frozenset[str]
    setting: Setting | None = None
    evidence: str | None = None
    in_title: str | None = None
    """The registry name found in the title, when the title (not the location) said it."""
    in_location: str | None = None
    """The registry name found in the location, when the location said it."""


_NO_PLACE = _PlaceHit(frozenset())


class _Registry:
    """A place registry compiled: each place's names as rule words, with its codes."""

    __slots__ = (
        "bare",
        "care_phrases",
        "home",
        "joins",
        "masks",
        "named",
        "own_words",
        "place_words",
        "places",
        "public",
        "public_phrases",
        "public_places",
        "rule_words",
        "school",
        "vehicles",
        "vocabulary",
    )

    def __init__(
        self,
        registry: PlaceRegistry,
        vocabulary: _Vocabulary,
        normaliser: Normaliser,
        places: Places = (),
        contractions: Contractions | None = None,
        residences: _Words | None = None,
        joins: frozenset[str] = frozenset(),
        own_names: frozenset[str] = frozenset(),
        rule_words: frozenset[str] = frozenset(),
        vehicles: frozenset[str] | None = None,
        articles: frozenset[str] = frozenset(),
        named: frozenset[str] = frozenset(),
    ) -> None:
        self.vocabulary = vocabulary
        self.joins = joins
        self.named = named
        """The everyday places named by their own name (``named_places``: café, bar, marché): none
        is the DITEP's own facility ("café place des Fêtes", the antenna "Place des Fêtes")."""
        self.rule_words = rule_words
        """The rules' words, with ``own_towns``: a town is none of them (else empty)."""
        self.masks = vehicles is not None
        """Whether a rule reads the title without its registry name (``names_not_read_for``)."""
        self.vehicles = vehicles or frozenset()
        # Every word of the DITEP's own names, but articles and the words naming the DITEP:
        # "Liévin" of "Site de Liévin" (an office named by a town, "direction Liévin").
        self.own_words = frozenset(
            token
            for place in registry.own
            for name in (place.name, *place.aliases)
            for token in _tokens(name)
            if token not in _SMALL_WORDS and token not in own_names
        )
        entries = registry.entries(contractions, own_names)
        # Each place's words, articles and the DITEP's own names aside (``_own_town`` keeps
        # those no rule reads): a site's town ("Langeac" of "Antenne de Langeac"), a house's
        # district ("Bougainville" of "appart Bougainville").
        self.place_words = tuple(
            frozenset(
                token
                for name in names
                for token in _tokens(name)
                if token not in _SMALL_WORDS and token not in own_names
            )
            for _kind, _owner, _setting, names in entries
        )
        self.places = tuple(
            _resident(
                (
                    frozenset((kind, owner)),
                    setting,
                    vocabulary.matcher(_as_read(names, normaliser)),
                ),
                names,
                normaliser,
                residences,
            )
            for kind, owner, setting, names in entries
        )
        # An own name starting with an article (``place_reading.name_articles``), as read
        # without it: a place that is only those words is that place ("Press", the house "le
        # Press"; round 8).
        bare: dict[str, int] = {}
        for index, (_kind, owner, _setting, names) in enumerate(entries):
            if owner != "own" or not articles:
                continue
            for name in _as_read(names, normaliser):
                tokens = _tokens(name)
                if len(tokens) > 1 and tokens[0] in articles:
                    bare.setdefault(" ".join(tokens[1:]), index)
        self.bare = bare
        # The ``places`` list's words for outside (piscine, calanque, musée…): a location
        # starting with one is a public place, even when an own alias is in its name.
        self.public = frozenset(
            word
            for setting, words, _in_title in places
            if setting is Setting.EXTERIEUR
            for word in words.singles
        )
        # Its words for outside read in the place only (vallée, col, mont, IME…): a room of the
        # DITEP cannot be one, so a room's name with one is that public place (round 9).
        self.public_places = frozenset(
            word
            for setting, words, in_title in places
            if setting is Setting.EXTERIEUR and not in_title
            for word in words.singles
        )
        # And its phrases ("basic fit", "salle d escalade"), matched at the start of the place.
        self.public_phrases = tuple(
            words.pattern
            for setting, words, _in_title in places
            if setting is Setting.EXTERIEUR and words.pattern is not None
        )
        # Its phrases for a care place read in the title too ("cabinet dentaire", "maison de
        # santé"; not "cabinet" alone, nor a therapist's practice, "cabinet d'orthophonie", read
        # in the place only, which may be the DITEP's own): a place starting with one is that
        # care place, whatever own alias follows ("cabinet dentaire Metz-Queuleu", the site's
        # alias "Queuleu" naming its district; round 8).
        self.care_phrases = tuple(
            words.pattern
            for setting, words, in_title in places
            if setting is Setting.SOINS and in_title and words.pattern is not None
        )
        # Its words for the home: a place starting with one is the home, whatever place is
        # named after it ("domicile assistante familiale ASE, Reims": the carer's home).
        self.home = frozenset(
            word
            for setting, words, _in_title in places
            if setting is Setting.DOMICILE
            for word in words.singles
        )
        # And its words for a school (CFA, MFR, lycée): a training partner so named is one.
        self.school = tuple(words for setting, words, _title in places if setting is Setting.ECOLE)

    def find(self, text: _Text) -> tuple[frozenset[str], Setting, str] | None:
        """The place whose name is found, the longest name winning ("École des Tilleuls" is
        the school, not the house "Tilleuls")."""
        best: tuple[frozenset[str], Setting, str] | None = None
        for codes, setting, names in self.places:
            found = names.longest(text)
            if found is not None and (best is None or len(found) > len(best[2])):
                best = codes, setting, found
        return best

    def unnamed(self, title: _Text) -> _Text:
        """The title without the registry name it holds, its words read as a name (``_``): what
        a rule of a ``names_not_read_for`` activity reads ("ESS clg Ligne Paradis" is "ess _",
        no bus line). A vehicle's name ("Trafic 1", filed as a room) is kept: it says the
        trip."""
        found = self.find(title)
        if found is None or found[2].split(" ", 1)[0] in self.vehicles:
            return title
        padded = title.padded.replace(" " + found[2] + " ", " _ ")
        kept = set(padded.split())
        gone = set(found[2].split()) - kept
        return _Text(title.tokens - gone, padded)

    def _own_town(self, location: _Text, found: str) -> str:
        """The location, when it is only words of an own site's name or of the own place the
        title names ("found") that no rule reads: a town the DITEP is in; else nothing."""
        if not self.rule_words:
            return ""
        tokens = [token for token in location.padded.split() if token not in _SMALL_WORDS]
        if not tokens or not self.rule_words.isdisjoint(tokens):
            return ""
        known: set[str] = set()
        for (codes, _setting, names), words in zip(self.places, self.place_words, strict=True):
            if "own" in codes and (_PREMISES in codes or names.longest(_Text.of(found))):
                known.update(words)
        return " ".join(tokens) if known.issuperset(tokens) else ""

    def _public_start(self, location: _Text) -> str:
        """The public place word or phrase the location starts with ("piscine", "basic fit"),
        or nothing."""
        first = location.padded[1:].split(" ", 1)[0]
        if first in self.public:
            return first
        for pattern in self.public_phrases:
            found = pattern.match(location.padded)
            if found is not None:
                return found.group(1)
        return ""

    @staticmethod
    def _own_facility(location: _Text, codes: frozenset[str], first: str, found: str) -> bool:
        """Whether the location is only a public kind of place and the name of the DITEP's
        premises ("plateau sportif Kalbas", "Garage Penn ar Bed", the site being "DITEP Kalbas",
        "DITEP Penn ar Bed"): the DITEP's own sports ground or garage, as "Gymnase du DITEP"
        (round 8). A house or group so named ("Piscine de la Fontaine d'Ouche", the group
        Ouche) is a district's name, and more words ("Café Le Mistral, pl. Gambetta") another
        place."""
        if "own" not in codes or _PREMISES not in codes:
            return False
        rest = location.padded[len(first) + 2 :].split()
        return location.padded.startswith(f" {first} ") and [
            token for token in rest if token not in _SMALL_WORDS
        ] == [token for token in found.split() if token not in _SMALL_WORDS]

    def _town(self, location: _Text, found: str) -> bool:
        """Whether the name found ends a town's name ("Is-sur-Tille": the group "Tille"
        after "sur", a word before it)."""
        if not self.joins:
            return False
        tokens = location.padded.split()
        size = len(found.split())
        for at in range(2, len(tokens) - size + 1):
            if tokens[at - 1] in self.joins and " ".join(tokens[at : at + size]) == found:
                return True
        return False

    def where(self, f: _Features) -> _PlaceHit:
        in_location = self.find(f.location) if f.location is not _NO_TEXT else None
        if in_location is not None and self._town(f.location, in_location[2]):
            in_location = None  # a town named after the place ("Is-sur-Tille"): not known
        if in_location is not None:
            codes, setting, found = in_location
            if f.location.padded[1:].split(" ", 1)[0] in self.home:
                return _PlaceHit(codes, Setting.DOMICILE, f"location «{found}» at home")
            first = self._public_start(f.location)
            if (
                first
                and ("own" in codes or setting is Setting.SOINS)
                and not set(first.split()) & set(found.split())
                and (first in self.named or not self._own_facility(f.location, codes, first, found))
            ):
                # An own alias inside a public place's name ("Piscine de la Fontaine d'Ouche",
                # the group "Ouche"; "Calanque de Sormiou", the group "Sormiou"), or a care
                # partner's ("McDo Purpan", by the CHU Purpan): outside. A café or a bar named
                # with the premises' name is that café ("café place des Fêtes", the antenna
                # "Place des Fêtes"), never the DITEP's own, as its gym may be (round 10).
                return _PlaceHit(codes, Setting.EXTERIEUR, f"location «{first}» «{found}»")
            if "own" in codes:
                for pattern in self.care_phrases:
                    care = pattern.match(f.location.padded)
                    if care is not None and not set(care.group(1).split()) & set(found.split()):
                        # "cabinet dentaire Metz-Queuleu": a dentist's in the district an own
                        # alias names, not the DITEP (round 8).
                        return _PlaceHit(
                            codes, Setting.SOINS, f"location «{care.group(1)}» «{found}»"
                        )
            tokens = f.location.padded.split()
            if "own" in codes and _PREMISES not in codes and not first:
                held = set(found.split())
                inside = next(
                    (token for token in tokens if token in self.public and token not in held),
                    None,
                )
                if inside is not None and any(
                    token not in held
                    and token not in self.public
                    and token not in self.own_words
                    and token not in _SMALL_WORDS
                    and not token.isdigit()
                    for token in tokens
                ):
                    # An own house, group or room named inside a public place's name, the public
                    # word after or around it, with a name of its own ("Brest Iroise bowling",
                    # the group "Iroise"; "FC Neudorf, stade de la …", the house "Neudorf"):
                    # that public place, outside (round 8). Without another name, the public
                    # word says what is done in the own place ("Molène - escalade"); the
                    # DITEP's premises as a whole keep their yard or garage ("Antenne du
                    # Havre - garage").
                    return _PlaceHit(codes, Setting.EXTERIEUR, f"location «{inside}» «{found}»")
                if _ROOM in codes:
                    natural = next(
                        (
                            token
                            for token in tokens
                            if token in self.public_places and token not in held
                        ),
                        None,
                    )
                    if natural is not None:
                        # A room of the DITEP named after a natural place, with a word naming
                        # such a place ("Restonica (vallée)", the room "Salle Restonica"): the
                        # valley itself, outside; a room is indoors (round 9).
                        return _PlaceHit(
                            codes, Setting.EXTERIEUR, f"location «{natural}» «{found}»"
                        )
            # The words after the name, past its small words ("Étangs de la Barette").
            after = [token for token in tokens[1:] if token not in _SMALL_WORDS]
            if (
                "own" in codes
                and first == found
                and after
                and tokens[0] == found
                and any(map(self.vocabulary.unknown, after))
            ):
                # An own alias that is only the public word ("Gymnase", the DITEP's gym; the
                # group "Étangs"), followed by a name the rules do not know: another one
                # ("Gymnase Arsenal", "Étangs de la Barette", "Garage du Port, Rezé").
                return _PlaceHit(codes, Setting.EXTERIEUR, f"location «{found}» with a name")
            if "training" in codes and not first:
                # A training partner named as a school (a CFA, a MFR, a lycée) is a school; one
                # named by a public place first is not ("Auto-école Conduite Plus").
                for words in self.school:
                    named = words.find(f.location)
                    if named is not None:
                        return _PlaceHit(
                            codes, Setting.ECOLE, f"location place «{found}» («{named}»)"
                        )
            if "own" in codes and _PREMISES in codes and f.youth_present > 0:
                partner = self.find(f.words)
                if partner is not None and _GROUP in partner[0] and "own" in partner[0]:
                    # "adam - cigales après-midi" at "préau", "Safran" at "Tissage": one of the
                    # DITEP's day groups, named in the title, at its premises as a whole: the
                    # group is where the young person is (round 7), its code added.
                    return _PlaceHit(
                        codes | {_GROUP},
                        setting,
                        f"location place «{found}», summary group «{partner[2]}»",
                    )
                if partner is not None and "partner" in partner[0]:
                    # "Consultation / Mattéo / CMP", "Le Dantec / Inès" at the DITEP's premises
                    # as a whole (an own place of kind site, not a room): the partner the title
                    # names, where the young person is, says where (round 6). The codes stay
                    # the location's (the rules' ``place`` conditions do not change).
                    return _PlaceHit(
                        codes,
                        partner[1],
                        f"location place «{found}», summary place «{partner[2]}»",
                    )
            return _PlaceHit(codes, setting, f"location place «{found}»", in_location=found)
        if self.bare and f.location is not _NO_TEXT:
            index = self.bare.get(f.location.padded.strip())
            if index is not None:
                # "Press" for the house "le Press", "boucle" for "La Boucle": the place is
                # only an own name without its article (round 8).
                codes, setting, _names = self.places[index]
                bare_name = f.location.padded.strip()
                return _PlaceHit(codes, setting, f"location place «{bare_name}» (no article)")
        unknown = frozenset(("unknown",)) if f.location is not _NO_TEXT else frozenset()
        in_summary = self.find(f.words)
        if in_summary is not None:
            codes, setting, found = in_summary
            if unknown and "own" in codes and (town := self._own_town(f.location, found)):
                # "Groupe Sucs" at "Langeac", the DITEP's antenna being "Antenne de Langeac";
                # "appart" at "Bougainville", the house "appart Bougainville": the place named
                # in the title, in the town an own name holds (round 7).
                return _PlaceHit(
                    codes, setting, f"summary place «{found}», location its town «{town}»", found
                )
            return _PlaceHit(codes | unknown, setting, f"summary place «{found}»", found)
        return _PlaceHit(unknown)


_UNKNOWN_ONLY = frozenset(("unknown",))
"""The codes of a place the registry does not know, its title naming none of its places."""

_PREMISES = OwnKind.SITE.value
"""The kind of an own place naming the DITEP's premises as a whole ("DITEP Armor Jeunesse",
"Antenne de Lannion"), not one of its rooms, houses or groups."""

_GROUP = OwnKind.GROUP.value
"""The kind of an own place naming one of the DITEP's day groups ("Groupe Cigales")."""

_ROOM = OwnKind.ROOM.value
"""The kind of an own place naming one of the DITEP's rooms ("Salle Restonica")."""

_CUE = "cue:"
"""How a place's ``cues`` are kept among its link hosts (a host has no colon)."""

_RESIDENCE = "residence"
"""A code added to a partner establishment named as where young people live (a MECS, a foyer
de l'enfance: the ``place_reading`` residence words): the young person's home."""

_RegistryPlace = tuple[frozenset[str], Setting, "_Words"]


def _resident(
    place: _RegistryPlace,
    names: Iterable[str],
    normaliser: Normaliser,
    residences: _Words | None,
) -> _RegistryPlace:
    """A partner establishment (or social partner) whose name says young people live there
    ("MECS Saint-Exupéry", alias "St-Ex") is the home of the young person placed there:
    ``domicile``, with the ``residence`` code (without a young person, ``_where`` reads it as
    outside)."""
    codes, _setting, words = place
    # An establishment, or a social partner ("Foyer ASE Les Tourelles" filed as the ASE's).
    if residences is None or codes.isdisjoint(("establishment", "social")):
        return place
    if any(residences.hit(_Text.read(normaliser, name)) for name in names):
        return codes | {_RESIDENCE}, Setting.DOMICILE, words
    return place


def _as_read(names: Iterable[str], normaliser: Normaliser) -> list[str]:
    """Names as typed and as texts are read: an alias "gym Roseliere" is found in a place
    read as "gymnase roseliere" (abbreviations are spelt out before matching)."""
    out = list(names)
    for name in names:
        tokens = _tokens(name)
        spelt = normaliser.words(tokens)
        if spelt != tokens:
            out.append(" ".join(spelt))
    return out


class _WordReading:
    """A word as read: what it is in a projected string, and the rule words it gives.

    One object per distinct reading (``_Reader`` interns them), hashed and compared by
    identity: a run of readings is a memo key, and hashing it then costs one pointer per
    word, not the word's strings (every entry with a new name is such a lookup)."""

    __slots__ = ("given", "piece")

    def __init__(self, piece: str, given: tuple[str, ...]) -> None:
        self.piece = piece
        self.given = given


_UNREAD = _WordReading("_", ())
"""The reading of a word no rule matches."""


class _Reader:
    """Reads a session's texts as the rules see them: tokens, spelt out and corrected, then
    projected on the rule set's vocabulary (see ``_Text``). Places are remembered by their raw
    string (a place recurs under many titles). A title is read word by word, its words
    remembered: an entry seen again as it is does not reach the reader (the rule set's memo
    has it), and a memo of whole titles would miss on every title with a new name or
    reference while growing with each. Projected texts are shared: equal projections are one
    object, so memo keys compare them by identity."""

    __slots__ = (
        "_by_readings",
        "_interned",
        "_known",
        "_places",
        "_prefixes",
        "_shared",
        "_words",
        "normaliser",
        "registry",
    )

    def __init__(
        self,
        normaliser: Normaliser,
        registry: _Registry | None = None,
        vocabulary: _Vocabulary | None = None,
    ) -> None:
        self.normaliser = normaliser
        self.registry = registry
        # Without a vocabulary nothing is projected away: the texts are read as they are.
        self._known = frozenset(vocabulary.words) if vocabulary is not None else None
        # By initial: ``str.startswith`` tries a tuple's prefixes one by one, and a new word
        # (every entry with a new name) is tried against them.
        by_initial: dict[str, list[str]] = {}
        for prefix in sorted(vocabulary.prefixes if vocabulary is not None else ()):
            by_initial.setdefault(prefix[0], []).append(prefix)
        self._prefixes = {initial: tuple(found) for initial, found in by_initial.items()}
        self._places: dict[str, _Text] = {}
        self._shared: dict[tuple[str, frozenset[str]], _Text] = {}
        self._by_readings: dict[tuple[_WordReading, ...], _Text] = {}
        """The projected text of each run of word readings seen (a text with a new name or
        reference reads as one seen before: the name is ``_``)."""
        self._words: dict[str, _WordReading] = {}
        """Each word read so far: what it is in the projected string (the words it stands
        for, ``_`` for those no rule matches) and the rule words it gives."""
        self._interned: dict[tuple[str, tuple[str, ...]], _WordReading] = {
            (_UNREAD.piece, _UNREAD.given): _UNREAD
        }
        """Each distinct reading's one object (two words may read alike: a typo and its
        word)."""

    def texts_of(self, facts: SessionFacts) -> tuple[_Text, _Text]:
        """The summary with the categories, and the location (``_NO_TEXT`` when empty)."""
        words = self.read(facts.summary, *facts.categories)
        location = facts.location
        if not location:
            return words, _NO_TEXT
        places = self._places
        place = places.get(location)
        if place is None:
            if len(places) >= _MEMO_LIMIT:
                places.clear()
            # A link is not a place: "https://whereby.com/belvedere-psy" names a video room,
            # not the site "Belvédère" (the link itself is read as a code, see links.py).
            named = _LINK_TEXT.sub(" ", location).strip() if _has_link(location) else location
            place = places[location] = self.read(named) if named else _NO_TEXT
        return words, place

    def read(self, *texts: str) -> _Text:
        if self._known is None:
            return _Text.read(self.normaliser, *texts)
        typed = _tokens(texts[0]) if len(texts) == 1 else [t for x in texts for t in _tokens(x)]
        if not typed:
            padded, tokens = "  ", frozenset[str]()
        else:
            # Most words are read already (a new text is mostly a new name in known words).
            known_reading, learn = self._words.get, self._learn
            read = tuple([known_reading(word) or learn(word) for word in typed])
            known = self._by_readings.get(read)
            if known is not None:
                return known
            padded = " " + " ".join([reading.piece for reading in read]) + " "
            while " _ _ " in padded:
                padded = padded.replace(" _ _ ", " _ ")
            tokens = frozenset(chain.from_iterable([reading.given for reading in read]))
            if len(self._by_readings) >= _MEMO_LIMIT:
                self._by_readings.clear()
            known = self._share(padded, tokens)
            self._by_readings[read] = known
            return known
        return self._share(padded, tokens)

    def _share(self, padded: str, tokens: frozenset[str]) -> _Text:
        shared = self._shared.get((padded, tokens))
        if shared is None:
            if len(self._shared) >= _MEMO_LIMIT:
                self._shared.clear()
                self._by_readings.clear()  # its texts are shared no more
            shared = self._shared[padded, tokens] = _Text(tokens, padded)
        return shared

    def _learn(self, word: str) -> _WordReading:
        """The reading of a word not read yet, remembered."""
        known, prefixes, words, interned = self._known, self._prefixes, self._words, self._interned
        no_prefix: tuple[str, ...] = ()
        assert known is not None
        if len(words) >= _MEMO_LIMIT:
            words.clear()
            interned.clear()
            interned[_UNREAD.piece, _UNREAD.given] = _UNREAD
        spelt = self.normaliser.spell(word)
        # The word as typed counts in either case (a rule may name a short form).
        typed_matches = word in known or word.startswith(prefixes.get(word[0], no_prefix))
        content: tuple[str, tuple[str, ...]] | None = None  # None: no rule word
        if spelt == (word,):  # most words stand for themselves
            if typed_matches:
                content = (word, (word,))
        else:
            pieces: list[str] = []
            given = [word] if typed_matches else []
            for each in spelt:
                if each in known or each.startswith(prefixes.get(each[:1], no_prefix)):
                    pieces.append(each)
                    if each not in given:
                        given.append(each)
                else:
                    pieces.append("_")
            content = (" ".join(pieces), tuple(given))
        if content is None:
            read = _UNREAD
        elif (found := interned.get(content)) is not None:
            read = found
        else:
            read = interned[content] = _WordReading(*content)
        words[word] = read
        return read


def overlaps_night(
    start: dt.datetime, end: dt.datetime, night_start: dt.time, night_end: dt.time
) -> bool:
    """Whether [start, end) (wall-clock) overlaps the night window of any day."""
    wall = end.replace(tzinfo=None) - start.replace(tzinfo=None)
    return night_overlap(
        start.hour * 60 + start.minute,
        wall.days * 1440 + wall.seconds // 60,
        night_start.hour * 60 + night_start.minute,
        night_end.hour * 60 + night_end.minute,
    )


@lru_cache(maxsize=65_536)
def night_overlap(start_minute: int, minutes: int, night_start: int, night_end: int) -> bool:
    """The same on minutes: a session starting ``start_minute`` after midnight and lasting
    ``minutes``, a window from ``night_start`` to ``night_end`` (minutes after midnight;
    across midnight when it ends earlier than it starts). Agendas repeat a few such pairs."""
    if minutes <= 0:
        return False
    if minutes >= 1440:
        return True
    length = (night_end - night_start) % 1440 or 1440
    end_minute = start_minute + minutes
    # The windows of the day before, of the day, and of the day after.
    return any(
        start_minute < begins + length and end_minute > begins
        for begins in (night_start - 1440, night_start, night_start + 1440)
    )


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    if start.tzinfo is not None and end.tzinfo is not None:
        # Aware times sharing a zone subtract on the wall clock: compare instants.
        return int((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60)
    return int((end - start).total_seconds() // 60)


# --- Compiled conditions: each returns what it matched on, or None ---------------------------


class _Words:
    """Any of some words, phrases or word prefixes: single words by set intersection,
    phrases and prefixes by one compiled expression over the padded text."""

    __slots__ = ("pattern", "prefixes", "singles", "vocabulary")

    def __init__(self, terms: Iterable[str]) -> None:
        singles: set[str] = set()
        others: list[str] = []
        vocabulary: set[str] = set()
        prefixes: set[str] = set()
        for term in terms:
            words = _tokens(term)
            if not words:
                continue
            if term.strip().endswith("*"):
                others.append(re.escape(words[0]) + "[a-z0-9]*")
                prefixes.add(words[0])
            elif len(words) == 1:
                singles.add(words[0])
            else:
                words = spelt_phrase(words)
                others.append(re.escape(" ".join(words)))
                vocabulary.update(words)
        self.singles = frozenset(singles)
        self.vocabulary = frozenset(vocabulary | singles)
        """Every word this can match on (a word of a phrase included)."""
        self.prefixes = frozenset(prefixes)
        """And every word starting with one of these."""
        self.pattern = (
            re.compile(" (" + "|".join(sorted(others, key=len, reverse=True)) + ") ")
            if others
            else None
        )

    def hit(self, text: _Text) -> bool:
        if not self.singles.isdisjoint(text.tokens):
            return True
        return self.pattern is not None and self.pattern.search(text.padded) is not None

    def find(self, text: _Text) -> str | None:
        common = self.singles & text.tokens
        if common:
            return min(common)
        if self.pattern is not None:
            found = self.pattern.search(text.padded)
            if found is not None:
                return found.group(1)
        return None

    def longest(self, text: _Text) -> str | None:
        """The longest of the words or phrases found (a place's full name before a short
        alias of another place: "gymnase guy moquet" before "gymnase")."""
        found = [*(self.singles & text.tokens)]
        if self.pattern is not None:
            found.extend(hit.group(1) for hit in self.pattern.finditer(text.padded))
        return max(found, key=len) if found else None


@dataclass
class _Vocabulary:
    """The words and prefixes the compiled conditions on texts can match: what a text is
    projected on. Every ``_Words`` that reads the summary or the location is made here."""

    words: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    def unknown(self, word: str) -> bool:
        """Whether no rule or registry name can match this word (a text projected shows it
        as ``_``): a name of its own."""
        return word not in self.words and not any(map(word.startswith, self.prefixes))

    def matcher(self, terms: Iterable[str]) -> _Words:
        found = _Words(terms)
        self.words.update(found.vocabulary)
        self.prefixes.update(found.prefixes)
        return found


Test = Callable[[_Features], str | None]
"""A condition for ``explain``: what it matched on, or None."""
Check = Callable[[_Features], bool]
"""The same condition for the fast path: only whether it holds."""
Compiled = tuple[str, Test, Check]
_NO_LIMIT = 1 << 62


def _place_given(f: _Features) -> bool:
    """Whether the session's location says anything once read (a link alone says no place):
    what ``located`` tests and ``unplaced_setting`` follows."""
    return bool(f.location.padded.strip())


def _count(name: str, wanted: Range) -> Compiled:
    low, high = wanted.min or 0, _NO_LIMIT if wanted.max is None else wanted.max
    read = operator.attrgetter(name)
    check: Check = lambda f: low <= read(f) <= high  # noqa: E731

    def say(f: _Features) -> str | None:
        return f"{name} = {read(f)}" if check(f) else None

    return name, say, check


def _flag(name: str, expected: bool) -> Compiled:
    read = operator.attrgetter(name)
    check: Check = lambda f: read(f) is expected  # noqa: E731

    def say(f: _Features) -> str | None:
        return f"{name} = {expected}" if check(f) else None

    return name, say, check


def _words_in(words: _Words, name: str, kind: str, where: str) -> Compiled:
    read = operator.attrgetter(where)

    def say(f: _Features) -> str | None:
        return _said(kind, words.find(read(f)))

    return name, say, lambda f: words.hit(read(f))


def _only_words(words: _Words) -> Compiled:
    """The title read (words spelt out, names as ``_``) has no word but these: a bare "RDV"
    or "Point" says nothing of what takes place."""
    allowed = words.vocabulary

    def check(f: _Features) -> bool:
        pieces = f.words.padded.split()
        return bool(pieces) and allowed.issuperset(pieces)

    def say(f: _Features) -> str | None:
        return "title: " + f.words.padded.strip() if check(f) else None

    return "only_words", say, check


def _compile_conditions(
    when: Conditions,
    vocabulary: _Vocabulary,
    places: Places = (),
    links: Links = (),
    reading: _Reading | None = None,
    masked: bool = False,
) -> tuple[Compiled, ...]:
    compiled: list[Compiled] = []
    # Cheap tests first: counts and flags fail most rules before any word is looked at.
    for name in ("youth", "youth_present", "professionals"):
        wanted = getattr(when, name)
        if wanted is not None:
            compiled.append(_count(name, wanted))
    if when.all_day is not None:
        compiled.append(_flag("all_day", when.all_day))
    if when.source_kind is not None:
        kinds = frozenset(when.source_kind)

        def source_said(f: _Features) -> str | None:
            return f"source = {f.source_kind.value}" if f.source_kind in kinds else None

        compiled.append(("source_kind", source_said, lambda f: f.source_kind in kinds))
    if when.place is not None:
        wanted_places = frozenset(when.place)

        def place_said(f: _Features) -> str | None:
            common = wanted_places & f.place.codes
            if not common:
                return None
            return f"place {min(common)}" + (f" ({f.place.evidence})" if f.place.evidence else "")

        compiled.append(
            ("place", place_said, lambda f: not wanted_places.isdisjoint(f.place.codes))
        )
    if when.codes is not None:
        codes_said = _codes_test(when.codes)
        compiled.append(
            ("codes", codes_said, lambda f: bool(f.codes) and codes_said(f) is not None)
        )
    if when.serafin is not None:
        serafin_said = _serafin_test(when.serafin)
        compiled.append(("serafin", serafin_said, lambda f: serafin_said(f) is not None))
    if when.functions is not None:
        # Functions are read apart (not projected): their words are not the texts' vocabulary.
        compiled.append(_words_in(_Words(when.functions), "functions", "function", "functions"))
    if when.located is not None:
        wanted_located = when.located

        def located(f: _Features) -> bool:
            return _place_given(f) is wanted_located

        compiled.append(
            (
                "located",
                lambda f: (
                    ("a place is given" if wanted_located else "no place given")
                    if located(f)
                    else None
                ),
                located,
            )
        )
    title = "named" if masked else "words"
    if when.words is not None:
        compiled.append(_words_in(vocabulary.matcher(when.words), "words", "word", title))
    if when.also_words is not None:
        compiled.append(
            _words_in(vocabulary.matcher(when.also_words), "also_words", "word too", title)
        )
    if when.only_words is not None:
        compiled.append(_only_words(vocabulary.matcher(when.only_words)))
    if when.location_words is not None:
        compiled.append(
            _words_in(
                vocabulary.matcher(when.location_words),
                "location_words",
                "location word",
                "location",
            )
        )
    if when.where_known is not None:
        expected = when.where_known
        read_as = reading or _NO_READING

        def where_said(f: _Features) -> str | None:
            found = _where(f, places, links, vocabulary, read_as)
            # A place "à voir" (a ``places`` entry giving inconnu) says nowhere; a numbered
            # room says a room, whose unknown ("Bureau 3": a session in an office).
            if (
                found is not None
                and found[0] is Setting.INCONNU
                and not found[1].startswith(_ANY_ROOM)
            ):
                found = None
            if (found is not None) is not expected:
                return None
            return f"where: {found[1]}" if found is not None else "nothing says where"

        compiled.append(("where_known", where_said, lambda f: where_said(f) is not None))
    if when.unless_words is not None:
        unless = vocabulary.matcher(when.unless_words)

        def unless_check(f: _Features) -> bool:
            return not unless.hit(f.words) and not unless.hit(f.location)

        compiled.append(
            (
                "unless_words",
                lambda f: "no excluded word" if unless_check(f) else None,
                unless_check,
            )
        )
    # The time last: an entry whose rules fail before it are classified the same at any time
    # (``CompiledRuleSet._learn`` then remembers one answer for all its sessions).
    if when.night is not None:
        compiled.append(_timed(_flag("night", when.night)))
    if when.across_midnight is not None:
        compiled.append(_timed(_flag("across", when.across_midnight)))
    if when.duration_minutes is not None:
        band = when.duration_minutes

        def duration_said(f: _Features) -> str | None:
            duration = f.duration
            held = duration is not None and band.holds(duration)
            return f"duration = {duration} min" if held else None

        compiled.append(
            _timed(("duration_minutes", duration_said, lambda f: duration_said(f) is not None))
        )
    if when.start_time is not None:
        clock = when.start_time.minutes

        def start_said(f: _Features) -> str | None:
            start = f.start
            if start is None or not clock.holds(start):
                return None
            return f"starts at {start // 60:02d}:{start % 60:02d}"

        compiled.append(_timed(("start_time", start_said, lambda f: start_said(f) is not None)))
    return tuple(compiled)


def _timed(compiled: Compiled) -> Compiled:
    """A condition on the time that says when it is looked at."""
    name, say, check = compiled

    def timed(f: _Features) -> bool:
        if not f.time_read:
            f.time_read = True
            clock = f.clock
            if clock is not None:
                f.clock = None
                f.night, f.across, f.duration, f.start = clock()
        return check(f)

    return name, say, timed


def _said(kind: str, found: str | None) -> str | None:
    return None if found is None else f"{kind} «{found}»"


def _codes_test(codes: list[str]) -> Test:
    exact = frozenset(code for code in codes if not code.endswith("*"))
    prefixes = tuple(code[:-1] for code in codes if code.endswith("*"))

    def test(f: _Features) -> str | None:
        common = exact & f.codes
        if common:
            return f"code {min(common)}"
        for code in f.codes:
            if code.startswith(prefixes):
                return f"code {code}"
        return None

    return test


def _serafin_test(prefixes: list[str]) -> Test:
    wanted = tuple(prefixes)

    def test(f: _Features) -> str | None:
        # The first SERAFIN-PH code stated decides (a DUI states one per event).
        code = f.serafin
        if code is None:
            return None
        for prefix in wanted:
            if code == prefix or code.startswith(prefix + "."):
                return f"SERAFIN-PH {code}"
        return None

    return test


# --- Compiled rules and the rule set ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    id: str
    explanation: str
    tests: tuple[tuple[str, Test], ...]
    then: Actions
    checks: tuple[Check, ...] = ()
    """The same tests without their names, for the fast path."""
    cheap: int = 0
    """How many of the first checks read only the counts, all-day flag and source kind."""


@dataclass(frozen=True, slots=True)
class RuleTrial:
    """One rule looked at while classifying a session."""

    rule_id: str
    explanation: str
    matched: bool
    evidence: tuple[str, ...] = ()
    failed_on: str | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    classification: Classification
    trials: tuple[RuleTrial, ...]
    setting_evidence: str | None = None

    @property
    def matched(self) -> RuleTrial | None:
        last = self.trials[-1] if self.trials else None
        return last if last is not None and last.matched else None


FeaturesKey = tuple[object, ...]
TimeVariant = tuple[bool, bool, int | None, int | None]
TimeKey = tuple[int, int, dt.timedelta] | tuple[int, int, dt.timedelta, int] | None
"""A session's time as the rules can read it: the start's hour and minute, the wall-clock
length (and, for aware times, the real length in minutes when a rule reads the duration: naive
times have no other length than the wall clock's); None without times."""
_BASE_KEY = operator.attrgetter(
    "summary",
    "location",
    "categories",
    "codes",
    "youth",
    "youth_present",
    "professionals",
    "functions",
    "all_day",
    "source_kind",
)
_DECIDING = operator.attrgetter(
    "codes", "youth", "youth_present", "professionals", "functions", "all_day", "source_kind"
)
"""What the rules read of a session beside its texts and its time: with the texts as read
(projected), what an entry is found by when it is not known as it is."""
_TIMES_LIMIT = 4_096


class _Timed:
    """What an entry whose classification reads the time is known to give: per time read
    (``TimeKey``) and per time variant (night flag, midnight crossing, duration band), with
    the entry's features to evaluate a variant not seen yet."""

    __slots__ = ("by_time", "by_variant", "features")

    def __init__(self, features: _Features) -> None:
        self.features = features
        self.by_time: dict[TimeKey, Classification] = {}
        self.by_variant: dict[TimeVariant, Classification] = {}


_Known = Classification | _Timed


Places = tuple[tuple[Setting, _Words, bool], ...]
"""The ``places`` list compiled: each entry's setting, words, and whether the title is read
too (``location_only`` entries read the place only)."""
Links = tuple[tuple[Setting, frozenset[str]], ...]


def _place_word(
    places: Places,
    text: _Text,
    title: bool = False,
    skip: Setting | None = None,
    skip_also: Setting | None = None,
) -> tuple[Setting, str] | None:
    for setting, words, in_title in places:
        if (title and not in_title) or setting is skip or setting is skip_also:
            continue
        found = words.find(text)
        if found is not None:
            return setting, found
    return None


@dataclass(frozen=True, slots=True)
class _Reading:
    """The rule set's ``place_reading`` words compiled (as read: lower case, no accents). All
    empty without the section: none of these readings."""

    numbered_rooms: bool = False
    street: frozenset[str] = frozenset()
    signs: frozenset[str] = frozenset()
    halls: frozenset[str] = frozenset()
    workshop_places: frozenset[str] = frozenset()
    bike_sheds: frozenset[str] = frozenset()
    bikes: frozenset[str] = frozenset()
    workshop: frozenset[str] = frozenset()
    """Every word a workshop place is read with: its places, bike sheds and bikes, the rest."""
    outings: frozenset[str] = frozenset()
    team: frozenset[str] = frozenset()
    negations: tuple[str, ...] = ()
    desk: frozenset[str] = frozenset()
    elsewhere_without_youth: bool = False
    day_unit_out: bool = False
    premises: frozenset[str] = frozenset()
    own_names: frozenset[str] = frozenset()
    town_joins: frozenset[str] = frozenset()
    named_places: frozenset[str] = frozenset()
    class_outings: bool = False
    lessons: frozenset[str] = frozenset()
    vehicles: frozenset[str] = frozenset()
    offices: frozenset[str] = frozenset()
    bookings: frozenset[str] = frozenset()
    youth_homes: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    names_not_read_for: frozenset[Activity] = frozenset()
    own_towns: bool = False
    name_articles: frozenset[str] = frozenset()
    rule_words: frozenset[str] = frozenset()
    """Every word of the rules and the ``places`` list, the registry's names aside (set by
    ``compile_rule_set``): a word not among them is a name ("café Mosson")."""
    residences: _Words | None = None
    """The residence words compiled (``compile_rule_set`` sets it: it needs the vocabulary)."""
    call_idioms: _Words | None = None
    """The call idioms compiled (likewise)."""

    @classmethod
    def of(cls, section: PlaceReading) -> _Reading:
        def read(words: Iterable[str]) -> frozenset[str]:
            return frozenset(token for word in words for token in _tokens(word))

        workshop_places = read(section.workshop_places)
        bike_sheds, bikes = read(section.bike_sheds), read(section.bike_words)
        return cls(
            numbered_rooms=section.numbered_rooms,
            street=read(section.street_words),
            signs=read(section.number_signs),
            halls=read(section.hall_words),
            workshop_places=workshop_places,
            bike_sheds=bike_sheds,
            bikes=bikes,
            workshop=workshop_places | bike_sheds | bikes | read(section.workshop_words),
            outings=read(section.outing_words),
            team=read(section.team_words),
            desk=read(section.desk_words),
            elsewhere_without_youth=section.elsewhere_without_youth,
            day_unit_out=section.day_unit_out,
            premises=read(section.premises_words),
            own_names=read(section.own_names),
            town_joins=read(section.town_joins),
            named_places=read(section.named_places),
            class_outings=section.class_outings,
            lessons=read(section.lesson_words),
            vehicles=read(section.vehicle_words),
            offices=read(section.office_words),
            bookings=read(section.booking_words),
            youth_homes=read(section.youth_home_words),
            services=read(section.service_words),
            names_not_read_for=frozenset(section.names_not_read_for),
            own_towns=section.own_towns,
            name_articles=read(section.name_articles),
            negations=tuple(
                dict.fromkeys(
                    " ".join(spelt_phrase(_tokens(phrase))) for phrase in section.negations
                )
            ),
        )

    def address_terms(self) -> tuple[str, ...]:
        """What a place is read with beyond the rules' words (``_vocabulary``): street words,
        number signs and, when numbered rooms are read, numbers."""
        digits = tuple(f"{digit}*" for digit in "0123456789") if self.numbered_rooms else ()
        return (*sorted(self.street), *sorted(self.signs), *digits)


_NO_READING = _Reading()


def _numbered(tokens: list[str], reading: _Reading) -> bool:
    """Whether the room word is followed by a number ("Bureau 3", "salle n° 2")."""
    if not reading.numbered_rooms:
        return False
    rest = tokens[1:3]
    if rest and rest[0] in reading.signs and len(rest) > 1:
        rest = rest[1:]
    return bool(rest) and rest[0][0].isdigit()


def _anyone_s(tokens: list[str], reading: _Reading) -> bool:
    """A room named by a number or at a street address: a room, but nobody's in particular."""
    return _numbered(tokens, reading) or not reading.street.isdisjoint(tokens)


_ANY_ROOM = "a numbered room or an address"
"""The evidence of a room the registry does not know, named by a number or an address: the
setting is not known, but the session is in a room (``where_known`` holds)."""


def _room(places: Places, location: _Text, title: _Text, reading: _Reading) -> bool:
    """Whether the location starts with a word of the ``places`` list giving ``site`` (the
    place is that room or office: "Bureau direction", "cuisine pédagogique") — a room named by
    a function or a name. A room named by a number ("Bureau 3", "salle 2 (bâtiment B)") or at a
    street address says nothing of whose it is; a public hall is not the DITEP's."""
    tokens = location.padded.split()
    if not tokens or not any(tokens[0] in words.singles for words in _sites(places)):
        return False
    return not _anyone_s(tokens, reading) and not _public_hall(places, location, title, reading)


def _generic(location: _Text, vocabulary: _Vocabulary, reading: _Reading) -> bool:
    """Whether every word of the place is one the rules know, none a name of its own: the
    DITEP's generic unit words ("Semi-internat", "Classe interne", "UE interne"), which name
    its own unit whatever the registry lists — not another place ("Salle Mozart", "Collège
    Braque" carry a name); nor a room named by a number or an address ("Bureau 3")."""
    tokens = location.padded.split()
    if not tokens or _anyone_s(tokens, reading):
        return False
    # A run of words no rule knows is one "_" in a projected place.
    return "_" not in tokens and not any(map(vocabulary.unknown, tokens))


def _sites(places: Places) -> list[_Words]:
    return [words for setting, words, _title in places if setting is Setting.SITE]


def _public_hall(places: Places, location: _Text, title: _Text, reading: _Reading) -> bool:
    """A place starting with a hall word (« salle »), with an outside activity in the title
    ("escalade" at "Salle Roc'n Bloc"): a public hall — unless the place names the DITEP
    besides ("Salle de sport du DITEP")."""
    tokens = location.padded.split()
    if not tokens or tokens[0] not in reading.halls:
        return False
    outside = any(
        setting is Setting.EXTERIEUR and in_title and words.hit(title)
        for setting, words, in_title in places
    )
    if not outside:
        return False
    rest = _Text(frozenset(tokens[1:]), " " + " ".join(tokens[1:]) + " ")
    return not any(words.hit(rest) for words in _sites(places))


def _workshop(
    f: _Features, vocabulary: _Vocabulary, reading: _Reading, places: Places = ()
) -> bool:
    """Whether the place is only workshop words ("atelier menuiserie", "préau"), with the
    DITEP's own names at most ("garage vélos Saint-Ex"): its own workshop, not a partner's."""
    tokens = f.location.padded.split()
    if not tokens or _anyone_s(tokens, reading):  # "atelier 3": nobody's in particular
        return False
    bikes = tokens[0] in reading.bike_sheds and not reading.bikes.isdisjoint(tokens[1:3])
    if tokens[0] not in reading.workshop_places and not bikes:
        return False
    if _lead(places, f.location, phrases_only=True) is not None:
        return False  # a public place so named ("jardin partagé", "Jardin des Plantes")
    if any(vocabulary.unknown(token) for token in tokens):
        return False  # a name the rules do not know: another place ("Jardin des Plantes")
    codes = f.place.codes
    if "own" in codes:
        return True
    return not (codes - {"unknown"}) and all(token in reading.workshop for token in tokens)


def _where(
    f: _Features,
    places: Places,
    links: Links,
    vocabulary: _Vocabulary,
    reading: _Reading = _NO_READING,
    planned_with_youth: bool = False,
) -> tuple[Setting, str] | None:
    """Where the session is, as its place, links and title say (the registry, then the
    ``places`` words, a video link, the title), with what said it; None when nothing does.
    ``reading`` is the rule set's ``place_reading``: rooms, addresses, workshops, outings.
    ``planned_with_youth``: a session of a modality planned with a young person, who did not
    come or whose session was cancelled."""
    if f.location is not _NO_TEXT and _workshop(f, vocabulary, reading, places):
        return Setting.SITE, "a workshop place"
    found = _where_read(f, places, links, vocabulary, reading)
    if (
        found is not None
        and found[0] is Setting.DOMICILE
        and f.youth_present == 0
        and not planned_with_youth
        and (_RESIDENCE in f.place.codes or found[1].startswith(_RESIDENCE_EVIDENCE))
    ):
        # A MECS or a foyer de l'enfance is the home of a young person placed there, when he is
        # there; without him (a meeting with its educators, their support), it is a partner's
        # place, as most writers read it. A home visit planned with him there, cancelled or
        # missed ("ANNULÉ VAD Sofiane" at "MECS Le Relais"), was to be held at his home (round 8).
        return Setting.EXTERIEUR, found[1]
    return found


_RESIDENCE_EVIDENCE = "location residence"


def _named_place(title: _Text, reading: _Reading, vocabulary: _Vocabulary) -> str | None:
    """An everyday place word of the title (``named_places``: « café ») followed, past its
    small words, by a name the rules do not know ("café Mosson", "café de la Plaine"; a word
    of the registry's names is one too): that place, named."""
    if reading.named_places.isdisjoint(title.tokens):
        return None
    tokens = title.padded.split()
    for at, token in enumerate(tokens):
        if token in reading.named_places:
            after = [word for word in tokens[at + 1 : at + 4] if word not in _SMALL_WORDS][:1]
            if after and (vocabulary.unknown(after[0]) or after[0] not in reading.rule_words):
                return f"{token} + a name"
    return None


_AT_HOME = " a domicile "
"""« à domicile » in a title: where the session is held ("Signature PPA à domicile – Yanis",
with him and his parents), even in desk work's words (round 7)."""

_SMALL_WORDS = frozenset(("le", "la", "les", "l", "de", "du", "des", "d"))
"""Articles before a name ("DITEP Le Tremplin")."""


def _lead(
    places: Places, location: _Text, phrases_only: bool = False
) -> tuple[Setting, str] | None:
    """The public place (outside, care) the location starts with, whatever word follows
    ("Snack Chez Ti Louis": the snack bar, not somebody's home); ``phrases_only``: named by a
    phrase of the ``places`` list ("jardin partagé", not "garage")."""
    tokens = location.padded.split()
    if not tokens:
        return None
    for setting, words, _in_title in places:
        if setting not in (Setting.EXTERIEUR, Setting.SOINS):
            continue
        if tokens[0] in words.singles and not phrases_only:
            return setting, tokens[0]
        if words.pattern is not None:
            match = words.pattern.match(location.padded)
            if match is not None:
                return setting, match.group(1)
    return None


def _where_read(
    f: _Features,
    places: Places,
    links: Links,
    vocabulary: _Vocabulary,
    reading: _Reading,
) -> tuple[Setting, str] | None:
    hit = f.place
    if f.location is not _NO_TEXT and (call := _call_head(places, f.words, reading)) is not None:
        # "Tél CMPP Morlaix - Evan" at "CMPP Morlaix", "ESS visio" at "Salle Curie", "Point
        # téléphonique HDJ": a call or video word heading the title says what the session is,
        # held at a distance, whatever place the location names (round 6).
        return Setting.DISTANCE, f"summary word «{call}» heading the title"
    if hit.setting is not None and hit.evidence and hit.evidence.startswith("location"):
        if (
            hit.setting is not Setting.DOMICILE
            and not reading.street.isdisjoint(f.location.tokens)
            and (visit := _home_word(places, f.words, reading)) is not None
        ):
            # "VAD famille M." at "Neudorf, rue de la Klebsau" (a house of the DITEP named after
            # the district), at "Roubaix, rue de l'Epeule": a home visit at a street address is
            # at the home, whatever registry name the address holds (round 6).
            return Setting.DOMICILE, f"summary word «{visit}», location a street address"
        if (
            hit.setting is Setting.SITE
            and hit.in_location is not None
            and ("house" in hit.codes or "group" in hit.codes)
            and (
                town := [
                    token
                    for token in f.location.padded.split()
                    if token not in _SMALL_WORDS and token not in hit.in_location.split()
                ]
            )
            and not reading.rule_words.intersection(town)
            and (visit := _home_word(places, f.words, reading)) is not None
        ):
            # "VAD Inès" at "Villeurbanne Tonkin" (a house of the DITEP named after the
            # district, a town's name before it): a home visit in that district (round 8).
            return Setting.DOMICILE, f"summary word «{visit}», location a town and a district"
        return hit.setting, hit.evidence
    if (
        reading.youth_homes
        and f.source_kind is AgendaKind.YOUTH
        and f.location is not _NO_TEXT
        and (named := [token for token in f.location.padded.split() if token not in _SMALL_WORDS])
        and reading.youth_homes.issuperset(named)
    ):
        # "maison", "la maison" as the place in a young person's own agenda: his home (round 8).
        return Setting.DOMICILE, f"location «{' '.join(named)}» in the young person's agenda"
    if f.location is not _NO_TEXT and reading.residences is not None:
        residence = reading.residences.find(f.location)
        if residence is not None:
            # "MECS Le Prado", "foyer de l'enfance": where the young person lives.
            return Setting.DOMICILE, f"{_RESIDENCE_EVIDENCE} «{residence}»"
    tokens = f.location.padded.split()
    # The name after "DITEP", past its small words ("Le", "de la").
    named = [token for token in tokens[1:3] if token not in _SMALL_WORDS]
    if (
        "unknown" in hit.codes
        and tokens
        and tokens[0] in reading.own_names
        and named
        and (named[0] == "_" or vocabulary.unknown(named[0]))
    ):
        # "DITEP Le Tremplin, Aulnay": another DITEP, by a name the registry does not know.
        return Setting.EXTERIEUR, f"location «{tokens[0]}» with another name"
    found = _place_word(places, f.location)
    if found is not None and found[0] in (Setting.DOMICILE, Setting.ECOLE):
        lead = _lead(places, f.location)
        if lead is not None:
            # "Snack Chez Ti Louis": a snack bar named "chez"; "Garage Renault École-Valentin":
            # a garage in a town named "École", not a school.
            found = lead
    if (
        found is not None
        and found[0] is Setting.EXTERIEUR
        and not (hit.codes - {"unknown"})
        and not reading.own_names.isdisjoint(f.location.tokens)
    ):
        # "Salle de sport du DITEP": a public kind of place, but the DITEP's own.
        return Setting.SITE, f"location word «{found[1]}» of the DITEP"
    # A "salle" or "bureau" the registry does not know is someone else's, not the site —
    # unless the place *is* that room: it starts with the word ("Bureau psy", "Salle à
    # manger", "salle Bourgogne"; a public room, "salle des fêtes", is outside, read first).
    others = False
    if found is not None and found[0] is Setting.SITE:
        if "unknown" in hit.codes:
            others = not _room(places, f.location, f.words, reading) and not _generic(
                f.location, vocabulary, reading
            )
        elif not hit.codes:  # no registry: a room word says the site, but for a public hall
            others = _public_hall(places, f.location, f.words, reading)
    if found is not None and not others:
        if found[0] is Setting.EXTERIEUR and _lead(places, f.location) is None:
            home = _place_word(places, f.words, title=True)
            if (
                home is not None
                and home[0] is Setting.DOMICILE
                and not _negated(home[1], f.words, reading)
            ):
                # "VAD Maelys" at "Riom-ès-Montagnes": an outside word inside a place's name
                # that is not that public place (a town's): the home visit says where.
                return Setting.DOMICILE, f"summary word «{home[1]}», location a name"
        return found[0], f"location word «{found[1]}»"
    if (
        others
        and "unknown" in hit.codes
        and _anyone_s(f.location.padded.split(), reading)
        and not _public_hall(places, f.location, f.words, reading)
    ):
        # "Bureau 3", "salle 2 (bâtiment B)", "Bureau 12, 4 rue Lakanal": a room, whose is not
        # said (nor made the site by a room word in the title, "Bureau 3 – O.F.").
        return Setting.INCONNU, f"{_ANY_ROOM} («{found[1]}»)" if found else _ANY_ROOM
    if links and f.codes:
        for setting, hosts in links:
            for code in f.codes:
                if code.startswith("link|") and code[5:] in hosts:
                    return setting, f"link to {code[5:]}"
                if code.startswith(CUE_CODE) and _CUE + code[len(CUE_CODE) :] in hosts:
                    # "par tél avec l'IDE du CMP", "visio - lien envoyé (Teams)" in the
                    # description: the session is held at a distance.
                    return setting, f"the description says {code[len(CUE_CODE) :]}"
    unknown_place = "unknown" in hit.codes
    # A place the registry does not know is not the DITEP's: a site word of the title
    # ("Transfert Crozon – groupe internat" at "Crozon") says who, not where.
    found = _place_word(places, f.words, title=True, skip=Setting.SITE if unknown_place else None)
    service = _service(f, reading)
    if found is not None and service and found[0] is Setting.SITE and found[1] in reading.services:
        # "SESSAD", "Educ SESSAD - Karim" with the young person: the service says who, not
        # where; another word of the title may (round 6).
        found = _place_word(places, f.words, title=True, skip=Setting.SITE)
    desk = not reading.desk.isdisjoint(f.words.tokens) and not reading.desk.isdisjoint(
        # The place's own name repeated in the title names the place, not desk work ("Séjour ski
        # Les Saisies" at "Les Saisies (73)": the ski resort, not "saisie"; round 10).
        f.words.tokens - f.location.tokens
    )
    if found is None and not desk:
        everyday = _named_place(f.words, reading, vocabulary)
        if everyday is not None:
            found = Setting.EXTERIEUR, everyday  # "Suivi Bilal - café Mosson": that café
    if (
        found is not None
        and found[0] is Setting.EXTERIEUR
        and hit.in_title is not None
        and "own" in hit.codes
        and set(found[1].split()) <= set(hit.in_title.split())
    ):
        # The outside word is the DITEP's own place named in the title ("Puy Mary", a house
        # of the DITEP; "Calanques", a group): that place, not a mountain; another outside word
        # of the title may still say where ("Musée - gpe Calanques"; round 7).
        own_name = hit.in_title
        rest = _Text(
            f.words.tokens - frozenset(own_name.split()),
            f.words.padded.replace(f" {own_name} ", " _ "),
        )
        found = _place_word(places, rest, title=True, skip=Setting.SITE if unknown_place else None)
        if found is not None and found[0] is not Setting.EXTERIEUR:
            found = None
    if (
        found is not None
        and desk
        and found[0] is not Setting.DISTANCE
        and not (
            found[0] is Setting.DOMICILE and f.youth_present > 0 and _AT_HOME in f.words.padded
        )
    ):
        # Desk work about a partner or an outing ("Rédaction rapport MDPH", "Mail ASE",
        # "conventions de stage"): the title names the subject, not the place; « à domicile »
        # with the young person there says where it is held.
        found = None
    if found is not None and (_negated(found[1], f.words, reading) or _companions(found, f.words)):
        # "pas d'école", "pas de classe": no school today, not a place; another place word
        # may still say where ("Soir à domicile (pas d'internat)": at home). "Sortie avec la
        # famille d'accueil": the family he goes out with, not his home (round 5).
        skipped = Setting.SITE if unknown_place else None
        found = _place_word(places, f.words, title=True, skip=skipped, skip_also=found[0])
        if found is not None and (desk or _negated(found[1], f.words, reading)):
            found = None
    preparing = (
        f.youth == 0
        and not reading.outings.isdisjoint(f.words.tokens)
        and not reading.team.isdisjoint(f.words.tokens)
    )
    if found is not None and preparing and found[1] in reading.outings:
        # A séjour or outing the team prepares without the young people is not a place: the
        # team is where the team is ("Préparation séjour Marie-Galante (équipe)").
        found = None
    class_out = False
    if (
        found is not None
        and found[0] is Setting.ECOLE
        and reading.class_outings
        and reading.lessons.isdisjoint(f.words.tokens)
    ):
        outside = next(
            (
                (setting, word)
                for setting, words, in_title in places
                if setting is Setting.EXTERIEUR
                and in_title
                and (word := words.find(f.words)) is not None
            ),
            None,
        )
        if outside is not None:
            # A class going out ("Ski alpin - classe UE", "sortie classe (musée)", "collège
            # (stage à la boulangerie)"): the class says who, the outing says where; a lesson
            # ("Collège (EPS piscine)") stays the school's.
            found = outside
            class_out = True
    # A phone or video tool in the title says where, whatever partner it names; a home visit
    # too, whatever own service it names ("VAD L.B. (SESSAD pro)").
    if found is not None and found[0] in (Setting.DISTANCE, Setting.DOMICILE):
        return found[0], f"summary word «{found[1]}»"
    # A house or group named in the title, with a place the registry does not know:
    # the group is out, not at the DITEP ("Bouquetins - rando" at "Col du Coq").
    if (
        found is not None
        and found[0] is Setting.EXTERIEUR
        and "own" in hit.codes
        and not (hit.evidence or "").startswith("location")
    ):
        # An outing of a house or group named in the title ("Sortie gpe Lucioles", "Cinéma -
        # Filaos"): the group says who, the outing says where.
        return found[0], f"summary word «{found[1]}»"
    if (desk or preparing) and "partner" in hit.codes:
        # "Rédaction rapport MDPH Inès": the MDPH is the subject; "Préparation sortie Cerza
        # (résa, devis car)": the zoo is where the outing goes, not where the team prepares it
        # (round 8).
        hit = _PlaceHit(hit.codes)
    if (
        service
        and hit.setting is Setting.SITE
        and hit.in_title is not None
        and reading.services.issuperset(hit.in_title.split())
    ):
        # An own alias that is only the service's name ("SESSAD" for "SESSAD Provence Verte"),
        # in the title of a session with the young person: who, not where (round 6).
        hit = _PlaceHit(hit.codes)
    if (
        class_out
        and found is not None
        and hit.in_title is not None
        and hit.setting is Setting.ECOLE
    ):
        # The school of the registry named in the title of a class going out ("Classe découverte
        # CM2 - école Dupont" at a holiday centre): the class says who, the outing where (round 8).
        return found[0], f"summary word «{found[1]}», a class going out"
    if hit.setting is not None and not (hit.setting is Setting.SITE and "unknown" in hit.codes):
        return hit.setting, hit.evidence or "the place registry"
    if found is not None:
        return found[0], f"summary word «{found[1]}»"
    return None


def _call_head(places: Places, title: _Text, reading: _Reading) -> str | None:
    """A call or video word among the title's first two words ("Tél CMPP", "Point
    téléphonique", "ESS visio"): the session is a call; further on it is a detail ("Synthèse
    Lina (CMP en visio)", "Atelier recherche de stage (tel aux entreprises)"). Not in an idiom
    of ``place_reading.call_idioms`` ("Zoom sur le projet de Lina": a close look at it)."""
    if reading.call_idioms is not None and reading.call_idioms.hit(title):
        return None
    # The first words the rules read: a name before them ("Lina Dupont - tél CMP") is not
    # counted, so the projected title (names as ``_``) and the title as typed agree.
    head = [
        word
        for word in title.padded.split()
        if word in reading.rule_words and word not in _SMALL_WORDS
    ]
    if head and head[0] in reading.bookings:
        # "Réservation salle – ESS Adam (Teams)": the booking and the room booked say nothing
        # of what the session is; the words after them do (round 8).
        rooms = frozenset().union(*(words.singles for words in _sites(places)))
        at = 1
        while at < len(head) and (head[at] in reading.bookings or head[at] in rooms):
            at += 1
        head = head[at:]
    head = head[:_HEAD]
    for setting, words, in_title in places:
        if setting is Setting.DISTANCE and in_title and not words.singles.isdisjoint(head):
            return next(word for word in head if word in words.singles)
    return None


_HEAD = 2
"""How many of the title's rule words say what the session is (``_call_head``)."""


def _service(f: _Features, reading: _Reading) -> bool:
    """Whether a service word of the title (« SESSAD ») names who works with a young person
    present, not where (``place_reading.service_words``)."""
    return f.youth_present > 0 and not reading.services.isdisjoint(f.words.tokens)


def _home_word(places: Places, title: _Text, reading: _Reading) -> str | None:
    """A home word of the title (« VAD », « visite à domicile »), not negated, or None."""
    for setting, words, in_title in places:
        if setting is Setting.DOMICILE and in_title:
            found = words.find(title)
            if found is not None and found != "chez" and not _negated(found, title, reading):
                return found  # not "chez": "Stage chez le boulanger" is the baker's
    return None


_WITH = (
    " avec ",
    " avec la ",
    " avec sa ",
    " avec son ",
    " avec ses ",
    " avec les ",
    " avec l ",
    " avec _ ",
)
""""avec" and its articles ("_": a word no rule reads, "sa" in a projected title)."""


def _companions(found: tuple[Setting, str], title: _Text) -> bool:
    """Whether a home word of the title comes just after "avec" ("marché de Noël avec la famille
    d'accueil"): the people he is with, not the place (round 5)."""
    if found[0] is not Setting.DOMICILE:
        return False
    return any(f"{lead}{found[1]} " in title.padded for lead in _WITH)


def _negated(word: str, title: _Text, reading: _Reading) -> bool:
    """Whether a place word of the title follows a negation ("pas d'école", "exclusion
    collège"): it names no place of the session."""
    return any(f" {no} {word} " in title.padded for no in reading.negations)


@dataclass(eq=False)
class CompiledRuleSet:
    """A document compiled for fast classification; ``version`` names the document exactly.

    Two memos: by the raw facts (``key``: a repeated entry costs one look-up), and by the
    facts that matter (the projected texts, see ``_Text``, with the counts, codes, functions,
    all-day flag and source kind: an entry differing only in a name is not evaluated again).
    Both hold a classification, or a ``_Timed`` when the rules read the entry's time."""

    document: RuleSetDocument
    version: str
    rules: tuple[_CompiledRule, ...]
    places: Places
    night_window: tuple[dt.time, dt.time]
    reads_night: bool
    reads_duration: bool
    duration_points: tuple[int, ...]
    reader: _Reader
    reads_across: bool = False
    start_points: tuple[int, ...] = ()
    """The minutes where a rule's ``start_time`` begins or stops holding (empty: none reads it)."""
    links: Links = ()
    reading: _Reading = _NO_READING
    """The ``place_reading`` section compiled."""
    vocabulary: _Vocabulary = field(default_factory=lambda: _Vocabulary(), repr=False)
    """Every word the rules and the registry can match (a place's own names are the others)."""
    no_show: _NoShow | None = None
    """The ``no_show`` section compiled."""
    _memo: dict[FeaturesKey, _Known] = field(default_factory=dict, repr=False)
    _by_features: dict[FeaturesKey, _Known] = field(default_factory=dict, repr=False)
    _results: dict[tuple[str, Setting, Nature, str | None], Classification] = field(
        default_factory=dict, repr=False
    )
    _plans: dict[tuple[object, ...], tuple[tuple[int, tuple[Check, ...]], ...]] = field(
        default_factory=dict, repr=False
    )
    _night_minutes: tuple[int, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        begins, ends = self.night_window
        self._night_minutes = begins.hour * 60 + begins.minute, ends.hour * 60 + ends.minute

    @property
    def reads_time(self) -> bool:
        return (
            self.reads_night or self.reads_duration or self.reads_across or bool(self.start_points)
        )

    @property
    def low_confidence_rule_ids(self) -> frozenset[str]:
        """Rules flagged ``low_confidence`` (the fallbacks): their sessions are counted and
        also listed in the review queue, to be confirmed or set by hand."""
        return frozenset(
            rule.id for rule in self.document.rules if LOW_CONFIDENCE in rule.then.flags
        )

    def key(self, facts: SessionFacts) -> FeaturesKey:
        """What the rules can tell apart, time aside: the memo's key."""
        return _BASE_KEY(facts)

    def time_variant(self, facts: SessionFacts) -> TimeVariant:
        """The night flag, midnight crossing, duration band and start band of a session
        (constant when no rule reads them)."""
        return self._variant(*self._time_features(facts))

    def _start_band(self, start: int | None) -> int | None:
        return None if start is None else bisect.bisect_right(self.start_points, start)

    def _variant(
        self, night: bool, across: bool, duration: int | None, start: int | None
    ) -> TimeVariant:
        """What the rules can tell apart of a session's time (as ``_time_read`` gives it): its
        night flag, midnight crossing, duration band and start band."""
        band = None if duration is None else bisect.bisect_right(self.duration_points, duration)
        return night, across, band, self._start_band(start)

    def remembered(self, key: FeaturesKey) -> Classification | None:
        """The classification already learnt for an entry (``key(facts)``) when it does not
        depend on the time: lets a caller skip building the facts (and their local times)."""
        known = self._memo.get(key)
        return known if isinstance(known, Classification) else None

    def classify(self, facts: SessionFacts) -> Classification:
        key = _BASE_KEY(facts)
        known = self._memo.get(key)
        if known is None:
            known = self._learn(key, facts)
        if isinstance(known, Classification):
            return known
        # The hot path of an entry that reads the time: one look-up, no call.
        time = self._time_key(facts)
        found = known.by_time.get(time)
        return found if found is not None else self._at(known, time)

    def _learn(self, key: FeaturesKey, facts: SessionFacts) -> _Known:
        """An entry not seen as it is: found by the facts that matter, or evaluated. Without
        its time first (computing it costs more than most entries need): when no condition
        on the time was looked at on the way to the rule that matched (most entries: their
        words decide), the answer holds at any time and later sessions of the entry need no
        time at all. Otherwise the answer depends on the time (``_Timed``)."""
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        texts = self.reader.texts_of(facts)
        deciding = texts + _DECIDING(facts)
        known = self._by_features.get(deciding)
        if known is None:
            if len(self._by_features) >= _MEMO_LIMIT:
                self._by_features.clear()
            features = _Features(facts, False, None, self.reader, texts=texts)
            moment: list[TimeKey] = []
            if self.reads_time:
                # The time is read only if a rule looks at it; the answer then holds at this
                # session's time, the first one the entry is known at (no second evaluation).
                def clock() -> tuple[bool, bool, int | None, int | None]:
                    time = self._time_key(facts)
                    moment.append(time)
                    return self._time_read(time)

                features.clock = clock
            result = self._evaluate(features)
            if features.time_read:
                timed = _Timed(features)
                if moment:
                    read = features.night, features.across, features.duration, features.start
                    timed.by_variant[self._variant(*read)] = result
                    timed.by_time[moment[0]] = result
                known = timed
            else:
                known = result
            self._by_features[deciding] = known
        self._memo[key] = known
        return known

    def _at(self, timed: _Timed, time: TimeKey) -> Classification:
        """An entry that reads the time, at one time."""
        found = timed.by_time.get(time)
        if found is None:
            night, across, duration, start = self._time_read(time)
            variant = self._variant(night, across, duration, start)
            found = timed.by_variant.get(variant)
            if found is None:
                found = timed.by_variant[variant] = self._evaluate(
                    timed.features.at(night, duration, across, start)
                )
            if len(timed.by_time) >= _TIMES_LIMIT:
                timed.by_time.clear()
            timed.by_time[time] = found
        return found

    def classify_uncached(self, facts: SessionFacts) -> Classification:
        return self._evaluate(self._features(facts))

    def explain(self, facts: SessionFacts) -> Explanation:
        features = self._features(facts)
        trials: list[RuleTrial] = []
        for rule in self.rules:
            evidence: list[str] = []
            failed_on: str | None = None
            for name, test in rule.tests:
                said = test(features)
                if said is None:
                    failed_on = name
                    break
                evidence.append(said)
            trials.append(
                RuleTrial(rule.id, rule.explanation, failed_on is None, tuple(evidence), failed_on)
            )
            if failed_on is None:
                setting, where = self._setting(rule.then, features)
                return Explanation(self._result(rule, features, setting), tuple(trials), where)
        setting, where = self._unclassified_place(features)
        return Explanation(self._unclassified(features, setting), tuple(trials), where)

    def _evaluate(self, features: _Features) -> Classification:
        return self._outcome(self._match(features), features)

    def _match(self, features: _Features) -> int:
        """The index of the first rule that holds (``len(rules)`` when none does)."""
        people = _PEOPLE(features)
        plan = self._plans.get(people)
        if plan is None:
            plan = self._plan(features, people)
        for index, checks in plan:
            for check in checks:
                if not check(features):
                    break
            else:
                return index
        return len(self.rules)

    def _plan(
        self, features: _Features, people: tuple[object, ...]
    ) -> tuple[tuple[int, tuple[Check, ...]], ...]:
        """The rules whose conditions on the people (counts, all-day, source kind) hold for
        these, each with its other checks: the same first match, without testing them again
        (they are pure and come first in each rule, before any condition on the time)."""
        plan = tuple(
            (index, rule.checks[rule.cheap :])
            for index, rule in enumerate(self.rules)
            if all(check(features) for check in rule.checks[: rule.cheap])
        )
        if len(self._plans) >= _MEMO_LIMIT:
            self._plans.clear()
        self._plans[people] = plan
        return plan

    def _outcome(self, index: int, features: _Features) -> Classification:
        if index == len(self.rules):
            return self._unclassified(features, self._unclassified_place(features)[0])
        rule = self.rules[index]
        return self._result(rule, features, self._setting(rule.then, features)[0])

    def _unclassified_place(self, features: _Features) -> tuple[Setting, str | None]:
        """Where an unclassified session is (``classify`` and ``explain`` alike)."""
        setting, said = self._place(features, Setting.INCONNU)
        if said is not None and said.startswith("summary place"):
            # Nothing classified, a service only named in the title ("EXT | divers"): a
            # code, not a place.
            return Setting.INCONNU, None
        return setting, said

    def _result(self, rule: _CompiledRule, f: _Features, setting: Setting) -> Classification:
        then = rule.then
        if then.nature != "auto":
            nature = then.nature
        elif f.youth == 0 and then.nature_without_youth is not None:
            # A synthesis is indirect even when the DUI attaches nobody to it.
            nature = then.nature_without_youth
        elif (
            self.no_show is not None
            and f.youth > 0
            and f.youth_present == 0
            and then.activity in self.no_show.activities
            and self.no_show.said(f)
        ):
            # The session planned with him, missed or cancelled: its status says so.
            nature = self.no_show.nature
        else:
            nature = _nature(f)
        # The feed's own SERAFIN-PH code, when it states one, is kept as it is.
        serafin = f.serafin[:16] if f.serafin else then.serafin
        made = (rule.id, setting, nature, serafin)
        known = self._results.get(made)
        if known is None:
            # Few distinct results: one object each (building a frozen dataclass is not free).
            if len(self._results) >= _MEMO_LIMIT:
                self._results.clear()
            known = self._results[made] = Classification(
                activity=then.activity,
                setting=setting,
                nature=nature,
                rule_id=rule.id,
                serafin_code=serafin,
                rule_set_version=self.version,
                flags=tuple(then.flags),
            )
        return known

    def _unclassified(self, f: _Features, setting: Setting) -> Classification:
        return Classification(
            activity=Activity.UNCLASSIFIED,
            setting=setting,
            nature=_nature(f),
            rule_id=UNCLASSIFIED_RULE_ID,
            serafin_code=f.serafin[:16] if f.serafin else None,
            rule_set_version=self.version,
        )

    def _setting(self, then: Actions, f: _Features) -> tuple[Setting, str | None]:
        if then.setting != "auto":
            return then.setting, None
        # A session of a modality with its young person absent ("PEC Noah" at a town, he did
        # not come) was to be held with him, not a meeting of professionals elsewhere.
        default = then.default_setting
        if then.unplaced_setting is not None and not _place_given(f):
            # No place given: the rule's own reading of an agenda that says nothing of where
            # ("Appui ressources" alone: the partner's, not the DITEP's; round 10).
            default = then.unplaced_setting
        return self._place(
            f,
            default,
            then.activity in MODALITIES,
            then.activity is Activity.ACCUEIL_JOUR,
        )

    def _place(
        self, f: _Features, default: Setting, modality: bool = False, day_unit: bool = False
    ) -> tuple[Setting, str | None]:
        """The location decides first (the registry, then the ``places`` words), then links
        in the description, then the summary and categories (registry, words); else
        ``default`` — but a location the registry does not know is not the DITEP's ``site``."""
        registry = self.reader.registry
        if self.reading.offices and registry is not None and "unknown" in f.place.codes:
            tokens = f.location.padded.split()
            # The words after the office's, past small words and a room's number ("bureau 4").
            named = [
                token
                for token in tokens[1:]
                if token not in _SMALL_WORDS
                and not token[0].isdigit()
                and token not in self.reading.signs
            ]
            if (
                tokens
                and tokens[0] in self.reading.offices
                and named
                and all(token in registry.own_words for token in named)
            ):
                # "direction Liévin", "secrétariat Lievin": an office of the DITEP named by its
                # function and the town of its site (own names: "Site de Liévin"); "self
                # Micocouliers", "bureau 4 Micocouliers": a room of the DITEP named by its use
                # and the DITEP's name (round 8).
                return Setting.SITE, f"location «{tokens[0]}» of an own place"
        if (
            self.reading.vehicles
            and "own" in f.place.codes
            and f.location.padded[1:].split(" ", 1)[0] in self.reading.vehicles
        ):
            # "Trafic 1" filed as an own room: a vehicle is no place, the DITEP's or another;
            # read as a place the registry does not know (the title may say where).
            f = copy.copy(f)
            f.place = _PlaceHit(frozenset(("unknown",)))
        # A session of a modality planned with the young person, which he missed or which was
        # cancelled (the ``no_show`` words: "ANNULÉ VAD Sofiane"), is where it was planned.
        missed = (
            modality
            and f.youth > 0
            and f.youth_present == 0
            and self.no_show is not None
            and self.no_show.said(f)
        )
        found = _where(f, self.places, self.links, self.vocabulary, self.reading, missed)
        if found is not None:
            return found
        if default is Setting.SITE and "unknown" in f.place.codes:
            # With a registry, the DITEP's own places are known: another one is not its site.
            if (
                f.youth_present == 0
                and self.reading.elsewhere_without_youth
                and not (modality and f.youth > 0)
            ):
                # Professionals meeting or trained at a place the registry does not know (a
                # town, a venue: "Réunion réseau DITEP" at "Colmar"): elsewhere, outside.
                return Setting.EXTERIEUR, "a location the place registry does not know, no youth"
            if day_unit and self._group_out(f):
                return Setting.EXTERIEUR, "a location the place registry does not know, a group out"
            return Setting.INCONNU, "a location the place registry does not know"
        if default is Setting.INCONNU and day_unit and self._group_out(f):
            # A group that no telling word classifies ("Saut de la Lézarde" at "Petit-Bourg",
            # six young people: the fallback's day unit) is out as well (round 8).
            return Setting.EXTERIEUR, "a location the place registry does not know, a group out"
        return default, None

    def _group_out(self, f: _Features) -> bool:
        """The day unit's group at a place that is not the DITEP's (nor named as its
        premises: "Antenne de Vic", "ancienne école Camus"), the title naming none of its
        places nor a site word ("internat"; a hall, « salle », is the place's): out in the town
        ("Foot salle" at "Five de Bobigny", "Journée gorges de l'Allier - pêche" at
        "Lavoûte-Chilhac"; round 7)."""
        return (
            self.reading.day_unit_out
            and f.youth_present > 0
            and f.place.codes == _UNKNOWN_ONLY
            and f.location.padded[1:].split(" ", 1)[0] not in self.reading.premises
            and not any(
                setting is Setting.SITE
                and (
                    words.hit(f.location)
                    or (
                        in_title
                        and (word := words.find(f.words)) is not None
                        and word not in self.reading.halls
                    )
                )
                for setting, words, in_title in self.places
            )
        )

    def _time_key(self, facts: SessionFacts) -> TimeKey:
        start, end = facts.start, facts.end
        if start is None or end is None:
            return None
        if start.tzinfo is None and end.tzinfo is None:
            # Naive times: the real length is the wall clock's (``_time_read`` derives it).
            return start.hour, start.minute, end - start
        # Sharing one tzinfo, a difference is on the wall clock already.
        wall = (
            end - start
            if start.tzinfo is end.tzinfo
            else end.replace(tzinfo=None) - start.replace(tzinfo=None)
        )
        if self.reads_duration:
            return start.hour, start.minute, wall, _minutes(start, end)
        return start.hour, start.minute, wall

    def _time_read(self, time: TimeKey) -> tuple[bool, bool, int | None, int | None]:
        """The night flag, the midnight crossing, the duration and the start (minutes after
        midnight, when a rule reads it) of a session's time."""
        if time is None:
            return False, False, None, None
        start_minute = time[0] * 60 + time[1]
        wall = time[2]
        wall_minutes = wall.days * 1440 + wall.seconds // 60
        night = self.reads_night and night_overlap(start_minute, wall_minutes, *self._night_minutes)
        # Evening to morning: the session goes past the local midnight.
        across = self.reads_across and wall_minutes > 0 and start_minute + wall_minutes > 1440
        start = start_minute if self.start_points else None
        if len(time) == 4:
            duration: int | None = time[3]
        else:
            # Naive times (or no rule reading the duration): the wall clock's length.
            duration = wall_minutes if self.reads_duration else None
        return night, across, duration, start

    def _time_features(self, facts: SessionFacts) -> tuple[bool, bool, int | None, int | None]:
        if not self.reads_time:
            return False, False, None, None
        return self._time_read(self._time_key(facts))

    def _features(self, facts: SessionFacts) -> _Features:
        night, across, duration, start = self._time_features(facts)
        return _Features(facts, night, duration, self.reader, across, start=start)


@dataclass(frozen=True, slots=True)
class _NoShow:
    """The ``no_show`` section compiled: the title's words, the description's cue codes."""

    activities: frozenset[Activity]
    words: _Words | None
    cues: frozenset[str]
    nature: Nature

    @classmethod
    def of(cls, section: NoShow, vocabulary: _Vocabulary) -> _NoShow:
        return cls(
            frozenset(section.activities),
            vocabulary.matcher(section.words) if section.words else None,
            frozenset(CUE_CODE + cue for cue in section.cues or ()),
            section.nature,
        )

    def said(self, f: _Features) -> bool:
        """Whether the title or the description says the young person did not come."""
        if self.words is not None and self.words.hit(f.words):
            return True
        return not self.cues.isdisjoint(f.codes)


def _nature(f: _Features) -> Nature:
    if f.youth_present > 0:
        return Nature.DIRECT
    if f.youth > 0:
        return Nature.INDIRECT
    return Nature.INSTITUTIONNEL


def _clock(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def _vocabulary(document: RuleSetDocument, registry: PlaceRegistry | None) -> set[str]:
    """Every word the rules (and the registry's names) can match: what typos are corrected to."""
    terms: list[str] = []
    for rule in document.rules:
        when = rule.when
        for words in (
            when.words,
            when.also_words,
            when.only_words,
            when.location_words,
            when.unless_words,
        ):
            terms.extend(word for word in words or () if not word.strip().endswith("*"))
    for place in document.places:
        terms.extend(word for word in place.words or () if not word.strip().endswith("*"))
    if document.no_show is not None:
        terms.extend(w for w in document.no_show.words or () if not w.strip().endswith("*"))
    if registry is not None:
        for _kind, _owner, _setting, names in registry.entries(document.place_reading.contractions):
            terms.extend(names)
    # A phrase's words as typed and spelt out (``spelt_phrase``: how ``_Words`` looks for it).
    typed = [_tokens(term) for term in terms]
    return {token for words in typed for token in (*words, *spelt_phrase(words))}


def _edges(ranges: Iterable[Range | None]) -> tuple[int, ...]:
    """The values where one of the ranges begins or stops holding, sorted: a duration or a
    start between two of them reads the same for every rule (one memo entry per band)."""
    points: set[int] = set()
    for band in ranges:
        if band is not None and band.min is not None:
            points.add(band.min)
        if band is not None and band.max is not None:
            points.add(band.max + 1)
    return tuple(sorted(points))


def compile_rule_set(
    document: RuleSetDocument,
    version: str,
    registry: PlaceRegistry | None = None,
    *,
    project: bool = True,
) -> CompiledRuleSet:
    """The document compiled; with an establishment's place registry, its version says so
    (``…+places-<digest>``): the same words may then be classified otherwise.
    ``project=False`` keeps every word of the texts (the reference the tests compare with)."""
    night = (_clock(document.night.start), _clock(document.night.end))
    vocabulary = _Vocabulary()
    places: Places = tuple(
        (place.setting, vocabulary.matcher(place.words), not place.location_only)
        for place in document.places
        if place.words
    )
    links: Links = tuple(
        (place.setting, frozenset(place.links or ()) | {_CUE + cue for cue in place.cues or ()})
        for place in document.places
        if place.links or place.cues
    )
    reading = _Reading.of(document.place_reading)
    if document.place_reading.residence_words:
        reading = replace(
            reading, residences=vocabulary.matcher(document.place_reading.residence_words)
        )
    if document.place_reading.call_idioms:
        reading = replace(
            reading, call_idioms=vocabulary.matcher(document.place_reading.call_idioms)
        )
    reading = replace(
        reading,
        rule_words=frozenset(_vocabulary(document, None))
        | reading.workshop
        | reading.team
        | reading.outings
        | reading.desk
        | reading.own_names
        | reading.bookings,
    )
    vocabulary.matcher(sorted(reading.desk | reading.own_names))  # desk work, the DITEP named
    vocabulary.matcher(sorted(reading.town_joins))  # "Is-sur-Tille": a town, not the place
    vocabulary.matcher(sorted(reading.named_places))  # "café Mosson": a café so named
    vocabulary.matcher(sorted(reading.lessons))  # "Collège (EPS piscine)": a school lesson
    vocabulary.matcher(sorted(reading.vehicles))  # "Trafic 1": a vehicle, not a place
    vocabulary.matcher(sorted(reading.offices))  # "direction Liévin": an office of the site
    vocabulary.matcher(sorted(reading.bookings))  # "Réservation salle – ESS (Teams)": a booking
    vocabulary.matcher(sorted(reading.youth_homes))  # "maison" in his own agenda: his home
    vocabulary.matcher(sorted(reading.services))  # "SESSAD" in the title: who, not where
    if not registry_has_places(registry):
        # Without a registry, "SESSAD" is the only name of its premises the rules have; with
        # one, the DITEP's own places are known and the service's name says who (round 6).
        reading = replace(reading, services=frozenset())
    vocabulary.matcher(reading.address_terms())  # a place's numbers and street words are read
    vocabulary.matcher(sorted(reading.workshop))  # and its workshop words
    vocabulary.matcher(sorted(reading.team))  # a team's time about an outing
    rules = tuple(
        _compile_rule(rule, vocabulary, places, links, reading) for rule in document.rules
    )
    no_show = _NoShow.of(document.no_show, vocabulary) if document.no_show else None
    normaliser = Normaliser(_vocabulary(document, registry))
    points = _edges(rule.when.duration_minutes for rule in document.rules)
    starts = _edges(
        None if rule.when.start_time is None else rule.when.start_time.minutes
        for rule in document.rules
    )
    compiled_registry = (
        _Registry(
            registry,
            vocabulary,
            normaliser,
            places,
            document.place_reading.contractions,
            reading.residences,
            reading.town_joins,
            reading.own_names,
            reading.rule_words if reading.own_towns else frozenset(),
            reading.vehicles if reading.names_not_read_for else None,
            reading.name_articles,
            reading.named_places,
        )
        if registry is not None and registry_has_places(registry)
        else None
    )
    return CompiledRuleSet(
        document=document,
        version=version if not registry_has_places(registry) else _with_places(version, registry),
        rules=rules,
        places=places,
        links=links,
        reader=_Reader(
            normaliser,
            compiled_registry,
            vocabulary if project else None,
        ),
        reads_across=any(rule.when.across_midnight is not None for rule in document.rules),
        reading=reading,
        vocabulary=vocabulary,
        no_show=no_show,
        night_window=night,
        reads_night=any(rule.when.night is not None for rule in document.rules),
        reads_duration=bool(points),
        duration_points=points,
        start_points=starts,
    )


def registry_has_places(registry: PlaceRegistry | None) -> bool:
    return registry is not None and bool(registry.own or registry.partners)


def _with_places(version: str, registry: PlaceRegistry | None) -> str:
    assert registry is not None
    return f"{version}{PLACES_VERSION_MARK}{registry.digest[:8]}"


def _compile_rule(
    rule: Rule,
    vocabulary: _Vocabulary,
    places: Places = (),
    links: Links = (),
    reading: _Reading | None = None,
) -> _CompiledRule:
    masked = reading is not None and rule.then.activity in reading.names_not_read_for
    compiled = _compile_conditions(rule.when, vocabulary, places, links, reading, masked)
    cheap = 0
    while cheap < len(compiled) and compiled[cheap][0] in _PEOPLE_TESTS:
        cheap += 1
    return _CompiledRule(
        rule.id,
        rule.explanation,
        tuple((name, say) for name, say, _check in compiled),
        rule.then,
        tuple(check for _name, _say, check in compiled),
        cheap,
    )


_PEOPLE_FIELDS = ("youth", "youth_present", "professionals", "all_day", "source_kind")
_PEOPLE_TESTS = frozenset(_PEOPLE_FIELDS)
"""The conditions read from the counts, the all-day flag and the source kind alone (compiled
first, see ``_compile_conditions``, each named as its field): which rules they let through
is known per ``_PEOPLE``."""
_PEOPLE = operator.attrgetter(*_PEOPLE_FIELDS)


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def default_version(document: RuleSetDocument, text: str) -> str:
    """The shipped document's version: its declared version and the start of its hash."""
    return f"default-{document.version or 'unversioned'}-{content_sha256(text)[:12]}"


def default_rules_text() -> str:
    return (
        resources.files("agenda_ingest.classification")
        .joinpath(DEFAULT_RULES_RESOURCE)
        .read_text(encoding="utf-8")
    )


@lru_cache(maxsize=1)
def default_rule_set() -> CompiledRuleSet:
    """The French rule set shipped with the product (used when an establishment has none)."""
    text = default_rules_text()
    document = parse_rule_set(text)
    return compile_rule_set(document, default_version(document, text))


@lru_cache(maxsize=16)
def compiled_from_text(text: str, version: str, places_text: str | None = None) -> CompiledRuleSet:
    """A stored document (and place registry) compiled once per process (its memo of
    classifications is kept too)."""
    registry = parse_place_registry(places_text) if places_text else None
    return compile_rule_set(parse_rule_set(text), version, registry)


@lru_cache(maxsize=16)
def default_with_places(places_text: str) -> CompiledRuleSet:
    """The shipped rules with an establishment's place registry."""
    text = default_rules_text()
    document = parse_rule_set(text)
    return compile_rule_set(
        document, default_version(document, text), parse_place_registry(places_text)
    )


def classify(facts: SessionFacts) -> Classification:
    """``facts`` classified by the default rule set."""
    return default_rule_set().classify(facts)
