"""Loading a sample establishment described by an ``establishment.json``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from activity_api.users.repository import UserRepository
from activity_api.users.service import Role, create_user, reset_password
from agenda_ingest.feeds.service import ImportOutcome, ingest_payload
from agenda_ingest.parsing.limits import FeedLimits
from agenda_ingest.places.service import set_registry
from agenda_ingest.sources.repository import SourceRepository
from agenda_ingest.sources.service import add_source
from ditep_cli.context import CliContext
from ditep_core.auth.repository import ApiClientRepository
from ditep_core.auth.service import create_key, revoke_key
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.establishments.service import add_establishment
from ditep_core.nomenclatures import Activity, AgendaKind, FeedFormat, Scope
from ditep_core.tasks.definition import TaskContext
from ditep_counting.rollups.tasks import refresh_rollups_task


@dataclass
class LoadedSamples:
    finess: str
    name: str
    api_key: str
    period_start: str
    period_end: str
    outcomes: list[tuple[str, ImportOutcome]] = field(default_factory=list)
    # (e-mail, role, password) of the demo users of the web app.
    demo_users: list[tuple[str, str, str]] = field(default_factory=list)

    def describe(self) -> list[str]:
        lines = [f"sample establishment {self.name} ({self.finess})"]
        for source_name, outcome in self.outcomes:
            lines.append(
                f"  source '{source_name}': import {outcome.import_id} {outcome.status.value}, "
                f"{outcome.received} received, {outcome.created} created, "
                f"{outcome.updated} updated, {outcome.deleted} deleted, "
                f"{outcome.rejected} rejected"
            )
        return lines


def load_samples(context: CliContext, directory: Path) -> LoadedSamples:
    description: dict[str, Any] = json.loads((directory / "establishment.json").read_text("utf-8"))
    finess = str(description["finess"])
    key_name = f"samples {finess}"
    with context.database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(finess)
        if establishment is None:
            establishment = add_establishment(
                session,
                finess=finess,
                name=description["name"],
                region_code=description["region"],
                department_code=description.get("department"),
                timezone=description.get("timezone", "Europe/Paris"),
                commune_code=description.get("commune"),
                capacities={
                    Activity(modality): int(places)
                    for modality, places in description.get("capacity", {}).items()
                },
            )
        loaded = LoadedSamples(
            finess=finess,
            name=establishment.name,
            api_key="",
            period_start=description["period"]["start"],
            period_end=description["period"]["end"],
        )
        # Before the imports: the rules in force read the registry.
        places = directory / str(description.get("places", "places.yaml"))
        if places.is_file():
            set_registry(session, establishment, places.read_text("utf-8"), updated_by_key_id=None)
        sources = SourceRepository(session)
        for entry in description["sources"]:
            window = entry.get("window") or description.get("window") or [None, None]
            source = sources.get_by_name(establishment.id, entry["name"]) or add_source(
                session,
                finess=finess,
                name=entry["name"],
                feed_format=FeedFormat(entry["format"]),
                agenda_kind=AgendaKind(entry.get("agenda_kind", "establishment")),
                window_start=dt.date.fromisoformat(window[0]) if window[0] else None,
                window_end=dt.date.fromisoformat(window[1]) if window[1] else None,
            )
            with_establishment = sources.get_with_establishment(source.id)
            assert with_establishment is not None
            outcome = ingest_payload(
                session,
                source=with_establishment,
                payload=(directory / entry["file"]).read_bytes(),
                content_type="text/calendar",
                protection=context.protection,
                limits=FeedLimits.from_settings(context.settings),
            )
            loaded.outcomes.append((entry["name"], outcome))
        loaded.demo_users = _demo_users(session, description, finess)
        # One live sample key at a time: the previous one is revoked.
        clients = ApiClientRepository(session)
        for client in clients.list_all():
            if client.name == key_name and client.revoked_at is None:
                revoke_key(session, client.id)
        _client, generated = create_key(
            session, name=key_name, scopes=(Scope.FEEDS_WRITE, Scope.ACTIVITY_READ), finess=[finess]
        )
        loaded.api_key = generated.plaintext
        establishment_id = establishment.id
    # The refresh the imports deferred, run now whatever the database (a demo is read at
    # once; on PostgreSQL no worker may be running yet): the same task code.
    refresh_rollups_task(
        TaskContext(context.database, context.settings, context.protection),
        {"establishment_id": establishment_id},
    )
    return loaded


def _demo_users(
    session: Session, description: dict[str, Any], finess: str
) -> list[tuple[str, str, str]]:
    """The web app's demo users of ``establishment.json`` (a director bound to the sample
    establishment, an ARS user bound to its region): created once, and their password set
    back to the demo one at each load, so that the printed sign-in always works."""
    users: list[tuple[str, str, str]] = []
    for entry in description.get("demo_users", []):
        email, role, password = str(entry["email"]), Role(entry["role"]), str(entry["password"])
        if UserRepository(session).by_email(email) is None:
            create_user(
                session,
                email=email,
                role=role,
                password=password,
                finess=[finess] if role in (Role.DIRECTOR, Role.TEAM) else [],
                regions=[str(description["region"])] if role is Role.ARS else [],
            )
        else:
            reset_password(session, email, password)
        users.append((email, role.value, password))
    return users
