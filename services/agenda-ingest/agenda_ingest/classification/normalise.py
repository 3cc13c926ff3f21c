"""Words as the rules read them: common abbreviations spelt out, plain typos corrected.

Accents and case are removed by the engine's tokeniser first. Then each word:

- an abbreviation of agenda wording (``reu`` → ``reunion``, ``biblio`` →
  ``bibliotheque``) is spelt out, the short form kept as well; an English agenda word is
  read as the French word the rules name (``call`` → ``appel``, ``training`` →
  ``formation``), kept as typed as well;
- a word the rule set does not know, of six letters or more, is corrected to the
  rule-set word it is one edit away from (two edits from nine letters), with the
  same first letter: ``reunoin`` → ``reunion``, ``scolaier`` → ``scolaire``. The
  fuzzy matching is rapidfuzz's (optimal string alignment distance, so a swap of
  two neighbouring letters is one edit). Names and other words stay as they are.

What each word stands for is remembered (agendas repeat their words); a correction is only
sought among the rule-set words of a near length (a cheap bound on the distance).
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "reu": ("reunion",),
    "reun": ("reunion",),
    "rdv": ("rendez", "vous"),
    "accomp": ("accompagnement",),
    "accompt": ("accompagnement",),
    "biblio": ("bibliotheque",),
    "mediath": ("mediatheque",),
    "gym": ("gymnase",),
    "transp": ("transport",),
    "educ": ("educatif",),
    "entr": ("entretien",),
    "psychomot": ("psychomotricite",),
    "visioconf": ("visioconference",),
    "tel": ("telephone",),
    "tél": ("telephone",),
    "ctre": ("centre",),
    "sce": ("service",),
    "sem": ("semaine",),
    "we": ("week", "end"),
    "weekend": ("week", "end"),
    "wk": ("week", "end"),
    "sout": ("soutien",),
    "scol": ("scolaire",),
    "coord": ("coordination",),
    "entt": ("entretien",),
    "entts": ("entretien",),
    "entret": ("entretien",),
    "reeduc": ("reeducation",),
    "synth": ("synthese",),
    "form": ("formation",),
    "hdj": ("hopital", "de", "jour"),
    # « GT projet d'établissement », « GT sorties & transports » : un groupe de travail (round 6).
    "gt": ("groupe", "de", "travail"),
    # « PEC Kylian » : une prise en charge, abréviation courante du médico-social.
    "pec": ("prise", "en", "charge"),
    "dom": ("domicile",),
    # « St Clément », « St-Ex » : saint (un alias du registre écrit « Saint-Clément » est trouvé
    # dans « St Clément » et l'inverse ; round 8). « Sté » (société) n'est pas lu « sainte ».
    "st": ("saint",),
    # « VD Sofiane » : une visite à domicile, comme « VAD ».
    "vd": ("visite", "a", "domicile"),
    # « Équipe périsco » : le périscolaire (l'accueil avant et après la classe, la cantine).
    "perisco": ("periscolaire",),
    "af": ("assistant", "familial"),
    "assfam": ("assistant", "familial"),
    # Round 6, the partners' vocabulary. The CMP's own sigles by age (« CMPEA », « CMPIJ »,
    # « CMPI », « CMPE ») and the CATTP (centre d'accueil thérapeutique à temps partiel, the
    # child psychiatry sector's group care, run with the CMP): read as the CMP the rules name.
    "cmpea": ("cmp",),
    "cmpij": ("cmp",),
    "cmpi": ("cmp",),
    "cmpe": ("cmp",),
    "cattp": ("cmp",),
    # The psychiatric hospitals: centre hospitalier spécialisé, établissement public de santé
    # mentale (« EPSMR » at La Réunion).
    "chs": ("centre", "hospitalier", "specialise"),
    "epsm": ("hopital", "psychiatrique"),
    "epsmr": ("hopital", "psychiatrique"),
    # « MDA » is the maison des adolescents for 16 of the 17 entries of the 53 sets naming it.
    "mda": ("maison", "des", "adolescents"),
    # Where a young person placed by the ASE lives: a lieu de vie et d'accueil, the foyer de
    # l'enfance.
    "lva": ("lieu", "de", "vie"),
    "fde": ("foyer", "de", "l", "enfance"),
    # « LP » is the lycée professionnel in every entry of the 53 sets naming it (126 entries).
    "lp": ("lycee", "professionnel"),
    # « ML » is the mission locale in all 20 entries of the 53 sets naming it.
    "ml": ("mission", "locale"),
    # « E2C » is the école de la deuxième chance, a school for young people out of school (round
    # 10: « E2C » at « E2C Lyon », the registry's training place, is at school for its writer and
    # second reader, as a training partner named as a school is).
    "e2c": ("ecole", "de", "la", "deuxieme", "chance"),
    # Round 6, the DITEP's own words for its support: « Atel. cuisine », « Lever + PDJ »,
    # « Snoez Théo », « Relax Léna », « Équit' Enzo », « Pisc. Colibris », « Ergo Maëlys »,
    # « AAD Kylian » (aide aux devoirs). Not « gpe » / « grp »: the rules name them as they are
    # (« grp Vert | divers » with nobody is a service code, not the day unit's group).
    "atel": ("atelier",),
    "pdj": ("petit", "dejeuner"),
    "snoez": ("snoezelen",),
    "relax": ("relaxation",),
    "equit": ("equitation",),
    "pisc": ("piscine",),
    "ergo": ("ergotherapie",),
    "aad": ("aide", "aux", "devoirs"),
    # Round 7: La Réunion's Creole « kozé » (a talk): « Kozé ek la famille » is a talk with the
    # family, read as the DITEP's « entretien ».
    "koze": ("entretien",),
    # Round 8: Guadeloupe's Creole « bato » (a boat): « Bato Trois-Rivières - Terre-de-Haut » is the
    # crossing, read as the « bateau » the rules name.
    "bato": ("bateau",),
}
"""Short forms seen in DUI agendas, with what they stand for."""

ENGLISH: dict[str, tuple[str, ...]] = {
    "call": ("appel",),
    "calls": ("appel",),
    "phone": ("telephone",),
    "meeting": ("reunion",),
    "meetings": ("reunion",),
    "team": ("equipe",),
    "training": ("formation",),
    "partnership": ("partenariat",),
    "network": ("reseau",),
    "teacher": ("enseignant",),
    "teachers": ("enseignants",),
    # Round 10: "Travel time to Bagnolet (VAD)" is the professional's drive, the « trajet » the
    # rules name.
    "travel": ("trajet",),
    "outing": ("sortie",),
    "outings": ("sortie",),
    "trip": ("sortie",),
    "visit": ("visite",),
    "home": ("domicile",),
    "support": ("soutien",),
    "holiday": ("vacances",),
    "holidays": ("vacances",),
    "grandma": ("grand", "mere"),
    "grandpa": ("grand", "pere"),
    "grandparents": ("grands", "parents"),
    "hospital": ("hopital",),
    "night": ("nuit",),
    "workshop": ("atelier",),
    "session": ("seance",),
    "appointment": ("rendez", "vous"),
}
"""English agenda words (a DITEP may write half its agenda in English), with the French
word the rules name: "Home visit" reads "domicile visite", "Call teacher" "appel
enseignant". Kept as typed too, as short forms are."""

SPELT_OUT: dict[str, tuple[str, ...]] = {**ABBREVIATIONS, **ENGLISH}
"""Every word read as other words: the short forms and the English words."""


def spelt_phrase(words: list[str]) -> list[str]:
    """A rule's phrase (two words or more) as a text's words are read before phrases are
    matched: its short forms and English words spelt out ("visite a dom" is looked for as
    "visite a domicile", "rdv manque" as "rendez vous manque"). A single word stays as typed:
    a text keeps its words as typed beside their reading."""
    if len(words) < 2:
        return words
    return [piece for word in words for piece in SPELT_OUT.get(word, (word,))]


MIN_CORRECTED = 6
"""Shorter words are not corrected: too many real words are one edit from each other."""
_CACHE_LIMIT = 200_000


class Normaliser:
    """Spells out and corrects the words of a text against a vocabulary (a rule set's words)."""

    __slots__ = (
        "_by_initial",
        "_deletions",
        "_heads",
        "_known",
        "_nearby",
        "_plain",
        "_spelling",
        "_tails",
    )

    def __init__(self, vocabulary: Iterable[str]) -> None:
        known = {word for word in vocabulary if word}
        for short, long in SPELT_OUT.items():
            known.add(short)
            known.update(long)
        self._known = frozenset(known)
        self._plain = self._known - SPELT_OUT.keys()
        by_initial: dict[str, list[str]] = {}
        for word in sorted(known):
            if len(word) >= MIN_CORRECTED and word.isalpha():
                by_initial.setdefault(word[0], []).append(word)
        self._by_initial = by_initial
        self._nearby: dict[tuple[str, int], list[str]] = {}
        self._deletions: set[str] | None = None
        """Each correctable word, and it with one letter deleted (built on the first typo)."""
        self._heads: frozenset[str] = frozenset()
        self._tails: frozenset[str] = frozenset()
        """Every beginning and every ending of those, whole ones included (see ``_near``)."""
        self._spelling: dict[str, tuple[str, ...]] = {}
        """What each word read so far stands for (agendas repeat their words)."""

    def words(self, tokens: list[str]) -> list[str]:
        """The tokens spelt out and corrected (the engine keeps the words as typed too)."""
        if self._plain.issuperset(tokens):
            return tokens  # the common case: every word is a rule word already
        spelling = self._spelling
        if len(spelling) >= _CACHE_LIMIT:
            spelling.clear()
        out: list[str] = []
        for token in tokens:
            spelt = spelling.get(token)
            if spelt is None:
                spelt = spelling[token] = self.spell(token)
            out.extend(spelt)
        return out

    def spell(self, token: str) -> tuple[str, ...]:
        """What one word stands for: itself, the words of an abbreviation, or the rule-set
        word it is a plain typo of."""
        if token in self._known:
            return SPELT_OUT.get(token) or (token,)
        if len(token) < MIN_CORRECTED or not token.isalpha():
            return (token,)
        return (self._correct(token),)

    def short_forms(self, tokens: list[str]) -> list[str]:
        """The abbreviations among the tokens (kept as words too: rules may name them)."""
        return [token for token in tokens if token in SPELT_OUT]

    def _correct(self, token: str) -> str:
        length = len(token)
        limit = 2 if length >= 11 else 1
        candidates = self._nearby.get((token[0], length))
        if candidates is None:
            candidates = self._candidates(token[0], length, limit)
        if not candidates:
            return token
        if limit == 1 and not self._near(token):
            # A word one edit (a swap included) from the token shares the token or it with a
            # letter deleted, with itself or it with a letter deleted: none does, no typo.
            return token
        best = process.extractOne(token, candidates, scorer=OSA.distance, score_cutoff=limit)
        return token if best is None else best[0]

    def _near(self, token: str) -> bool:
        """Whether a correctable word may be one edit from the token: it shares the token,
        or the token with a letter deleted, with itself or itself with a letter deleted.

        The token with its letter at ``at`` deleted keeps ``token[:at]`` and ``token[at + 1:]``:
        it can be one of those keys only when some key begins with the first and some key
        ends with the second. So only the deletions between the token's longest beginning
        and its longest ending found among the keys are made; a new name or reference
        usually shares a few letters at most with them at either end: one or two to make.
        """
        keys = self._deletions
        if keys is None:
            keys = self._deletions = set()
            for words in self._by_initial.values():
                for word in words:
                    keys.add(word)
                    keys.update(word[:at] + word[at + 1 :] for at in range(len(word)))
            self._heads = frozenset(key[:end] for key in keys for end in range(1, len(key) + 1))
            self._tails = frozenset(key[start:] for key in keys for start in range(len(key)))
        if token in keys:
            return True
        length = len(token)
        heads, tails = self._heads, self._tails
        # The first place to delete at: past the longest ending of the token that ends a key.
        # Every ending of an ending is one too (and every beginning of a beginning), so the
        # longest is found by halving, and one look-up says whether the beginning reaches it.
        low, high = 0, length - 1  # the longest such ending is at least low, at most high
        while low < high:
            middle = (low + high + 1) // 2
            if token[length - middle :] in tails:
                low = middle
            else:
                high = middle - 1
        first = length - 1 - low
        if first > 0 and token[:first] not in heads:
            return False  # no beginning reaches the first place: no deletion can be a key
        # The last place to delete at: the end of the longest beginning that begins a key.
        low, high = first, length - 1
        while low < high:
            middle = (low + high + 1) // 2
            if token[:middle] in heads:
                low = middle
            else:
                high = middle - 1
        return not keys.isdisjoint([token[:at] + token[at + 1 :] for at in range(first, low + 1)])

    def _candidates(self, initial: str, length: int, limit: int) -> list[str]:
        """The vocabulary's words with the same initial whose length is within ``limit``
        (a distance is at least the difference in length), in the vocabulary's order."""
        found = self._nearby[initial, length] = [
            word for word in self._by_initial.get(initial, ()) if abs(len(word) - length) <= limit
        ]
        return found
