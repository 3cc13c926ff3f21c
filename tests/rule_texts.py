"""Rule set documents the tests upload: the default rules with one thing changed."""

from __future__ import annotations

# The sample's "Taxi domicile → DITEP" is read as transport twice: by its word "taxi" and by
# its arrow (a route from one place to another). Both go, so that it lands in the review queue.
_TAXI_READINGS = (
    (
        "words: [taxi, taxis, transport, transports, trajet, navette, vsl]",
        "words: [navette, vsl]",
    ),
    ('words: [">"]', "words: [navette, vsl]"),
)


def taxi_left_unknown(rules_text: str) -> str:
    """The rule set document with nothing that reads the sample's taxi as transport."""
    for reading, replacement in _TAXI_READINGS:
        # Fail loudly if the default rules change: a silent no-op would classify the taxi.
        assert rules_text.count(reading) == 1, f"the default rules no longer hold {reading!r}"
        rules_text = rules_text.replace(reading, replacement)
    return rules_text
