"""The days the system reads: years 1900–2199, far from ``date.min``/``date.max``, so that
no week, window or "day after" computation can overflow. Checked at every boundary (query
parameters, bodies, ``ditep`` options) and by the counting's period parser."""

from __future__ import annotations

import datetime as dt

FIRST_YEAR = 1900
LAST_YEAR = 2199
FIRST_DAY = dt.date(FIRST_YEAR, 1, 1)
LAST_DAY = dt.date(LAST_YEAR, 12, 31)
DAYS_READ = f"from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


def day_in_range(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY
