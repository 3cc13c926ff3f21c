"""``ditep users``: people who sign in to the web app (issue 19). API keys stay for
machines (``ditep keys``)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from activity_api.users.service import Role, create_user, list_users, reset_password
from ditep_cli.context import CliContext
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.web.problems import Problem

users_app = typer.Typer(no_args_is_help=True, help="People who sign in to the web app.")
errors = Console(stderr=True)


def _context(ctx: typer.Context) -> CliContext:
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    return context


def _password_from_stdin() -> str:
    """The first line of stdin, without its line ending (never an argument: it would stay
    in the shell history and the process list)."""
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(1)


@users_app.command("create")
def users_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="The e-mail the person signs in with")],
    role: Annotated[Role, typer.Option(help="director, team, ars or admin")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (required)")
    ] = False,
    finess: Annotated[
        list[str] | None, typer.Option(help="Establishment of a director or team (repeatable)")
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="Region of an ARS user (repeatable)")
    ] = None,
    all_regions: Annotated[
        bool, typer.Option("--all-regions", help="An ARS user reading every region (national)")
    ] = False,
) -> None:
    """Create a user: director and team are bound to establishments (--finess), ars to
    regions (--region, or --all-regions), admin to nothing (everything) or --finess."""
    if not password_stdin:
        raise _fail("give the password on stdin with --password-stdin")
    password = _password_from_stdin()
    with _context(ctx).database.unit_of_work() as session:
        try:
            user = create_user(
                session,
                email=email,
                role=role,
                password=password,
                finess=finess or (),
                regions=region or (),
                all_regions=all_regions,
            )
        except Problem as problem:
            raise _fail(problem.detail) from problem
        record_cli_action(session, "users create", scope=AuditScope("user", str(user.id)))
    errors.print(f"user {user.id} created: {user.email} ({user.role.value})")


@users_app.command("reset-password")
def users_reset_password(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from stdin")
    ] = False,
) -> None:
    """Set a new password (read on stdin): the lockout is lifted and every open session of
    the user ends."""
    if not password_stdin:
        raise _fail("give the new password on stdin with --password-stdin")
    password = _password_from_stdin()
    with _context(ctx).database.unit_of_work() as session:
        try:
            user = reset_password(session, email, password)
        except Problem as problem:
            raise _fail(problem.detail) from problem
        record_cli_action(session, "users reset-password", scope=AuditScope("user", str(user.id)))
    errors.print(f"password of {user.email} reset; its sessions are closed")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List users (never their passwords) with their role and what they reach.

    One user per line, tab-separated: id, e-mail, role, establishments, regions, locked
    until."""
    with _context(ctx).database.unit_of_work() as session:
        users = list_users(session)
    print("id\temail\trole\testablishments\tregions\tlocked_until")
    for user in users:
        regions = " ".join(user.regions) or ("all" if user.role is Role.ARS else "-")
        locked = user.locked_until.isoformat() if user.locked_until else "-"
        finess = " ".join(user.finess) or "-"
        print(f"{user.id}\t{user.email}\t{user.role.value}\t{finess}\t{regions}\t{locked}")
