"""Running both services side by side for development and the quick start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from ditep_core.settings import Settings

SERVICES = (
    ("agenda-ingest", "agenda_ingest.main:app_factory", "ingest_host", "ingest_port"),
    ("activity-api", "activity_api.main:app_factory", "api_host", "api_port"),
)


_ALL_INTERFACES = frozenset({"0.0.0.0", "::"})  # noqa: S104 - read, never bound here
_ALL_INTERFACES = frozenset({"0.0.0.0", "::"})  # noqa: S104 - read, never bound here
REVIEW_KEY_NAME = "ditep serve: review page of activity-api"


def review_environment(settings: Settings, service_key: str | None) -> dict[str, str]:
    """What activity-api's review page needs to reach this agenda-ingest (its own
    settings win when set): the base URL and the service key ``ditep serve`` made."""
    environment: dict[str, str] = {}
    if settings.ingest_base_url is None:
        host = settings.ingest_host
        if host in _ALL_INTERFACES:
            host = "127.0.0.1"
        environment["DITEP_INGEST_BASE_URL"] = f"http://{host}:{settings.ingest_port}"
    if settings.ingest_service_key is None and service_key:
        environment["DITEP_INGEST_SERVICE_KEY"] = service_key
    return environment


def serve_both(
    settings: Settings, banner: list[str], *, environment: dict[str, str] | None = None
) -> int:
    """Start both services with uvicorn; stop both when one stops, on Ctrl-C or SIGTERM."""
    # SIGTERM (from a supervisor or `kill`) must also stop the children: turn it
    # into SystemExit so that the `finally` below runs.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    for name, factory, host_field, port_field in SERVICES:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            factory,
            "--factory",
            "--host",
            str(getattr(settings, host_field)),
            "--port",
            str(getattr(settings, port_field)),
            "--no-access-log",
        ]
        child_environment = {**os.environ, **(environment or {})}
        process = subprocess.Popen(command, env=child_environment)  # noqa: S603 - our interpreter
        processes.append((name, process))
    print("\n".join(["", *banner, "", "Ctrl-C stops both services.", ""]), flush=True)
    try:
        while True:
            for name, process in processes:
                code = process.poll()
                if code is not None:
                    print(f"{name} exited with code {code}; stopping", file=sys.stderr)
                    return code or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        for _name, process in processes:
            if process.poll() is None:
                process.terminate()
        for _name, process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
