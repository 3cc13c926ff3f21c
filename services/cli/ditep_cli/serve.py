"""Running both services side by side for development and the quick start."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from ditep_core.settings import Settings

SERVICES = (
    ("agenda-ingest", "agenda_ingest.main:app_factory", "ingest_host", "ingest_port"),
    ("activity-api", "activity_api.main:app_factory", "api_host", "api_port"),
)


def serve_both(settings: Settings, banner: list[str]) -> int:
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
        processes.append((name, subprocess.Popen(command)))  # noqa: S603 - our own interpreter
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
