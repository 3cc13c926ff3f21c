"""Users: creation and password reset by an admin, the role's scopes and tenancy, the
password check with its per-account lockout.

A role is a set of API scopes and a binding checked by the very rules of API keys
(``ditep_core.auth.binding``); ``principal_of`` turns a user into the ``Principal`` every
route's tenancy check (``ditep_core.auth.access``) already applies, so a page reaches
exactly what a key of the same scopes and binding would.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pwdlib import PasswordHash
from sqlalchemy.orm import Session

from activity_api.users.repository import UserRepository, WebSessionRepository
from ditep_core.auth.binding import check_binding
from ditep_core.auth.principal import Principal
from ditep_core.geography import REGIONS
from ditep_core.models import WebUser, utc_now
from ditep_core.nomenclatures import Scope
from ditep_core.web.problems import Conflict, InvalidRequest, NotFound

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# Per account: after MAX_FAILURES failed sign-ins in a row, none for LOCKOUT (even with the
# right password); a success resets the count.
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FINESS = re.compile(r"^[0-9]{2}[0-9AB][0-9]{6}$")

# argon2id with pwdlib's recommended parameters.
_hasher = PasswordHash.recommended()
# Checked when the e-mail is unknown, so that an unknown account costs the same time.
_DUMMY_HASH = _hasher.hash("ditep-unknown-account-placeholder")


class Role(enum.StrEnum):
    DIRECTOR = "director"
    TEAM = "team"
    ARS = "ars"
    ADMIN = "admin"


ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    # An establishment's director reads its figures and transmits its quarters.
    Role.DIRECTOR: frozenset({Scope.ACTIVITY_READ, Scope.TRANSMIT}),
    # A team lead reads the figures.
    Role.TEAM: frozenset({Scope.ACTIVITY_READ}),
    # An ARS officer reads the aggregates of the regions given (every region if none).
    Role.ARS: frozenset({Scope.ARS_READ}),
    # An administrator: everything, or the establishments given.
    Role.ADMIN: frozenset({Scope.ADMIN}),
}

ROLE_LABELS: dict[Role, str] = {
    Role.DIRECTOR: "Direction d'établissement",
    Role.TEAM: "Équipe",
    Role.ARS: "ARS",
    Role.ADMIN: "Administration",
}


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    email: str
    role: Role
    finess: list[str]
    regions: list[str]
    locked_until: dt.datetime | None


def user_info(user: WebUser) -> UserInfo:
    return UserInfo(
        id=user.id,
        email=user.email,
        role=Role(user.role),
        finess=list(user.finess),
        regions=list(user.regions),
        locked_until=user.locked_until,
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters",
            errors=[{"location": "password", "message": "too short"}],
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidRequest(
            f"a password has at most {MAX_PASSWORD_LENGTH} characters",
            errors=[{"location": "password", "message": "too long"}],
        )


def create_user(
    session: Session,
    *,
    email: str,
    role: Role,
    password: str,
    finess: Sequence[str] = (),
    regions: Sequence[str] = (),
    all_regions: bool = False,
) -> UserInfo:
    """A new user; the binding is checked as a key's would be (422 naming the field)."""
    email = normalise_email(email)
    if not _EMAIL.match(email):
        raise InvalidRequest(
            f"not an e-mail address: {email!r}",
            errors=[{"location": "email", "message": "not an e-mail address"}],
        )
    for code in finess:
        if not _FINESS.match(code):
            raise InvalidRequest(
                f"not a FINESS number: {code!r}",
                errors=[{"location": "finess", "message": "9 characters"}],
            )
    for code in regions:
        if code not in REGIONS:
            raise InvalidRequest(
                f"unknown region code {code!r}",
                errors=[{"location": "region", "message": "not an INSEE region code"}],
            )
    if role in (Role.DIRECTOR, Role.TEAM) and not finess:
        raise InvalidRequest(
            f"a {role.value} user belongs to establishments: give --finess",
            errors=[{"location": "finess", "message": "required for this role"}],
        )
    check_binding(ROLE_SCOPES[role], finess=finess, regions=regions, all_regions=all_regions)
    _check_password(password)
    repository = UserRepository(session)
    if repository.by_email(email) is not None:
        raise Conflict(f"a user with e-mail {email} exists already")
    user = repository.add(
        WebUser(
            email=email,
            role=role.value,
            password_hash=_hasher.hash(password),
            finess=sorted(set(finess)),
            regions=sorted(set(regions)),
            failed_logins=0,
        )
    )
    return user_info(user)


def reset_password(session: Session, email: str, password: str) -> UserInfo:
    """A new password set by an admin: the lockout is lifted, every session of the user
    ends."""
    _check_password(password)
    user = UserRepository(session).by_email(normalise_email(email))
    if user is None:
        raise NotFound(f"no user with e-mail {normalise_email(email)}")
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = utc_now()
    user.failed_logins = 0
    user.locked_until = None
    WebSessionRepository(session).delete_of_user(user.id)
    session.flush()
    return user_info(user)


def list_users(session: Session) -> list[UserInfo]:
    return [user_info(user) for user in UserRepository(session).list_all()]


def principal_of(user: WebUser | UserInfo) -> Principal:
    """The principal of a user: its role's scopes and its binding, as a key's."""
    role = Role(user.role)
    return Principal(
        client_id=0,
        name=f"user {user.email}",
        scopes=ROLE_SCOPES[role],
        finess=frozenset(user.finess),
        regions=frozenset(user.regions),
        user_id=user.id,
    )


class LoginOutcome(enum.Enum):
    OK = "ok"
    REFUSED = "refused"  # unknown e-mail or wrong password: one answer for both
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: LoginOutcome
    user: UserInfo | None = None


def verify_password(
    session: Session, email: str, password: str, *, now: dt.datetime | None = None
) -> LoginResult:
    """Check an e-mail and password; failures are counted on the account (written in the
    caller's unit of work) and lock it for ``LOCKOUT`` after ``MAX_FAILURES`` in a row."""
    now = now or utc_now()
    user = UserRepository(session).by_email(normalise_email(email))
    if user is None or len(password) > MAX_PASSWORD_LENGTH:
        _hasher.verify(password[:MAX_PASSWORD_LENGTH], _DUMMY_HASH)
        return LoginResult(LoginOutcome.REFUSED)
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(LoginOutcome.LOCKED)
    valid, updated = _hasher.verify_and_update(password, user.password_hash)
    if not valid:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            session.flush()
            return LoginResult(LoginOutcome.LOCKED)
        session.flush()
        return LoginResult(LoginOutcome.REFUSED)
    if updated is not None:
        user.password_hash = updated
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return LoginResult(LoginOutcome.OK, user_info(user))
