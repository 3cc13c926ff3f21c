"""The ARS and ROR pages: their Python compiles, their routes and variables exist."""

from __future__ import annotations

import re

from activity_api.main import create_app
from ditep_core.settings import Settings
from tests.conftest import REPO_ROOT, make_settings


def _page(name: str) -> str:
    return (REPO_ROOT / "docs" / name).read_text("utf-8")


def test_python_examples_compile() -> None:
    blocks = re.findall(r"```python\n(.*?)```", _page("ars-integration.md"), re.DOTALL)
    assert blocks
    for block in blocks:
        compile(block, "ars-integration.md", "exec")


def test_documented_routes_exist() -> None:
    app = create_app(make_settings())
    paths = set(app.openapi()["paths"])
    for route in ("/v1/regions/{code}/activity", "/v1/departments/{code}/activity"):
        assert route in _page("ars-integration.md")
        assert route in paths
    assert "/v1/establishments/{finess}/ror" in paths
    assert "/v1/establishments/{finess}/ror" in _page("ror-sync.md")


def test_documented_variables_are_settings() -> None:
    names = set(re.findall(r"DITEP_(ROR_[A-Z0-9_]+)", _page("ror-sync.md")))
    assert names
    for name in names:
        assert name.lower() in Settings.model_fields, name
