"""Structured logging (structlog): JSON lines in production, readable in development."""

from __future__ import annotations

import logging
import sys

import structlog


def _current_stderr_logger(*_args: object) -> structlog.PrintLogger:
    return structlog.PrintLogger(sys.stderr)


def configure_logging(*, level: str = "INFO", json_output: bool = False) -> None:
    numeric_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if json_output:
        processors += [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    else:
        processors.append(structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        # Resolve sys.stderr at each log call, not at configuration: whoever
        # swaps it (a test runner capturing a command's output) may close it.
        logger_factory=_current_stderr_logger,
        cache_logger_on_first_use=False,
    )
