"""Request-scoped dependencies: the unit of work and the authenticated principal.

The session dependency is declared with ``scope="function"`` so that its commit
runs before the response is sent: a failed commit can never follow a 2xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from ditep_core.auth.principal import Principal
from ditep_core.auth.service import authenticate
from ditep_core.db import Database
from ditep_core.nomenclatures import Scope
from ditep_core.settings import Settings
from ditep_core.web.audit import audit_context
from ditep_core.web.bodies import read_body_within
from ditep_core.web.problems import Forbidden, Unauthorized


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    # A request that may write takes the write transaction at once (SQLite: BEGIN
    # IMMEDIATE, one writer of the process at a time), so that it never fails when it
    # turns from reading to writing after another writer committed.
    # A read request's transaction is read-only in the database itself: a read that
    # tried to write (a cache filled on the way, a rollup recomputed) fails loudly.
    reads = request.method in ("GET", "HEAD", "OPTIONS")
    with get_database(request).unit_of_work(write=not reads, read_only=reads) as session:
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]


async def read_request_body(request: Request) -> bytes:
    """A body that is not a feed (rule sets, pathways, flags...): DITEP_MAX_BODY_BYTES."""
    return await read_body_within(request, get_settings(request).max_body_bytes)


RequestBody = Annotated[bytes, Depends(read_request_body)]

_bearer = HTTPBearer(auto_error=False, description="API key: 'Authorization: Bearer ditep_...'")


class Authenticator:
    """A dependency requiring a valid API key that carries ``scope`` (or one of ``also``).

    The key is checked in a short transaction of its own, closed before the
    endpoint runs: the request's unit of work then starts only when the service
    first touches the database, so no transaction stays open while a large feed
    body is still arriving from the network.
    """

    def __init__(self, scope: Scope, *also: Scope) -> None:
        self.scope = scope
        self.scopes = (scope, *also)

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        audit = audit_context(request)
        if audit is not None:
            audit.required_scope = self.scope
        if credentials is None:
            raise Unauthorized()
        with get_database(request).unit_of_work() as session:
            principal = authenticate(session, credentials.credentials)
        if principal is None:
            raise Unauthorized("the API key is unknown or revoked")
        if audit is not None:
            audit.principal = principal
        if not any(principal.has_scope(scope) for scope in self.scopes):
            wanted = "' or '".join(scope.value for scope in self.scopes)
            raise Forbidden(f"this API key lacks the '{wanted}' scope")
        return principal


FeedsWriter = Annotated[Principal, Depends(Authenticator(Scope.FEEDS_WRITE))]
ActivityReader = Annotated[Principal, Depends(Authenticator(Scope.ACTIVITY_READ))]
Admin = Annotated[Principal, Depends(Authenticator(Scope.ADMIN))]
ArsReader = Annotated[Principal, Depends(Authenticator(Scope.ARS_READ))]
# A DUI vendor's key (feeds:write) reads what it sent and how it was read (imports, sessions,
# classification explanations): ``activity:read`` or ``feeds:write``.
FeedsReader = Annotated[Principal, Depends(Authenticator(Scope.ACTIVITY_READ, Scope.FEEDS_WRITE))]
Transmitter = Annotated[Principal, Depends(Authenticator(Scope.TRANSMIT))]
