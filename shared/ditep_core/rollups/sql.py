"""SQL expressions the two databases spell differently."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
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
