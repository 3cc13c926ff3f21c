"""The web app's pages at regional scale, against the JSON API call of the same data, in one run.

Against a database filled by ``benchmarks.region_generator``, starts activity-api in a
child process (uvicorn, real HTTP, as deployed), signs in a director (of the first
``--establishments`` establishments) and an ARS user of the region through the sign-in
form, and measures p50/p95 over ``--repeat`` calls (after ``--warmup``, and at least one
call per establishment of the cycle: warm) of:

(a) the establishment dashboard ``GET /ui/establishments/{finess}?period=…`` (the period's
    body, the 12 months' bodies, the indicators and the year before, six SVG charts, the
    sources' last feeds), establishments taken in turn; baseline: the JSON API call of the
    period's body ``GET /v1/establishments/{finess}/activity?period=…``;
(b) the region status page ``GET /ui/regions/{code}?period=…`` (the region's indicators
    under secrecy and each establishment's transmission status); baseline: the JSON API
    call of the region's indicators ``GET /v1/regions/{code}/indicators?period=…``.

Prints p50/p95 per call, the ratio page / JSON, and PASS/FAIL against the targets of
issue 19 (p95, warm: dashboard < 200 ms, region page < 500 ms), and the first call of each
page (cold: nothing remembered in the process). Server-side render time is measured as the
client sees it over local HTTP (so it includes the HTTP round trip).

    .venv/bin/python -m benchmarks.bench_ui \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/ditep_region_bench
"""

from __future__ import annotations

import argparse
import re
import secrets
from collections.abc import Callable

import httpx
from sqlalchemy.engine import make_url

from activity_api.users.service import Role, create_user
from benchmarks.bench_counts import Timing, served_api, timed
from benchmarks.served import get_ok, region_finesses, region_parser, timing_line
from ditep_core.auth.service import create_key, revoke_key
from ditep_core.db import Database, normalise_database_url
from ditep_core.nomenclatures import Scope

TARGETS_MS = {"dashboard": 200.0, "region": 500.0}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _sign_in(client: httpx.Client, email: str, password: str) -> None:
    form = get_ok(client, "/ui/login", {})
    token = _TOKEN.search(form.text)
    if token is None:
        raise SystemExit("no CSRF token on the sign-in page")
    response = client.post(
        "/ui/login",
        data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/ui/"},
    )
    if response.status_code != 303:
        raise SystemExit(f"sign-in of {email}: {response.status_code} {response.text[:300]}")


def main() -> None:
    parser = region_parser(__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed calls of each kind")
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed calls (at least one per establishment)"
    )
    parser.add_argument("--establishments", type=int, default=5, help="cycled in (a)")
    args = parser.parse_args()
    url = normalise_database_url(args.url)
    database = Database.from_url(url, pool_size=2, max_overflow=2)
    run = secrets.token_hex(4)
    password = secrets.token_urlsafe(18)
    director, ars = f"bench-ui-{run}@direction.example", f"bench-ui-{run}@ars.example"
    with database.unit_of_work(write=True) as session:
        finesses = region_finesses(session, args.region)
        sample = finesses[: max(1, args.establishments)]
        client_row, generated = create_key(session, name="bench_ui", scopes=(Scope.ADMIN,))
        key_id = client_row.id
        create_user(session, email=director, role=Role.DIRECTOR, password=password, finess=sample)
        create_user(session, email=ars, role=Role.ARS, password=password, regions=[args.region])
    print(
        f"{make_url(url).get_backend_name()}: region {args.region}, {len(finesses)} "
        f"establishments, period {args.period}; {args.repeat} calls of each kind timed "
        f"after max({args.warmup}, {len(sample)}) warm-up (users {director}, {ars})"
    )
    try:
        timings = _measure(url, generated.plaintext, password, (director, ars), args, sample)
    finally:
        with database.unit_of_work(write=True) as session:
            revoke_key(session, key_id)
        database.dispose()
    _report(timings)


def _measure(
    url: str,
    key: str,
    password: str,
    users: tuple[str, str],
    args: argparse.Namespace,
    sample: list[str],
) -> dict[tuple[str, str], Timing]:
    params = {"period": args.period}
    with (
        served_api(url) as base,
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=600) as api,
        httpx.Client(base_url=base, timeout=600) as director,
        httpx.Client(base_url=base, timeout=600) as ars,
    ):
        _sign_in(director, users[0], password)
        _sign_in(ars, users[1], password)

        def establishment(client: httpx.Client, page: bool) -> Callable[[int], object]:
            def call(index: int) -> object:
                finess = sample[index % len(sample)]
                path = (
                    f"/ui/establishments/{finess}"
                    if page
                    else (f"/v1/establishments/{finess}/activity")
                )
                return get_ok(client, path, params)

            return call

        def region(client: httpx.Client, page: bool) -> Callable[[int], object]:
            path = f"/ui/regions/{args.region}" if page else f"/v1/regions/{args.region}/indicators"

            def call(_index: int) -> object:
                return get_ok(client, path, params)

            return call

        # Warm: every page of the cycle served once before the timed calls (at least
        # --warmup calls, and one per establishment of the cycle).
        warmup = max(args.warmup, len(sample))
        calls = {
            ("dashboard", "json"): establishment(api, False),
            ("dashboard", "page"): establishment(director, True),
            ("region", "json"): region(api, False),
            ("region", "page"): region(ars, True),
        }
        timings: dict[tuple[str, str], Timing] = {}
        for (scope, kind), call in calls.items():
            # The first call in this process (nothing remembered yet for this page).
            timings[(scope, f"{kind}-first")] = timed(f"{scope} {kind} first", call, 1, 0)
            timings[(scope, kind)] = timed(f"{scope} {kind}", call, args.repeat, warmup)
        return timings


def _report(timings: dict[tuple[str, str], Timing]) -> None:
    failed = False
    labels = {
        "dashboard": ("establishment dashboard", "GET …/activity JSON (baseline)"),
        "region": ("region status page", "GET …/indicators JSON (baseline)"),
    }
    for scope in ("dashboard", "region"):
        title, baseline_label = labels[scope]
        baseline, page = timings[(scope, "json")], timings[(scope, "page")]
        print(f"{title}:")
        print(timing_line(baseline_label, baseline))
        print(timing_line("page (HTML, server-side render)", page))
        first = timings[(scope, "page-first")].p50_ms
        print(
            f"  first page call of the run (cold): {first:.1f} ms; JSON's: "
            f"{timings[(scope, 'json-first')].p50_ms:.1f} ms"
        )
        ratio = page.p95_ms / baseline.p95_ms if baseline.p95_ms else float("inf")
        target = TARGETS_MS[scope]
        verdict = "PASS" if page.p95_ms < target else "FAIL"
        failed |= verdict == "FAIL"
        print(f"  page / JSON ratio (p95): {ratio:.2f}; target p95 < {target:.0f} ms: {verdict}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
