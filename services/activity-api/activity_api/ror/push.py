"""Sending the weekly capacity to a ROR FHIR server: PUT of each Location.

The bundle is built in a short unit of work that is closed before any network
call; the OAuth2 client-credentials token is then asked for and each Location is
PUT to ``{ror_base_url}/Location/{id}`` with the configured ROR headers when the
ROR's id of the Location is recorded. A Location without one is sent by a FHIR
conditional update, ``PUT {ror_base_url}/Location?identifier={system}|{our id}``
(its ``idExterneSynchro``), without an id: the ROR updates the Location that
carries our id or creates it once, so a first push makes no duplicate; the id the
ROR answers is then recorded (``ror_resource_id``) for the next pushes. A Location the
push creates (201) is added to its HealthcareService's ``location`` list by a FHIRPath
Patch of ``HealthcareService/{its ROR id}``, as the guide's example does, when that id is
recorded; until that succeeds it is kept as still to add (``attach_pending``), and the
next push, which goes by the ROR's id, reads the HealthcareService and patches it if it
does not list the Location yet.
Timeouts, connection errors and 5xx answers are retried with exponential backoff;
a 401 refreshes the token once; other 4xx are final and their OperationOutcome
issues are reported. Real ROR access also needs mTLS: the client certificate,
key and CA bundle are settings (``DITEP_ROR_TLS``, built by ``ditep_core.tls``);
a TLS failure is reported at once, not retried. When the token step fails (OAuth2 or
the TLS handshake with the token endpoint), every Location left is reported and kept
as not sent, with the reason and the token endpoint's OperationOutcome.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import structlog
from sqlalchemy.orm import Session

from activity_api.periods import ReportingPeriod, parse_week
from activity_api.ror import codes
from activity_api.ror.repository import RorRepository
from activity_api.ror.service import RorExport, ror_export
from ditep_core.db import Database
from ditep_core.establishments.repository import EstablishmentRepository
from ditep_core.models import RorPushResult, utc_now
from ditep_core.settings import OAuth2Credential, Settings
from ditep_core.tls import TlsConfigurationError, httpx_verify, tls_failure
from ditep_core.web.problems import InvalidRequest, NotFound

logger = structlog.get_logger("ditep.ror")

FHIR_JSON = "application/fhir+json"


def attachment_patch(reference: str) -> dict[str, Any]:
    """The FHIRPath Patch adding ``reference`` (``Location/{ROR id}``) to a HealthcareService's
    ``location``, in the form of the ROR guide's example (creation-maj-lieu-offre: ``add``
    on ``HealthcareService``, name ``location``, the reference as a part)."""
    operation = [
        {"name": "type", "valueString": "add"},
        {"name": "path", "valueString": "HealthcareService"},
        {"name": "name", "valueString": "location"},
        {"name": "value", "part": [{"name": "reference", "valueString": reference}]},
    ]
    return {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": operation}]}


class RorPushError(Exception):
    """The push could not be attempted or the token was refused."""

    def __init__(self, message: str, *, outcome: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        # The OperationOutcome the token endpoint answered, if it sent one.
        self.outcome = outcome


_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
# ``Location: https://ror.example.fr/fhir/Location/LOC-77/_history/1``
_LOCATION_HEADER = re.compile(r"/Location/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]*)?/?$")


def sync_match(local_id: str) -> str:
    """The ``identifier`` search token of our Location: ``{system}|{our id}``."""
    return f"{codes.SYSTEM_LOCATION_SYNC_ID}|{local_id}"


def location_target(
    base_url: str, location: dict[str, Any], match: str | None
) -> tuple[str, dict[str, Any]]:
    """The URL and body of the PUT of one Location: under its id, or, with ``match``, a
    conditional update on its identifier, without an id (the ROR keeps or gives its own)."""
    if match is None:
        return f"{base_url}/Location/{location['id']}", location
    # ``|`` escaped, the rest kept readable: what ``ditep ror status`` shows.
    url = f"{base_url}/Location?identifier={quote(match, safe=':/')}"
    return url, {key: value for key, value in location.items() if key != "id"}


def answered_id(response: httpx.Response) -> str | None:
    """The ROR's id of the Location it updated or created: the body's, else the
    ``Location`` / ``Content-Location`` header's."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("resourceType") == "Location":
        found = body.get("id")
        if isinstance(found, str) and _FHIR_ID.match(found):
            return found
    for header in ("Location", "Content-Location"):
        match = _LOCATION_HEADER.search(response.headers.get(header, ""))
        if match:
            return match.group(1)
    return None


@dataclass(slots=True)
class LocationPush:
    location_id: str
    url: str
    sent: dict[str, Any]
    status_code: int | None = None
    attempts: int = 0
    # The server's OperationOutcome issues ("error/invalid: ...") or the transport error.
    messages: list[str] = field(default_factory=list)
    # The OperationOutcome answered with a refusal, as received; kept (ror_push_result).
    outcome: dict[str, Any] | None = None
    # Our id of the Location (``690000017-accueil-nuit``), whatever id it is sent under.
    local_id: str | None = None
    # The ``identifier`` token of a conditional update (no ROR id recorded), else None.
    match: str | None = None
    # The ROR's id answered to a conditional update: recorded for the next pushes.
    ror_id: str | None = None
    # The ROR's HealthcareService a created Location was added to (``location``, PATCH).
    attached_to: str | None = None
    # Whether the Location is still to be added to its HealthcareService (kept in
    # ``ror_resource_id.attach_pending`` for the next push); None: nothing to change.
    attach_pending: bool | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(slots=True)
class PushReport:
    finess: str
    week: str
    dry_run: bool
    suppressed: list[str]
    locations: list[LocationPush]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and (self.dry_run or all(p.ok for p in self.locations))

    def lines(self) -> list[str]:
        head = f"ROR push {self.finess} {self.week}" + (" (dry run)" if self.dry_run else "")
        lines = [head]
        if self.suppressed:
            lines.append(f"  left out for statistical secrecy: {', '.join(self.suppressed)}")
        for push in self.locations:
            capacities = _capacity_summary(push.sent)
            if self.dry_run:
                lines.append(f"  would PUT {push.url} {capacities}")
                continue
            if push.attempts == 0 and push.status_code is None:
                lines.append(f"  not sent: PUT {push.url} {capacities}")
                lines += [f"    {message}" for message in push.messages]
                continue
            answer = push.status_code if push.status_code is not None else "no answer"
            lines.append(
                f"  PUT {push.url} {capacities} -> {answer} after {push.attempts} attempt(s)"
            )
            if push.ror_id is not None:
                lines.append(
                    f"    the ROR's id {push.ror_id} recorded for Location/{push.local_id}"
                )
            if push.attached_to is not None:
                lines.append(f"    added to HealthcareService/{push.attached_to} (location)")
            lines += [f"    {message}" for message in push.messages]
        if self.error:
            lines.append(f"  error: {self.error}")
        return lines


def _capacity_summary(location: dict[str, Any]) -> str:
    names = {"01": "installed", "02": "available", "03": "occupied"}
    parts: list[str] = []
    for extension in location.get("extension", []):
        if extension.get("url") != codes.EXTENSION_SUPPORTED_CAPACITY:
            continue
        sub = {item["url"]: item for item in extension.get("extension", [])}
        status = sub["capacityStatus"]["valueCodeableConcept"]["coding"][0]["code"]
        parts.append(f"{names.get(status, status)}={sub['nbCapacity']['valueInteger']}")
    return "[" + ", ".join(parts) + "]"


def operation_outcome(response: httpx.Response) -> dict[str, Any] | None:
    """The OperationOutcome of an answer's body, if it is one."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        return body
    return None


def outcome_messages(response: httpx.Response) -> list[str]:
    """The issues of an OperationOutcome body, or a short excerpt of any other body."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return [text[:300]] if text else []
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        messages = []
        for issue in body.get("issue", []):
            detail = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or ""
            where = ", ".join(issue.get("expression", []) or issue.get("location", []))
            message = f"{issue.get('severity', '?')}/{issue.get('code', '?')}: {detail}"
            messages.append(f"{message} ({where})" if where else message)
        return messages
    return [str(body)[:300]]


class RorClient:
    """OAuth2 client credentials + PUT with retries. One per push round."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not settings.ror_base_url:
            raise RorPushError("DITEP_ROR_BASE_URL is not set")
        self.base_url = settings.ror_base_url.rstrip("/")
        self.credential: OAuth2Credential | None = settings.ror_oauth2
        self.headers = dict(settings.ror_headers)
        self.max_attempts = settings.ror_max_attempts
        self.backoff = settings.ror_backoff_seconds
        self.sleep = sleep
        self.client_certificate = (
            settings.ror_tls is not None and settings.ror_tls.has_client_certificate
        )
        self._owns_client = client is None
        if client is None:
            try:
                verify = httpx_verify(settings.ror_tls, setting="DITEP_ROR_TLS")
            except TlsConfigurationError as error:
                raise RorPushError(error.message) from error
            client = httpx.Client(timeout=settings.ror_timeout_seconds, verify=verify)
        self.client = client
        self._token: str | None = None

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def _pause(self, attempt: int) -> None:
        self.sleep(min(self.backoff * 2 ** (attempt - 1), 60.0))

    def token(self, *, refresh: bool = False) -> str | None:
        if self.credential is None:
            return None
        if self._token is not None and not refresh:
            return self._token
        credential = self.credential
        form = {"grant_type": "client_credentials"}
        if credential.scope:
            form["scope"] = credential.scope
        headers = {"Accept": "application/json"}
        secret = credential.client_secret.get_secret_value()
        if credential.client_auth == "basic":
            pair = f"{credential.client_id}:{secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            form |= {"client_id": credential.client_id, "client_secret": secret}
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.client.post(credential.token_url, data=form, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                failure = tls_failure(error, client_certificate=self.client_certificate)
                if failure is not None:
                    raise RorPushError(
                        f"TLS with the token endpoint failed: {failure} (DITEP_ROR_TLS)"
                    ) from error
                if attempt == self.max_attempts:
                    raise RorPushError(f"token endpoint unreachable: {error!r}") from error
                self._pause(attempt)
                continue
            if response.status_code >= 500 and attempt < self.max_attempts:
                self._pause(attempt)
                continue
            if response.status_code != 200:
                raise RorPushError(
                    f"token endpoint answered {response.status_code}: "
                    + "; ".join(outcome_messages(response)),
                    outcome=operation_outcome(response),
                )
            token = response.json().get("access_token")
            if not isinstance(token, str) or not token:
                raise RorPushError("token endpoint gave no access_token")
            self._token = token
            return token
        raise RorPushError("token endpoint failed")  # pragma: no cover - loop always returns

    def put_location(self, location: dict[str, Any], *, match: str | None = None) -> LocationPush:
        """PUT one Location under its id, or, with ``match`` (an ``identifier`` search
        token), as a conditional update; the id the ROR answers is then in ``ror_id``."""
        url, body = location_target(self.base_url, location, match)
        push = LocationPush(location_id=location["id"], url=url, sent=body, match=match)
        refreshed = False
        while push.attempts < self.max_attempts:
            push.attempts += 1
            headers = {
                **self.headers,
                "Content-Type": FHIR_JSON,
                "Accept": FHIR_JSON,
            }
            token = self.token()
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            try:
                response = self.client.put(url, json=body, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                failure = tls_failure(error, client_certificate=self.client_certificate)
                if failure is not None:
                    # Not retried: the same handshake fails the same way (DITEP_ROR_TLS).
                    push.messages = [f"TLS with {self.base_url} failed: {failure} (DITEP_ROR_TLS)"]
                    break
                push.messages = [f"{type(error).__name__}: {error}"]
                if push.attempts < self.max_attempts:
                    self._pause(push.attempts)
                continue
            push.status_code = response.status_code
            push.messages = [] if push.ok else outcome_messages(response)
            push.outcome = None if push.ok else operation_outcome(response)
            if response.status_code == 401 and token is not None and not refreshed:
                refreshed = True
                self.token(refresh=True)
                push.attempts -= 1  # a refreshed token is not a retry of a failure
                continue
            if response.status_code >= 500 and push.attempts < self.max_attempts:
                self._pause(push.attempts)
                continue
            if match is not None and push.ok:
                push.ror_id = answered_id(response)
            break
        return push

    def _headers(self, content_type: str | None = None) -> dict[str, str]:
        headers = {**self.headers, "Accept": FHIR_JSON}
        if content_type is not None:
            headers["Content-Type"] = content_type
        token = self.token()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _lists(self, url: str, reference: str) -> bool:
        """Whether the HealthcareService at ``url`` already lists ``reference`` in its
        ``location`` (an earlier PATCH applied though its answer was lost, or an attachment
        made by hand); False when the ROR does not say."""
        try:
            response = self.client.get(url, headers=self._headers())
            body = response.json() if response.status_code == 200 else None
        except (httpx.TimeoutException, httpx.TransportError, ValueError):
            return False
        if not isinstance(body, dict):
            return False
        listed = [item.get("reference") for item in body.get("location") or [] if item]
        return any(
            isinstance(item, str) and (item == reference or item.endswith(f"/{reference}"))
            for item in listed
        )

    def attach_location(
        self, push: LocationPush, service_id: str, location_id: str, *, check_first: bool
    ) -> None:
        """Add the Location ``location_id`` (the ROR's id) the push created to its
        HealthcareService's ``location`` list (FHIRPath Patch, ``attachment_patch``, as the
        guide's example does after creating a Location). Timeouts, connection errors and
        5xx are retried; as such a PATCH may have been applied unseen, the HealthcareService
        is read before sending it again (and first, with ``check_first``: a retry of an
        earlier push), so the reference is added once. A failure leaves ``attach_pending``
        set: the next push tries again. The Location itself is stored either way."""
        url = f"{self.base_url}/HealthcareService/{quote(service_id, safe='')}"
        reference = f"Location/{location_id}"
        patch = attachment_patch(reference)
        attached = False
        failure = ""
        details: list[str] = []
        unsure = check_first
        refreshed = False
        attempts = 0
        try:
            while attempts < self.max_attempts and not attached:
                attempts += 1
                if unsure and self._lists(url, reference):
                    attached = True
                    break
                try:
                    response = self.client.patch(url, json=patch, headers=self._headers(FHIR_JSON))
                except (httpx.TimeoutException, httpx.TransportError) as error:
                    tls = tls_failure(error, client_certificate=self.client_certificate)
                    failure = (
                        f"TLS with {self.base_url} failed: {tls} (DITEP_ROR_TLS)"
                        if tls
                        else f"{type(error).__name__}: {error}"
                    )
                    details, unsure = [], True
                    if tls is not None:
                        break  # the same handshake fails the same way (DITEP_ROR_TLS)
                    if attempts < self.max_attempts:
                        self._pause(attempts)
                    continue
                if 200 <= response.status_code < 300:
                    attached = True
                    break
                failure, details = str(response.status_code), outcome_messages(response)
                if response.status_code == 401 and not refreshed:
                    refreshed = True
                    self.token(refresh=True)
                    attempts -= 1  # a refreshed token is not a retry of a failure
                    continue
                if response.status_code < 500:
                    break  # another 4xx: final for this push
                unsure = True  # a 5xx may have applied it
                if attempts < self.max_attempts:
                    self._pause(attempts)
        except RorPushError as error:  # the token refresh failed
            failure, details = str(error), []
        push.attach_pending = not attached
        if attached:
            push.attached_to = service_id
            return
        push.messages.append(
            f"not added to HealthcareService/{service_id}: {failure}"
            " (tried again on the next push; or attach it in the ROR)"
        )
        push.messages += details


def _services_by_location(bundle: dict[str, Any]) -> dict[str, str]:
    """Location id as referenced -> the ROR's id of its HealthcareService, for the
    HealthcareServices whose ROR id is recorded (they then carry it as identifier)."""
    found: dict[str, str] = {}
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        if resource["resourceType"] != "HealthcareService" or "identifier" not in resource:
            continue
        for reference in resource.get("location", []):
            found[reference["reference"].removeprefix("Location/")] = resource["id"]
    return found


def record_push_answers(session: Session, report: PushReport) -> None:
    """Keep the last answer of the ROR per Location, its OperationOutcome included."""
    establishment = EstablishmentRepository(session).get_by_finess(report.finess)
    if establishment is None:  # pragma: no cover - deleted while pushing
        return
    repository = RorRepository(session)
    now = utc_now()
    for push in report.locations:
        if push.ror_id is not None and push.local_id is not None:
            # Learnt from a conditional update: the next pushes go to PUT Location/{id}.
            repository.set_ror_id(establishment.id, f"Location/{push.local_id}", push.ror_id)
        if push.attach_pending is not None and push.local_id is not None:
            repository.set_attach_pending(
                establishment.id, f"Location/{push.local_id}", push.attach_pending
            )
        repository.save_push_result(
            RorPushResult(
                establishment_id=establishment.id,
                location=push.local_id or push.location_id,
                url=push.url,
                week=report.week,
                status_code=push.status_code,
                attempts=push.attempts,
                messages=list(push.messages),
                outcome=push.outcome,
                pushed_at=now,
            )
        )


def _locations(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Location"
    ]


def current_week(today: dt.date) -> ReportingPeriod:
    year, week, _ = today.isocalendar()
    return parse_week(f"{year}-W{week:02d}")


def prepare_export(
    database: Database, settings: Settings, finess: str, week: ReportingPeriod
) -> RorExport:
    """The bundle, computed in a unit of work of its own, closed before any HTTP call."""
    with database.unit_of_work() as session:
        establishment = EstablishmentRepository(session).get_by_finess(finess)
        if establishment is None:
            raise NotFound(f"no establishment with FINESS {finess}")
        return ror_export(session, establishment, week)


def _explain(push: LocationPush, local_id: str) -> None:
    """Say which of our records a refusal points at, naming the field to correct."""
    if push.match is None and push.status_code in (404, 410):
        push.messages.insert(
            0,
            f"ror_id: the ROR has no Location {push.location_id}, the id recorded for "
            f"Location/{local_id}; correct it (ditep ror ids set) or remove it "
            "(ditep ror ids remove) to match on our identifier",
        )
    elif push.match is not None and push.status_code == 412:
        push.messages.insert(
            0,
            f"identifier: several Locations of the ROR carry {push.match}; record the "
            f"right one: ditep ror ids set --resource Location/{local_id} --ror-id <id>",
        )


def _attach(
    ror: RorClient, push: LocationPush, service_id: str | None, pending: frozenset[str]
) -> None:
    """Add a Location the push created (201) to its HealthcareService, or one an earlier
    push created and could not add (``pending``); until then it stays to add."""
    local_id = push.local_id or push.location_id
    if push.status_code == 201 and push.ror_id is not None:
        location_id, check_first = push.ror_id, False
    elif push.ok and push.match is None and local_id in pending:
        location_id, check_first = push.location_id, True
    else:
        return
    if service_id is None:
        push.attach_pending = True
        push.messages.append(
            f"not added to HealthcareService/{local_id}: the ROR's id of it is not recorded"
            f" (ditep ror ids set --resource HealthcareService/{local_id}); added by the"
            " push once it is, or attach it in the ROR"
        )
        return
    ror.attach_location(push, service_id, location_id, check_first=check_first)


def _not_sent(
    base_url: str, location: dict[str, Any], local_id: str, match: str | None, error: RorPushError
) -> LocationPush:
    """A Location the push never sent: the token step (OAuth2, TLS) or the settings failed."""
    url, body = location_target(base_url, location, match)
    return LocationPush(
        location["id"],
        url,
        body,
        messages=[f"not sent: {error}"],
        outcome=error.outcome,
        local_id=local_id,
        match=match,
    )


def push_export(
    export: RorExport, settings: Settings, *, dry_run: bool, client: RorClient | None = None
) -> PushReport:
    report = PushReport(
        finess=export.finess,
        week=export.week.code,
        dry_run=dry_run,
        suppressed=export.suppressed,
        locations=[],
    )
    base = (settings.ror_base_url or "<DITEP_ROR_BASE_URL>").rstrip("/")
    targets: list[tuple[dict[str, Any], str, str | None]] = []
    for location in _locations(export.bundle):
        local_id = export.location_ids.get(location["id"], location["id"])
        match = None if local_id in export.mapped_locations else sync_match(local_id)
        targets.append((location, local_id, match))
    if dry_run:
        for location, local_id, match in targets:
            url, body = location_target(base, location, match)
            report.locations.append(
                LocationPush(location["id"], url, body, local_id=local_id, match=match)
            )
        return report
    try:
        ror = client or RorClient(settings)
    except RorPushError as error:
        report.error = str(error)
        report.locations = [_not_sent(base, *target, error) for target in targets]
        return report
    services = _services_by_location(export.bundle)
    try:
        for index, (location, local_id, match) in enumerate(targets):
            try:
                push = ror.put_location(location, match=match)
            except RorPushError as error:  # the token step: nothing more can be sent
                report.error = str(error)
                report.locations += [_not_sent(base, *target, error) for target in targets[index:]]
                break
            push.local_id = local_id
            _attach(ror, push, services.get(location["id"]), export.pending_attachments)
            _explain(push, local_id)
            report.locations.append(push)
    finally:
        if client is None:
            ror.close()
    logger.info(
        "ror_push",
        finess=report.finess,
        week=report.week,
        ok=report.ok,
        statuses=[p.status_code for p in report.locations],
    )
    return report


def push_establishments(
    database: Database,
    settings: Settings,
    finess_list: Sequence[str],
    *,
    week: ReportingPeriod | None = None,
    dry_run: bool = False,
    client: RorClient | None = None,
) -> list[PushReport]:
    week = week or current_week(utc_now().date())
    reports: list[PushReport] = []
    for finess in finess_list:
        try:
            export = prepare_export(database, settings, finess, week)
        except (NotFound, InvalidRequest) as problem:
            reports.append(PushReport(finess, week.code, dry_run, [], [], problem.detail))
            continue
        report = push_export(export, settings, dry_run=dry_run, client=client)
        if not dry_run and report.locations:
            # After the network calls, in a unit of work of its own.
            with database.unit_of_work() as session:
                record_push_answers(session, report)
        reports.append(report)
    return reports


def scheduled_finess(database: Database, settings: Settings) -> list[str]:
    """The configured FINESS, or every establishment that declares a capacity."""
    if settings.ror_push_finess:
        return list(settings.ror_push_finess)
    with database.unit_of_work() as session:
        return [
            establishment.finess
            for establishment in EstablishmentRepository(session).list_all_with_capacities()
            if establishment.capacities
        ]
