"""Each service's OpenAPI document is its contract: schemathesis checks the app against it.

All of schemathesis' checks (statuses, content types, response schemas and headers,
schema-valid requests accepted, invalid ones rejected...) over every operation, with
a bounded, seeded number of examples per operation, an admin key, and a real
migrated database holding the sample establishment. Key rotation and revocation are
left out: they would invalidate the key the run uses.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from ditep_core.nomenclatures import Scope
from tests.conftest import KeyMaker, SampleDitep

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 10
SEED = 13
EXCLUDED = r"^/v1/keys/\{key_id\}/(rotate|revoke)$"

# Requests valid by the schema that the API may still refuse with its declared 422, for
# a reason a schema cannot state: the content of a feed, rule set, place registry or
# upload (a string or object by the schema), which one of 'period' or 'start'/'end' is
# given, a day range that ends before it starts (a source's window too), a pull of a
# source that has no URL,
# a quarter transmitted before it ends or again without a reason, a ROR id for a resource
# that is not one of ours; and a feed whose
# Content-Type is not its source's format (415).
FEED = r"^/v1/sources/\{source_id\}/feed$"
SEMANTIC_422 = [
    FEED,
    r"^/v1/sources/\{source_id\}/pull$",
    r"^/v1/sources/\{source_id\}$",
    r"^/v1/imports/\{import_id\}/confirm$",
    r"^/v1/establishments/\{finess\}/rulesets(/dry-run)?$",
    r"^/v1/establishments/\{finess\}/places$",
    r"^/v1/establishments/\{finess\}/(pathways|complexity-flags)$",
    r"^/v1/establishments/\{finess\}/activity(/weekly)?$",
    r"^/v1/(regions|departments)/\{code\}/activity$",
    r"^/v1/establishments/\{finess\}/transmissions$",
    r"^/v1/establishments/\{finess\}/ror/ids$",
]
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]


def _config(key: dict[str, str]) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": key,
            "checks": {"enabled": True},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "operations": [
                {
                    "include-path-regex": path,
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [
                                *ACCEPTED,
                                "422",
                                *(["415"] if path == FEED else []),
                            ]
                        }
                    },
                }
                for path in SEMANTIC_422
            ],
        }
    )


def contract_failures(app: FastAPI, key: dict[str, str]) -> list[str]:
    """Every distinct failure of a schemathesis run against ``app``, one line each."""
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(key))
    schema = loaded.exclude(path_regex=EXCLUDED)
    failures: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure: Any = check.failure_info.failure
                        failures.add(
                            f"{event.recorder.label} [{check.name}] {failure.title}: "
                            f"{' / '.join(failure.message.splitlines()[:2])}\n"
                            f"    {check.failure_info.code_sample.splitlines()[0][:400]}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.add(f"error: {event!r}"[:1000])
    return sorted(failures)


@pytest.fixture
def admin_key(make_key: KeyMaker, sample_ditep: SampleDitep) -> dict[str, str]:
    return make_key(Scope.ADMIN)


def test_agenda_ingest_follows_its_openapi(ingest_app: FastAPI, admin_key: dict[str, str]) -> None:
    failures = contract_failures(ingest_app, admin_key)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


def test_activity_api_follows_its_openapi(api_app: FastAPI, admin_key: dict[str, str]) -> None:
    failures = contract_failures(api_app, admin_key)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
