"""The review-queue page: agenda-ingest's queue read through its API with a service key
(``activity_api.ui.ingest``), in-process (agenda-ingest's app behind an
``httpx.ASGITransport``) and against a real local agenda-ingest server; filters by
source and week; groups set by hand through a CSRF form, and the counts follow."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from activity_api.main import create_app as create_api_app
from activity_api.users.service import Role, create_user
from ditep_core.db import Database
from ditep_core.establishments.service import add_establishment
from ditep_core.nomenclatures import Scope
from ditep_core.settings import Settings
from tests.activity_api.ui.conftest import PASSWORD, browser_client, form_token, sign_in
from tests.agenda_ingest.rulesets.test_classification_api import UNKNOWN_TAXI
from tests.conftest import KeyMaker, SampleDitep, push_both_sample_feeds
from tests.http import AppClient

DIRECTOR = "direction@cedres.example.fr"
TEAM = "equipe@cedres.example.fr"
OTHER = "direction@autre.example.fr"
ARS = "ars@ars-ara.example.fr"
OTHER_FINESS = "690000200"


@dataclass(frozen=True)
class Review:
    finess: str
    sources: tuple[int, int]
    service_key: str
    read_key: dict[str, str]


@pytest.fixture
def review_data(
    ingest_client: AppClient,
    sample_ditep: SampleDitep,
    make_key: KeyMaker,
    database: Database,
) -> Review:
    finess = sample_ditep.finess
    admin = make_key(Scope.ADMIN, finess=(finess,))
    rules = ingest_client.post(
        f"/v1/establishments/{finess}/rulesets",
        content=UNKNOWN_TAXI.encode(),
        headers={"Content-Type": "application/yaml", **admin},
    )
    assert rules.status_code == 201, rules.text
    push_both_sample_feeds(ingest_client, sample_ditep, make_key(Scope.FEEDS_WRITE))
    with database.unit_of_work() as session:
        add_establishment(session, finess=OTHER_FINESS, name="DITEP autre", region_code="84")
        create_user(session, email=DIRECTOR, role=Role.DIRECTOR, password=PASSWORD, finess=[finess])
        create_user(session, email=TEAM, role=Role.TEAM, password=PASSWORD, finess=[finess])
        create_user(
            session, email=OTHER, role=Role.DIRECTOR, password=PASSWORD, finess=[OTHER_FINESS]
        )
        create_user(session, email=ARS, role=Role.ARS, password=PASSWORD, regions=["84"])
    service = make_key(Scope.ADMIN)["Authorization"].removeprefix("Bearer ")
    return Review(
        finess,
        (sample_ditep.establishment_source_id, sample_ditep.claire_source_id),
        service,
        make_key(Scope.ACTIVITY_READ, finess=(finess,)),
    )


def _api_app(settings: Settings, database: Database, base_url: str, key: str) -> FastAPI:
    configured = settings.model_copy(
        update={"ingest_base_url": base_url, "ingest_service_key": SecretStr(key)}
    )
    return create_api_app(configured, database=database)


@pytest.fixture
def review_client(
    settings: Settings, database: Database, ingest_app: FastAPI, review_data: Review
) -> Iterator[AppClient]:
    app = _api_app(settings, database, "http://agenda-ingest", review_data.service_key)
    app.state.ingest_client = app.state.ingest_client.with_transport(
        httpx.ASGITransport(app=ingest_app)
    )
    yield from browser_client(app)


def _groups(html: str) -> list[str]:
    return re.findall(r'<tr data-group="([0-9a-f]{16})">', html)


def _unclassified(api_client: AppClient, review: Review) -> int:
    body: dict[str, Any] = api_client.get(
        f"/v1/establishments/{review.finess}/activity",
        params={"period": "2025-03"},
        headers=review.read_key,
    ).json()
    return int(body["quality"]["unclassified"])


def test_the_page_lists_the_ingest_queue_and_filters_it(
    review_client: AppClient, ingest_client: AppClient, review_data: Review
) -> None:
    sign_in(review_client, DIRECTOR)
    queue = ingest_client.get(
        f"/v1/establishments/{review_data.finess}/review", headers=review_data.read_key
    ).json()
    [group] = queue["groups"]
    assert group["source_ids"]
    assert group["weeks"]
    url = f"/ui/establishments/{review_data.finess}/review"
    page = review_client.get(url)
    assert page.status_code == 200, page.text
    assert _groups(page.text) == [group["group"]]
    assert f'<span data-count="unclassified">{queue["unclassified_sessions"]}</span>' in page.text
    assert f'<td data-value="{group["sessions"]}">' in page.text
    assert group["example_summary"] in page.text

    # Filters: a week of the group's sessions keeps it, another week or source does not.
    assert _groups(review_client.get(url, params={"week": group["weeks"][0]}).text) == [
        group["group"]
    ]
    assert _groups(review_client.get(url, params={"week": "2019-W01"}).text) == []
    other_source = next(s for s in review_data.sources if s not in group["source_ids"])
    assert _groups(review_client.get(url, params={"source": group["source_ids"][0]}).text) == [
        group["group"]
    ]
    assert _groups(review_client.get(url, params={"source": other_source}).text) == []
    wrong = review_client.get(url, params={"week": "2025-W99"})
    assert wrong.status_code == 400
    assert "2025-W03" in wrong.text
    assert "Traceback" not in wrong.text

    # The dashboard's data-quality block links to the page.
    dashboard = review_client.get(f"/ui/establishments/{review_data.finess}")
    assert f'href="{url}" data-link="review"' in dashboard.text


def test_groups_set_through_the_form_leave_the_queue_and_the_counts_follow(
    review_client: AppClient, api_client: AppClient, review_data: Review
) -> None:
    before = _unclassified(api_client, review_data)
    assert before > 0
    sign_in(review_client, TEAM)
    url = f"/ui/establishments/{review_data.finess}/review"
    page = review_client.get(url)
    groups = _groups(page.text)
    assert groups
    listed = int(re.findall(r'<span data-count="unclassified">(\d+)</span>', page.text)[0])
    form = {
        "csrf_token": form_token(page.text),
        "groups": groups,
        "activity": "transport",
        "setting": "inconnu",
        "nature": "direct",
    }

    forged = review_client.post(url, data={**form, "csrf_token": "forged"})
    assert forged.status_code == 403
    missing = review_client.post(url, data={k: v for k, v in form.items() if k != "csrf_token"})
    assert missing.status_code == 403
    assert _groups(review_client.get(url).text) == groups  # nothing was written

    done = review_client.post(url, data=form)
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith(f"{url}?classees=")
    assert int(done.headers["location"].split("=")[1]) == listed
    after = review_client.get(done.headers["location"])
    assert "les décomptes suivent" in after.text
    assert _groups(after.text) == []
    assert _unclassified(api_client, review_data) == 0


@pytest.mark.parametrize("email", [OTHER, ARS])
def test_users_of_another_establishment_or_the_ars_get_a_403_page(
    review_client: AppClient, review_data: Review, email: str
) -> None:
    sign_in(review_client, email)
    url = f"/ui/establishments/{review_data.finess}/review"
    page = review_client.get(url)
    assert page.status_code == 403
    assert "taxi" not in page.text.lower()
    token = re.findall(r'name="csrf_token" value="([^"]+)"', review_client.get("/ui/").text)
    refused = review_client.post(
        url,
        data={
            "csrf_token": token[0] if token else "none",
            "groups": ["0" * 16],
            "activity": "transport",
            "setting": "inconnu",
            "nature": "direct",
        },
    )
    assert refused.status_code == 403


def test_an_unreachable_agenda_ingest_is_a_readable_503_page(
    settings: Settings, database: Database, review_data: Review
) -> None:
    app = _api_app(settings, database, f"http://127.0.0.1:{_free_port()}", "wrong")
    for client in browser_client(app):
        sign_in(client, DIRECTOR)
        page = client.get(f"/ui/establishments/{review_data.finess}/review")
        assert page.status_code == 503
        assert "agenda-ingest" in page.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def ingest_server(ingest_app: FastAPI) -> Iterator[str]:
    """agenda-ingest on a real local port (uvicorn in a thread)."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(ingest_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "agenda-ingest did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_the_page_reads_a_real_agenda_ingest_server(
    settings: Settings, database: Database, review_data: Review, ingest_server: str
) -> None:
    app = _api_app(settings, database, ingest_server, review_data.service_key)
    for client in browser_client(app):
        sign_in(client, DIRECTOR)
        page = client.get(f"/ui/establishments/{review_data.finess}/review")
        assert page.status_code == 200, page.text
        assert len(_groups(page.text)) == 1
