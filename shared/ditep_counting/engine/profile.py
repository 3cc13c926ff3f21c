"""The counting profile: every threshold and window counting.md leaves to a setting.

A profile is versioned: every count names the profile version that produced it,
and a stored rollup computed under another version is recomputed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class CountingProfile:
    version: str = "aire-2024.1"
    # Upper bounds (hours per week, included) of unit scores 1, 2 and 3; above the last: 4.
    score_bounds_hours: tuple[float, float, float] = (3.0, 12.0, 30.0)
    # Weeks above 0 and under this many hours form the ``lt_1h`` band.
    lt_band_hours: float = 1.0
    morning: tuple[dt.time, dt.time] = (dt.time(7), dt.time(13))
    afternoon: tuple[dt.time, dt.time] = (dt.time(13), dt.time(19))
    # The night window starts on a date and ends the next morning.
    night: tuple[dt.time, dt.time] = (dt.time(21), dt.time(7))
    count_past_planned: bool = True
    # ARS-facing cells counting fewer young people than this are suppressed.
    suppression_threshold: int = 5
    # Follow-up after exit lasts at most this many years.
    post_exit_years: int = 3
    # Sealed feed payloads older than this are purged (agenda_ingest.feeds.tasks). Not a
    # counting rule: left out of the fingerprint (which stays the one of the profiles
    # stored before it existed).
    payload_retention_months: int = 24
    # A quarter is due on the last day of the n-th month after it (transmission.md §1);
    # past that day and not transmitted, it is late for the ARS.
    transmission_deadline_months: int = 1
    parameters_note: str = field(default="defaults of counting.md", compare=False)

    def score(self, minutes_total: float) -> int | None:
        """Unit score 1 to 4 of a youth-week; None for a week without minutes."""
        if minutes_total <= 0:
            return None
        hours = minutes_total / 60
        for score, bound in enumerate(self.score_bounds_hours, start=1):
            if hours <= bound:
                return score
        return len(self.score_bounds_hours) + 1

    def in_lt_band(self, minutes_total: float) -> bool:
        return 0 < minutes_total < self.lt_band_hours * 60

    def to_parameters(self) -> dict[str, Any]:
        values = asdict(self)
        values.pop("parameters_note")
        return json.loads(json.dumps(values, default=str))  # type: ignore[no-any-return]

    @property
    def fingerprint(self) -> str:
        """Changes whenever a counting parameter changes, whatever the version says (the
        payload retention and the transmission deadline count nothing: changing them
        recomputes no rollup; the fingerprint stays the one of the profiles stored before
        they existed)."""
        parameters = self.to_parameters()
        parameters.pop("payload_retention_months")
        parameters.pop("transmission_deadline_months")
        encoded = json.dumps(parameters, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> CountingProfile:
        def window(value: Any, default: tuple[dt.time, dt.time]) -> tuple[dt.time, dt.time]:
            if value is None:
                return default
            first, second = value
            return (dt.time.fromisoformat(str(first)), dt.time.fromisoformat(str(second)))

        base = cls()
        bounds = parameters.get("score_bounds_hours", base.score_bounds_hours)
        return cls(
            version=str(parameters.get("version", base.version)),
            score_bounds_hours=(float(bounds[0]), float(bounds[1]), float(bounds[2])),
            lt_band_hours=float(parameters.get("lt_band_hours", base.lt_band_hours)),
            morning=window(parameters.get("morning"), base.morning),
            afternoon=window(parameters.get("afternoon"), base.afternoon),
            night=window(parameters.get("night"), base.night),
            count_past_planned=bool(parameters.get("count_past_planned", True)),
            suppression_threshold=int(
                parameters.get("suppression_threshold", base.suppression_threshold)
            ),
            post_exit_years=int(parameters.get("post_exit_years", base.post_exit_years)),
            payload_retention_months=_positive(
                parameters.get("payload_retention_months", base.payload_retention_months),
                "payload_retention_months",
            ),
            transmission_deadline_months=int(
                parameters.get("transmission_deadline_months", base.transmission_deadline_months)
            ),
        )

    def transmission_deadline(self, quarter_end: dt.date) -> dt.date:
        """The last day a quarter ending before ``quarter_end`` (excluded) is due."""
        month_index = (
            quarter_end.year * 12 + quarter_end.month - 1 + self.transmission_deadline_months
        )
        first_after = dt.date(month_index // 12, month_index % 12 + 1, 1)
        return first_after - dt.timedelta(days=1)


def _positive(value: Any, name: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be at least 1")
    return number


DEFAULT_PROFILE = CountingProfile()
