"""SQL expressions the two databases spell differently."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Date, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class add_years(FunctionElement[dt.date]):  # noqa: N801 - reads as SQL
    """``date + N years`` on both databases."""

    type = Date()
    inherit_cache = True
    name = "add_years"


@compiles(add_years, "sqlite")
def _add_years_sqlite(element: add_years, compiler: SQLCompiler, **kw: Any) -> str:
    column, years = list(element.clauses)
    years_text = compiler.process(years, **kw)
    return f"date({compiler.process(column, **kw)}, '+' || {years_text} || ' years')"


@compiles(add_years, "postgresql")
def _add_years_postgresql(element: add_years, compiler: SQLCompiler, **kw: Any) -> str:
    column, years = list(element.clauses)
    return (
        f"CAST({compiler.process(column, **kw)} + "
        f"make_interval(years => CAST({compiler.process(years, **kw)} AS INTEGER)) AS DATE)"
    )


def month_bucket(
    column: ColumnElement[dt.date] | InstrumentedAttribute[dt.date],
    months: Sequence[dt.date],
    value: Callable[[dt.date], Any],
) -> ColumnElement[Any]:
    """``value(first day of the month)`` of a date column, for the months given (in order)."""
    pairs = list(itertools.pairwise(months))
    if not pairs:
        return literal(value(months[0]))
    return case(
        *((column < following, value(current)) for current, following in pairs),
        else_=value(months[-1]),
    )
