"""What the benchmarks of a served region share: their arguments, the region's
establishments, a checked GET and one line of timings."""

from __future__ import annotations

import argparse

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.bench_counts import Timing
from ditep_core.models import Establishment


def region_parser(description: str) -> argparse.ArgumentParser:
    """The arguments every served-region benchmark takes: the database, period and region."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", required=True, help="database URL of a generated region")
    parser.add_argument("--period", default="2025-Q1")
    parser.add_argument("--region", default="84")
    return parser


def region_finesses(session: Session, region: str) -> list[str]:
    """The region's establishments in FINESS order; stops the run when there are none."""
    finesses = list(
        session.scalars(
            select(Establishment.finess)
            .where(Establishment.region_code == region)
            .order_by(Establishment.finess)
        )
    )
    if not finesses:
        raise SystemExit(f"no establishment in region {region}: generate one first")
    return finesses


def get_ok(client: httpx.Client, path: str, params: dict[str, str]) -> httpx.Response:
    """A GET that must answer 200; anything else stops the run with what was answered."""
    response = client.get(path, params=params)
    if response.status_code != 200:
        raise SystemExit(f"{path} {params}: {response.status_code} {response.text[:300]}")
    return response


def timing_line(label: str, timing: Timing) -> str:
    return f"  {label:<34} p50 {timing.p50_ms:8.1f} ms   p95 {timing.p95_ms:8.1f} ms"
