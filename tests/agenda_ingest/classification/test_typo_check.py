"""The typo correction against rapidfuzz alone (issue 20: a maintained fuzzy matcher, and any
code of our own around it tested against the library).

``Normaliser`` asks rapidfuzz for the nearest rule word only when a cheap check says a rule
word may be one edit away (``_near``: shared deletions, skipped when neither end of the token
can match). That check must never hide a correction rapidfuzz would make: here every word of
the default rules is typed wrong in each way one edit can, and random words and names are
added, and the answers are compared with rapidfuzz over every candidate, no check first.
"""

from __future__ import annotations

import random
import string

from rapidfuzz import process
from rapidfuzz.distance import OSA

from agenda_ingest.classification.engine import _vocabulary, default_rules_text
from agenda_ingest.classification.normalise import MIN_CORRECTED, SPELT_OUT, Normaliser
from agenda_ingest.classification.schema import parse_rule_set


def _rule_words() -> list[str]:
    return sorted(_vocabulary(parse_rule_set(default_rules_text()), None))


def _by_rapidfuzz_alone(words: list[str]) -> dict[str, tuple[str, ...]]:
    """What each token should read as, asked of rapidfuzz over all same-initial words."""
    known = set(words) | SPELT_OUT.keys() | {word for long in SPELT_OUT.values() for word in long}
    correctable = sorted(word for word in known if len(word) >= MIN_CORRECTED and word.isalpha())

    def spell(token: str) -> tuple[str, ...]:
        if token in known:
            return SPELT_OUT.get(token) or (token,)
        if len(token) < MIN_CORRECTED or not token.isalpha():
            return (token,)
        limit = 2 if len(token) >= 11 else 1
        candidates = [
            word
            for word in correctable
            if word[0] == token[0] and abs(len(word) - len(token)) <= limit
        ]
        best = process.extractOne(token, candidates, scorer=OSA.distance, score_cutoff=limit)
        return (token if best is None else best[0],)

    return {token: spell(token) for token in _tokens_to_try(correctable)}


def _tokens_to_try(correctable: list[str]) -> list[str]:
    draw = random.Random(20)
    letters = string.ascii_lowercase
    tokens: list[str] = []
    for word in correctable:
        # One edit at each position, of each kind in turn (the check's shortcuts depend on
        # where the edit is: among the first three letters, the last three, or between).
        for at in range(len(word)):
            letter = draw.choice(letters)
            tokens.append(
                (
                    word[:at] + letter + word[at + 1 :],  # a letter replaced
                    word[:at] + word[at + 1 :],  # a letter left out
                    word[:at] + letter + word[at:],  # a letter added
                    word[:at] + word[at + 1 : at + 2] + word[at] + word[at + 2 :],  # swapped
                )[at % 4]
            )
    tokens += [
        "".join(draw.choice(letters) for _ in range(draw.randrange(6, 14))) for _ in range(2000)
    ]
    tokens += ["ref" + "".join(draw.choice(letters) for _ in range(3)) for _ in range(500)]
    tokens += ["timothee", "berenice", "clementine", "gaspard", "romane", "kylian", "mathis"]
    return tokens


def test_the_typo_check_corrects_as_rapidfuzz_alone_does() -> None:
    words = _rule_words()
    expected = _by_rapidfuzz_alone(words)
    normaliser = Normaliser(words)
    corrected = sum(1 for token, spelt in expected.items() if spelt != (token,))
    assert corrected > 500  # the edits above do reach rule words
    found = {token: normaliser.spell(token) for token in expected}
    assert {token: spelt for token, spelt in found.items() if spelt != expected[token]} == {}
