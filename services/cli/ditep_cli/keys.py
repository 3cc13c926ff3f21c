"""``ditep keys rotate`` and the audit records of the key commands (issue 7)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from ditep_cli.context import CliContext
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.auth.service import rotate_key
from ditep_core.web.problems import Problem

errors = Console(stderr=True)


def audit_key_action(session: Session, command: str, key_id: int, *, ok: bool = True) -> None:
    """Record an admin action on a key in the audit log (status 0 = done, 1 = refused)."""
    record_cli_action(
        session, f"keys {command}", scope=AuditScope("key", str(key_id)), status=0 if ok else 1
    )


def keys_rotate(ctx: typer.Context, key_id: Annotated[int, typer.Argument()]) -> None:
    """Give a key a new secret (same id, scopes, tenancy); the old secret stops at once.

    The new key is printed once, on the last line of stdout."""
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    refusal: str | None = None
    with context.database.unit_of_work() as session:
        try:
            rotated = rotate_key(session, key_id)
        except Problem as problem:  # a binding the rules refuse today: not rotated
            rotated, refusal = None, problem.detail
        audit_key_action(session, "rotate", key_id, ok=rotated is not None)
        plaintext = rotated[1].plaintext if rotated is not None else None
    if plaintext is None:
        errors.print(f"[red]error:[/red] {refusal or f'no active key {key_id}'}")
        raise typer.Exit(1)
    errors.print(f"key {key_id} rotated; store the new key now, it is not shown again:")
    print(plaintext)
