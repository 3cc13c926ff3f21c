"""Sending the weekly capacity to a ROR FHIR server: each Location, PUT by id or created.

The bundle is built in a short unit of work that is closed before any network
call; the OAuth2 client-credentials token is then asked for and each Location is
PUT to ``{ror_base_url}/Location/{id}`` with the configured ROR headers when the
ROR's id of the Location is recorded. For a Location without one the push uses only what
the ROR guide documents: it searches ``GET {ror_base_url}/Location?identifier={system}|{our
id}`` (its ``idExterneSynchro``, a native search parameter); one match is recorded and PUT
by id, several are an error naming ``identifier``, none is created by ``POST
{ror_base_url}/Location`` (no id; ``If-None-Exist`` on the same identifier, so a server
that honours conditional create makes no duplicate either). The id found or answered is
recorded (``ror_resource_id``) for the next pushes. A POST whose answer was lost
(timeout, connection error, 5xx) is never sent again blindly: the identifier is searched
first, and a Location found goes on by id. A Location the push creates is added to its
HealthcareService's ``location`` list by a FHIRPath Patch of ``HealthcareService/{its ROR
id}``, as the guide's example does, when that id is recorded; until that succeeds it is
kept as still to add (``attach_pending``), and the next push, which goes by the ROR's id,
reads the HealthcareService and patches it if it does not list the Location yet.
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
from activity_api.ror.service import RorExport, push_accepted, request_method, ror_export
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


class _TlsFailed(Exception):
    """The TLS handshake with the ROR failed: retrying cannot help (DITEP_ROR_TLS)."""


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


def search_url(base_url: str, match: str) -> str:
    """The search of the ROR's Locations carrying our identifier (``match``)."""
    # ``|`` escaped, the rest kept readable: what ``ditep ror status`` shows.
    return f"{base_url}/Location?identifier={quote(match, safe=':/')}"


def first_request(
    base_url: str, location: dict[str, Any], match: str | None
) -> tuple[str, dict[str, Any]]:
    """The URL of the first request of one Location's push and the body it sends: the PUT
    under its id, or, with ``match``, the search by identifier and the body without an id
    (the ROR gives its own when it creates it)."""
    if match is None:
        return f"{base_url}/Location/{location['id']}", location
    return search_url(base_url, match), {k: v for k, v in location.items() if k != "id"}


def carried_match(location: Any, match: str) -> bool:
    """Whether a Location carries our identifier ``match`` (``{system}|{value}``)."""
    system, _, value = match.partition("|")
    identifiers = location.get("identifier") if isinstance(location, dict) else None
    return any(
        isinstance(item, dict) and item.get("system") == system and item.get("value") == value
        for item in identifiers or []
    )


def searched_ids(body: Any, match: str) -> list[str] | str:
    """The ROR's ids of the Locations a search by identifier answered, or why the answer
    cannot be trusted: not a searchset Bundle, or Locations without our identifier (a
    server ignoring the parameter would list others, which must not be updated)."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        return "the search answered no Bundle"
    found: list[str] = []
    for entry in body.get("entry") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            continue
        resource = entry["resource"]
        # ``include`` and ``outcome`` entries are not matches.
        if (entry.get("search") or {}).get("mode", "match") != "match":
            continue
        if resource.get("resourceType") != "Location":
            continue
        ror_id = resource.get("id")
        if not carried_match(resource, match):
            return f"the ROR's search answered Locations without {match}"
        if not isinstance(ror_id, str) or not _FHIR_ID.match(ror_id):
            return f"the ROR's search answered a Location without a valid id: {ror_id!r}"
        if ror_id not in found:
            found.append(ror_id)
    # One identifier should match one Location: an answer on several pages (a ``next``
    # link, or a ``total`` beyond this page) hides matches, so it settles nothing.
    paged = any(
        isinstance(link, dict) and link.get("relation") == "next" for link in body.get("link") or []
    )
    total = body.get("total")
    if paged or (isinstance(total, int) and total > len(found)):
        return f"the ROR's search answered more Locations carrying {match} than one page shows"
    return found


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
    # The ``identifier`` token searched (no ROR id recorded), else None.
    match: str | None = None
    # The ROR's id found by the search or answered to the POST: recorded for the next pushes.
    ror_id: str | None = None
    # Whether the ROR answered 201 to this push's POST: the Location is new, so it is added
    # to its HealthcareService without reading it first (a Location found by the search, or
    # after a lost answer, is added only if the HealthcareService does not list it yet).
    created: bool = False
    # The ROR's HealthcareService a created Location was added to (``location``, PATCH).
    attached_to: str | None = None
    # Whether the Location is still to be added to its HealthcareService (kept in
    # ``ror_resource_id.attach_pending`` for the next push); None: nothing to change.
    attach_pending: bool | None = None

    @property
    def method(self) -> str:
        """The method of the last request sent (GET search, POST creation, PUT update)."""
        return request_method(self.url)

    @property
    def ok(self) -> bool:
        return push_accepted(self.url, self.status_code)


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
                lines.append(f"  would {_plan(push)} {capacities}")
                continue
            if push.attempts == 0 and push.status_code is None:
                lines.append(f"  not sent: {_plan(push)} {capacities}")
                lines += [f"    {message}" for message in push.messages]
                continue
            answer = push.status_code if push.status_code is not None else "no answer"
            lines.append(
                f"  {push.method} {push.url} {capacities} -> {answer}"
                f" after {push.attempts} attempt(s)"
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


def _plan(push: LocationPush) -> str:
    """What the push of a Location sends, before it is sent (dry run, not sent)."""
    if push.match is None:
        return f"PUT {push.url}"
    base = push.url.split("/Location?", 1)[0]
    return f"GET {push.url}, then PUT {base}/Location/{{its id}} or POST {base}/Location"


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
    """OAuth2 client credentials + the search, POST, PUT and PATCH with retries. One per
    push round."""

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

    def push_location(self, location: dict[str, Any], *, match: str | None = None) -> LocationPush:
        """Send one Location: PUT under its id; or, with ``match`` (the ``identifier`` token
        of a Location whose ROR id is not recorded), search it by identifier, PUT the one
        found by its id, or create it by POST when none is; the id found or answered is then
        in ``ror_id``. Timeouts, connection errors and 5xx are retried; a POST whose answer
        was lost is never sent again before a new search says the Location is still
        missing, so it is created once."""
        url, body = first_request(self.base_url, location, match)
        push = LocationPush(location["id"], url, body, match=match)
        ror_id: str | None = location["id"] if match is None else None
        posted = False  # a POST sent whose answer was lost: it may have been applied
        while push.attempts < self.max_attempts:
            push.attempts += 1
            try:
                if ror_id is None and match is not None:
                    response = self._exchange(push, "GET", search_url(self.base_url, match))
                    if response is None or response.status_code >= 500:
                        self._retry_pause(push)
                        continue
                    if response.status_code != 200:
                        break  # another 4xx: final
                    found = self._found(push, response, match)
                    if found is None:
                        break
                    if not found:
                        response = self._exchange(
                            push,
                            "POST",
                            f"{self.base_url}/Location",
                            body=body,
                            headers={"If-None-Exist": f"identifier={match}"},
                        )
                        if response is None or response.status_code >= 500:
                            posted = True  # it may have been created: search before resending
                            self._retry_pause(push)
                            continue
                        if push.ok:
                            # 200: the ROR kept the one it had (If-None-Exist).
                            push.created = response.status_code == 201 and not posted
                            push.ror_id = answered_id(response) or self._find(match)
                            if push.ror_id is None:
                                push.messages = [
                                    "the ROR's answer to the creation gave no id of the"
                                    " Location; the next push finds it by its identifier"
                                ]
                        break
                    ror_id = push.ror_id = found
                url = f"{self.base_url}/Location/{ror_id}"
                response = self._exchange(push, "PUT", url, body={**location, "id": ror_id})
                if response is None or response.status_code >= 500:
                    self._retry_pause(push)
                    continue
                break
            except _TlsFailed:
                break  # not retried: the same handshake fails the same way (DITEP_ROR_TLS)
        return push

    def _retry_pause(self, push: LocationPush) -> None:
        if push.attempts < self.max_attempts:
            self._pause(push.attempts)

    def _send(
        self,
        method: str,
        url: str,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request with the token and the ROR headers; a 401 asks for a new token and
        sends it once more (not counted as an attempt)."""
        content_type = FHIR_JSON if body is not None else None
        for refreshed in (False, True):
            sent = {**self._headers(content_type), **(headers or {})}
            response = self.client.request(method, url, json=body, headers=sent)
            if response.status_code != 401 or self.credential is None or refreshed:
                break
            self.token(refresh=True)
        return response

    def _exchange(
        self,
        push: LocationPush,
        method: str,
        url: str,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response | None:
        """One request of a Location's push, kept as its last (URL, status, issues); None
        when no answer came (the message says why)."""
        push.url = url
        try:
            response = self._send(method, url, body=body, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as error:
            push.status_code, push.outcome = None, None
            failure = tls_failure(error, client_certificate=self.client_certificate)
            if failure is not None:
                push.messages = [f"TLS with {self.base_url} failed: {failure} (DITEP_ROR_TLS)"]
                raise _TlsFailed from error
            push.messages = [f"{type(error).__name__}: {error}"]
            return None
        push.status_code = response.status_code
        accepted = 200 <= response.status_code < 300
        push.messages = [] if accepted else outcome_messages(response)
        push.outcome = None if accepted else operation_outcome(response)
        return response

    def _found(self, push: LocationPush, response: httpx.Response, match: str) -> str | None:
        """The ROR's id of the one Location the search found, "" when none; None, with the
        reason naming ``identifier``, when several (or an answer that cannot be trusted)."""
        try:
            found = searched_ids(response.json(), match)
        except ValueError:
            found = "the search answered no Bundle"
        if isinstance(found, str):
            push.messages = [f"identifier: {found}; record the ROR's id: {_ids_set(match)}"]
            return None
        if len(found) > 1:
            push.messages = [
                f"identifier: several Locations of the ROR carry {match} ({', '.join(found)});"
                f" record the right one: {_ids_set(match)}"
            ]
            return None
        return found[0] if found else ""

    def _find(self, match: str) -> str | None:
        """The ROR's id of the Location carrying ``match``, when one search finds exactly
        one (a creation answered without an id); None otherwise."""
        try:
            response = self._send("GET", search_url(self.base_url, match))
            found = searched_ids(response.json(), match) if response.status_code == 200 else []
        except (httpx.TimeoutException, httpx.TransportError, ValueError, RorPushError):
            return None
        return found[0] if isinstance(found, list) and len(found) == 1 else None

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
            # Found by the search or answered to the POST: the next pushes go by id.
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
        # The POST's If-None-Exist matched several Locations.
        push.messages.insert(
            0,
            f"identifier: several Locations of the ROR carry {push.match}; record the "
            f"right one: {_ids_set(push.match)}",
        )


def _ids_set(match: str) -> str:
    """The command recording the ROR's id of the Location whose identifier is ``match``."""
    return f"ditep ror ids set --resource Location/{match.partition('|')[2]} --ror-id <id>"


def _attach(
    ror: RorClient, push: LocationPush, service_id: str | None, pending: frozenset[str]
) -> None:
    """Make sure a Location whose ROR id this push learnt (created, or found by our
    identifier) is in its HealthcareService's ``location``, or one an earlier push could not
    add (``pending``); until then it stays to add. Only a Location just created (201) is
    added without reading the HealthcareService first."""
    local_id = push.local_id or push.location_id
    if push.ror_id is not None and not push.ok:
        push.attach_pending = True  # found, then its PUT refused: the next push goes by id
        return
    if push.ror_id is not None:
        location_id, check_first = push.ror_id, not push.created
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
    url, body = first_request(base_url, location, match)
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
            url, body = first_request(base, location, match)
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
                push = ror.push_location(location, match=match)
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
