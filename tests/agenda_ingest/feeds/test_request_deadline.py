"""A request whose answer does not start within the deadline gets a 503 at once."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from ditep_core.web.deadline import DeadlineMiddleware
from tests.http import app_client
from tests.live import free_port


def _slow_app(seconds: float) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/slow")
    def slow() -> dict[str, str]:
        time.sleep(seconds)
        return {"answer": "late"}

    @app.get("/v1/fails")
    def fails() -> dict[str, str]:
        raise RuntimeError("boom")

    app.add_middleware(DeadlineMiddleware, seconds=0.3, retry_after=9)
    return app


@pytest.mark.slow
def test_past_the_deadline_the_caller_gets_a_503_at_once() -> None:
    """Over real HTTP: the 503 reaches the caller at the deadline, not when the work ends."""
    server = uvicorn.Server(
        uvicorn.Config(_slow_app(3.0), host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        port = server.config.port
        started = time.monotonic()
        response = httpx.get(f"http://127.0.0.1:{port}/v1/slow", timeout=10)
        waited = time.monotonic() - started
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "9"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/service-busy"
    assert waited < 2.0, waited


def test_within_the_deadline_the_answer_and_errors_pass_unchanged() -> None:
    with app_client(_slow_app(0.0)) as client:
        assert client.get("/v1/slow").json() == {"answer": "late"}
        assert client.get("/v1/fails").status_code == 500
