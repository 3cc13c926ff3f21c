"""``ditep classify``, ``ditep rules ...`` and ``ditep reclassify``: the rules, inspectable."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from agenda_ingest.classification.engine import (
    CompiledRuleSet,
    compile_rule_set,
    content_sha256,
    default_rule_set,
)
from agenda_ingest.classification.entries import (
    EntryInvalid,
    classified_entry,
    facts_from_entry,
    measure,
)
from agenda_ingest.classification.schema import RuleSetInvalid, parse_rule_set
from agenda_ingest.reclassify.service import reclassify_establishment
from agenda_ingest.rulesets.service import add_version
from ditep_cli.context import CLI_PRINCIPAL, CliContext
from ditep_core.audit.service import AuditScope, record_cli_action
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.nomenclatures import Activity
from ditep_core.web.problems import Problem

rules_app = typer.Typer(no_args_is_help=True, help="Classification rule sets.")
console = Console()
errors = Console(stderr=True, soft_wrap=True)

RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="A rule-set file (YAML or JSON); default: the shipped one"),
]
DEFAULT_LABELLED = Path("tests/agenda_ingest/classification/labelled_entries.jsonl")


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def load_rules(path: Path | None) -> CompiledRuleSet:
    """The rule set of a file (versioned as ``file-<hash>``), or the default one."""
    if path is None:
        return default_rule_set()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise _fail(f"{path}: {error.strerror}", 2) from error
    try:
        document = parse_rule_set(text)
    except RuleSetInvalid as invalid:
        for problem in invalid.errors:
            errors.print(f"{path}: {problem}", markup=False, highlight=False)
        raise _fail(f"{path}: {len(invalid.errors)} error(s) in the rule set", 1) from invalid
    return compile_rule_set(document, f"file-{content_sha256(text)[:12]}")


def _entries(path: Path) -> list[tuple[int, dict[str, Any]]]:
    read: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise _fail(f"{path}:{number}: not JSON ({error.msg})") from error
            if not isinstance(entry, dict):
                raise _fail(f"{path}:{number}: each line must be a JSON object")
            read.append((number, entry))
    return read


def classify_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    rules: RulesOption = None,
) -> None:
    """Print each JSON line of FILE back with activity, setting, nature, serafin and rule added.

    Keys of a line (all optional): summary, location, categories (list), start, end (ISO
    local date-times), youth, youth_present, professionals (counts), functions (list),
    codes (list of system|code), source_kind (youth, professional, establishment).
    """
    rule_set = load_rules(rules)
    for number, entry in _entries(file):
        try:
            facts = facts_from_entry(entry)
        except EntryInvalid as error:
            raise _fail(f"{file}:{number}: {error}") from error
        row = classified_entry(entry, rule_set.classify(facts))
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


@rules_app.command("check")
def rules_check(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Validate a rule-set file; errors name the rule and the field."""
    rule_set = load_rules(file)
    console.print(f"{file}: {len(rule_set.rules)} rules, valid")


@rules_app.command("show-default")
def rules_show_default() -> None:
    """Print the shipped rule set (a starting point for an establishment's own)."""
    from agenda_ingest.classification.engine import default_rules_text

    sys.stdout.write(default_rules_text())


@rules_app.command("accuracy")
def rules_accuracy(
    rules: RulesOption = None,
    labelled: Annotated[
        Path, typer.Option(help="Labelled entries (JSON lines with 'expected')")
    ] = DEFAULT_LABELLED,
    misses: Annotated[bool, typer.Option(help="List the entries the rules get wrong")] = False,
) -> None:
    """Agreement of a rule set with labelled entries, and the confusion table of activities."""
    if not labelled.is_file():
        raise _fail(f"{labelled}: no such file", 2)
    rule_set = load_rules(rules)
    try:
        accuracy = measure(rule_set, (entry for _n, entry in _entries(labelled)))
    except EntryInvalid as error:
        raise _fail(f"{labelled}: {error}") from error
    console.print(
        f"rule set {rule_set.version}: {accuracy.exact}/{accuracy.total} entries exactly right "
        f"(activity, setting, nature) = [bold]{accuracy.rate:.1%}[/bold]; "
        f"activity alone {accuracy.activity_rate:.1%}"
    )
    activities = [a for a in Activity if any(a in pair for pair in accuracy.confusion)]
    table = Table(title="Confusion of activities (rows: expected, columns: given by the rules)")
    table.add_column("expected \\ given")
    for activity in activities:
        table.add_column(activity.value, justify="right")
    for expected in activities:
        table.add_row(
            expected.value,
            *(str(accuracy.confusion.get((expected, given), 0) or "·") for given in activities),
        )
    console.print(table)
    if misses:
        for entry, labels, got in accuracy.misses:
            console.print(
                f"{entry.get('summary', '')!r} @ {entry.get('location', '')!r}: expected "
                f"{'/'.join(label.value for label in labels)}, got "
                f"{got.activity.value}/{got.setting.value}/{got.nature.value} ({got.rule_id})",
                markup=False,
            )


@rules_app.command("upload")
def rules_upload(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    finess: Annotated[str, typer.Option(help="FINESS of the establishment")],
    comment: Annotated[str | None, typer.Option(help="Why this change")] = None,
) -> None:
    """Store FILE as the establishment's next rule-set version (then run ditep reclassify)."""
    load_rules(file)
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    with context.database.unit_of_work() as session:
        try:
            establishment = get_accessible_establishment(session, CLI_PRINCIPAL, finess)
            row, created = add_version(
                session,
                establishment,
                file.read_text(encoding="utf-8"),
                created_by_key_id=None,
                comment=comment,
            )
        except Problem as problem:
            raise _fail(problem.detail) from problem
        record_cli_action(session, "rules upload", scope=AuditScope("establishment", finess))
        console.print(
            f"{'stored' if created else 'unchanged, already'} version {row.number}: {row.version}"
        )


def reclassify_command(
    ctx: typer.Context,
    finess: Annotated[str, typer.Option(help="FINESS of the establishment")],
) -> None:
    """Re-run the rules in force on the establishment's stored sessions (recorded)."""
    context = ctx.find_root().obj
    assert isinstance(context, CliContext)
    with context.database.unit_of_work() as session:
        try:
            establishment = get_accessible_establishment(session, CLI_PRINCIPAL, finess)
            outcome = reclassify_establishment(session, establishment, created_by_key_id=None)
        except Problem as problem:
            raise _fail(problem.detail) from problem
        record_cli_action(session, "reclassify", scope=AuditScope("establishment", finess))
    console.print(
        f"run {outcome.run_id} with {outcome.rule_set_version}: "
        f"{outcome.sessions_changed} of {outcome.sessions_examined} sessions changed"
    )
    table = Table("activity", "before", "after")
    for activity in sorted(set(outcome.before) | set(outcome.after)):
        table.add_row(
            activity, str(outcome.before.get(activity, 0)), str(outcome.after.get(activity, 0))
        )
    console.print(table)
