"""``ditep classify``, ``ditep rules ...`` and ``ditep reclassify``: the rules, inspectable."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from agenda_ingest.classification.engine import (
    CompiledRuleSet,
    compile_rule_set,
    content_sha256,
    default_rule_set,
    default_rules_text,
)
from agenda_ingest.classification.entries import (
    Accuracy,
    EntryInvalid,
    FieldScore,
    LineInvalid,
    classified_entry,
    facts_from_entry,
    measure,
    measure_lines,
)
from agenda_ingest.classification.places import (
    PlaceRegistry,
    PlaceRegistryInvalid,
    parse_place_registry,
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


class _EntriesByDefault(TyperGroup):
    """``ditep classify FILE`` stays what it was; ``ditep classify evaluate FILE`` is a command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["entries", *args]
        return super().parse_args(ctx, args)


classify_app = typer.Typer(
    cls=_EntriesByDefault,
    no_args_is_help=True,
    help="Classify agenda entries (JSON lines), or evaluate rules on labelled ones.",
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)

RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="A rule-set file (YAML or JSON); default: the shipped one"),
]
DEFAULT_LABELLED = Path("tests/agenda_ingest/classification/labelled_entries.jsonl")
PlacesOption = Annotated[
    Path | None,
    typer.Option("--places", help="A place registry (YAML or JSON) the rules use"),
]


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def load_places(path: Path | None) -> PlaceRegistry | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise _fail(f"{path}: {error.strerror}", 2) from error
    try:
        return parse_place_registry(text)
    except PlaceRegistryInvalid as invalid:
        for problem in invalid.errors:
            errors.print(f"{path}: {problem}", markup=False, highlight=False)
        raise _fail(f"{path}: {len(invalid.errors)} error(s) in the place registry", 1) from invalid


def load_rules(path: Path | None, places: PlaceRegistry | None = None) -> CompiledRuleSet:
    """The rule set of a file (versioned as ``file-<hash>``), or the default one."""
    if path is None:
        if places is None:
            return default_rule_set()
        text = default_rules_text()
        return compile_rule_set(parse_rule_set(text), default_rule_set().version, places)
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
    return compile_rule_set(document, f"file-{content_sha256(text)[:12]}", places)


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


@classify_app.command("entries", hidden=True)
def classify_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    rules: RulesOption = None,
    places: PlacesOption = None,
) -> None:
    """Print each JSON line of FILE back with activity, setting, nature, serafin and rule added.

    Keys of a line (all optional): summary, location, categories (list), start, end (ISO
    local date-times), youth, youth_present, professionals (counts), functions (list),
    codes (list of system|code), source_kind (youth, professional, establishment).
    """
    rule_set = load_rules(rules, load_places(places))
    for number, entry in _entries(file):
        try:
            facts = facts_from_entry(entry)
        except EntryInvalid as error:
            raise _fail(f"{file}:{number}: {error}") from error
        row = classified_entry(entry, rule_set.classify(facts))
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


def _rates(title: str, score: FieldScore[Any]) -> Table:
    total, right = score.by_expected, score.right_by_expected
    table = Table("expected", "entries", "right", "accuracy", title=title)
    for label in sorted(total, key=lambda item: item.value):
        table.add_row(
            label.value,
            str(total[label]),
            str(right[label]),
            f"{right[label] / total[label]:.1%}",
        )
    return table


def _confusion(accuracy: Accuracy) -> Table:
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
    return table


def _print_misses(accuracy: Accuracy) -> None:
    for entry, labels, got in accuracy.misses:
        console.print(
            f"{entry.get('summary', '')!r} @ {entry.get('location', '')!r}: expected "
            f"{'/'.join(label.value if label else '—' for label in labels)}, got "
            f"{got.activity.value}/{got.setting.value}/{got.nature.value} ({got.rule_id})",
            markup=False,
        )


@classify_app.command("evaluate")
def classify_evaluate(
    labelled: Annotated[Path, typer.Argument(help="Labelled entries (JSON lines with 'expected')")],
    rules: RulesOption = None,
    places: PlacesOption = None,
    misses: Annotated[bool, typer.Option(help="List the entries the rules get wrong")] = True,
) -> None:
    """Accuracy of a rule set on labelled entries: per activity, setting and nature, the
    confusion matrix of activities, and the misses. A bad line is an error naming it."""
    if not labelled.is_file():
        raise _fail(f"{labelled}: no such file", 2)
    rule_set = load_rules(rules, load_places(places))
    try:
        accuracy = measure_lines(rule_set, _entries(labelled))
    except LineInvalid as error:
        raise _fail(f"{labelled}:{error.line}: {str(error).split(': ', 1)[1]}") from error
    console.print(
        f"rule set {rule_set.version}, {accuracy.total} entries: "
        f"activity {accuracy.activity.rate:.1%}, setting {accuracy.setting.rate:.1%}, "
        f"nature {accuracy.nature.rate:.1%}; all three [bold]{accuracy.rate:.1%}[/bold] "
        f"({accuracy.exact}/{accuracy.total})",
        highlight=False,
    )
    undecided_setting = accuracy.total - accuracy.setting.scored
    undecided_nature = accuracy.total - accuracy.nature.scored
    if undecided_setting or undecided_nature:
        console.print(
            f"not scored (expected null, the specification does not decide): "
            f"setting of {undecided_setting}, nature of {undecided_nature} entries",
            highlight=False,
        )
    for name, score in (
        ("Activity", accuracy.activity),
        ("Setting", accuracy.setting),
        ("Nature", accuracy.nature),
    ):
        console.print(_rates(f"{name}, by expected {name.lower()}", score))
    console.print(_confusion(accuracy))
    if misses and accuracy.misses:
        console.print(f"{len(accuracy.misses)} misses:")
        _print_misses(accuracy)


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
        f"activity alone {accuracy.activity.rate:.1%}"
    )
    console.print(_confusion(accuracy))
    if misses:
        _print_misses(accuracy)


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
