"""Words as the rules read them: common abbreviations spelt out, plain typos corrected.

Accents and case are removed by the engine's tokeniser first. Then each word:

- an abbreviation of agenda wording (``reu`` → ``reunion``, ``biblio`` →
  ``bibliotheque``) is spelt out, the short form kept as well;
- a word the rule set does not know, of six letters or more, is corrected to the
  rule-set word it is one edit away from (two edits from nine letters), with the
  same first letter: ``reunoin`` → ``reunion``, ``scolaier`` → ``scolaire``. The
  fuzzy matching is rapidfuzz's (optimal string alignment distance, so a swap of
  two neighbouring letters is one edit). Names and other words stay as they are.

Corrections are remembered per word (agendas repeat their words).
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
    "synth": ("synthese",),
    "form": ("formation",),
    "hdj": ("hopital", "de", "jour"),
    "dom": ("domicile",),
    "af": ("assistant", "familial"),
    "assfam": ("assistant", "familial"),
}
"""Short forms seen in DUI agendas, with what they stand for."""

MIN_CORRECTED = 6
"""Shorter words are not corrected: too many real words are one edit from each other."""
_CACHE_LIMIT = 200_000


class Normaliser:
    """Spells out and corrects the words of a text against a vocabulary (a rule set's words)."""

    __slots__ = ("_by_initial", "_known", "_memo", "_plain")

    def __init__(self, vocabulary: Iterable[str]) -> None:
        known = {word for word in vocabulary if word}
        for short, long in ABBREVIATIONS.items():
            known.add(short)
            known.update(long)
        self._known = frozenset(known)
        self._plain = self._known - ABBREVIATIONS.keys()
        by_initial: dict[str, list[str]] = {}
        for word in sorted(known):
            if len(word) >= MIN_CORRECTED and word.isalpha():
                by_initial.setdefault(word[0], []).append(word)
        self._by_initial = by_initial
        self._memo: dict[str, tuple[str, ...]] = {}

    def words(self, tokens: list[str]) -> list[str]:
        """The tokens spelt out and corrected (the engine keeps the words as typed too)."""
        if self._plain.issuperset(tokens):
            return tokens  # the common case: every word is a rule word already
        out: list[str] = []
        for token in tokens:
            if token in self._known:
                long = ABBREVIATIONS.get(token)
                if long is None:
                    out.append(token)
                else:
                    out.extend(long)
                continue
            if len(token) < MIN_CORRECTED or not token.isalpha():
                out.append(token)
                continue
            fixed = self._memo.get(token)
            if fixed is None:
                fixed = (self._correct(token),)
                if len(self._memo) >= _CACHE_LIMIT:
                    self._memo.clear()
                self._memo[token] = fixed
            out.extend(fixed)
        return out

    def short_forms(self, tokens: list[str]) -> list[str]:
        """The abbreviations among the tokens (kept as words too: rules may name them)."""
        return [token for token in tokens if token in ABBREVIATIONS]

    def _correct(self, token: str) -> str:
        candidates = self._by_initial.get(token[0])
        if not candidates:
            return token
        limit = 2 if len(token) >= 11 else 1
        best = process.extractOne(token, candidates, scorer=OSA.distance, score_cutoff=limit)
        return token if best is None else str(best[0])
