"""What a rule's ``place`` condition can ask of the place registry."""

from typing import Literal

PlaceCode = Literal[
    "own",
    "site",
    "room",
    "house",
    "group",
    "partner",
    "school",
    "care",
    "social",
    "establishment",
    "training",
    "leisure",
    "unknown",
]
"""A kind of place, ``own`` or ``partner`` (any of theirs), or ``unknown`` (a location is
given and the registry does not know it)."""
