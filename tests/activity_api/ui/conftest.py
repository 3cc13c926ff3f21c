"""The web app's fixtures: users of each role on the hand-computed dataset of the
indicators (``tests/activity_api/indicators/dataset.py``), and a client that keeps cookies
as a browser does on this machine (``http://localhost``: cookies not ``Secure``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI

from activity_api.users.service import Role, create_user
from ditep_core.db import Database
from tests.activity_api.indicators.dataset import FINESS, seed_hand_dataset
from tests.http import AppClient

PASSWORD = "un mot de passe assez long"
OTHER_FINESS = "690000200"
DIRECTOR = "direction@cedres.example.fr"
ARS = "ars@ars-ara.example.fr"
OTHER_DIRECTOR = "direction@autre.example.fr"


@dataclass(frozen=True)
class UiData:
    finess: str
    other_finess: str
    region: str


@pytest.fixture
def ui_data(database: Database) -> UiData:
    with database.unit_of_work() as session:
        seed_hand_dataset(session)
        seed_hand_dataset(session, finess=OTHER_FINESS)
        create_user(session, email=DIRECTOR, role=Role.DIRECTOR, password=PASSWORD, finess=[FINESS])
        create_user(
            session,
            email=OTHER_DIRECTOR,
            role=Role.DIRECTOR,
            password=PASSWORD,
            finess=[OTHER_FINESS],
        )
        create_user(session, email=ARS, role=Role.ARS, password=PASSWORD, regions=["84"])
    return UiData(finess=FINESS, other_finess=OTHER_FINESS, region="84")


def browser_client(app: FastAPI, base_url: str = "http://localhost") -> Iterator[AppClient]:
    with start_blocking_portal() as portal:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url=base_url)
        try:
            yield AppClient(portal, client)
        finally:
            portal.call(client.aclose)


@pytest.fixture
def ui_client(api_app: FastAPI) -> Iterator[AppClient]:
    yield from browser_client(api_app)


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, "no CSRF token in the form"
    return match.group(1)


def sign_in(
    client: AppClient, email: str, password: str = PASSWORD, next_url: str = "/ui/"
) -> httpx.Response:
    form = client.get("/ui/login", params={"next": next_url})
    assert form.status_code == 200
    return client.post(
        "/ui/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": form_token(form.text),
            "next": next_url,
        },
    )


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self.tiles: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "td" and "data-path" in values:
            self.cells.append(values)
        if tag == "li" and "data-indicator" in values:
            self.tiles.append(values)


def page_figures(html: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The table cells (data-path, data-value, data-period) and the tiles of a page."""
    parser = _Figures()
    parser.feed(html)
    return parser.cells, parser.tiles


def body_value(body: dict[str, Any], path: str) -> Any:
    value: Any = body
    for part in path.split("."):
        value = value[part]
    return value
