"""The one tenancy check of every route: what an API key may reach.

Three kinds of keys (``ditep_core.auth.binding`` refuses any other at creation, and the
rules below refuse them at use, for keys created before):

- **establishment keys** (``feeds:write``, ``activity:read``, ``activity:transmit``): bound
  to FINESS numbers, or to every establishment when created with
  ``--all-establishments`` (no binding);
- **ARS keys** (``ars:read``): bound to regions or departments, or to every region
  (``--all-regions``). They read the area aggregates only, with statistical secrecy:
  any key bound to a region or a department is refused on every establishment route,
  whatever its scopes;
- **admin keys**: unbound, full access; or bound to FINESS numbers (an establishment's
  administrator: rule sets, reclassification), then restricted to them like any key.

Establishment routes come in three levels (``Level``): figures and settings (any key
of the establishment), free text as typed in agendas (summaries and places: the
establishment's own FINESS-bound keys and admin keys), and per young person detail
(FINESS-bound keys only).

Answers: an area-bound key gets ``403`` on every establishment route before anything
is looked up; an establishment route addressed by FINESS answers ``403`` to a key of
other establishments (known FINESS or not, so it cannot probe); a route addressed by
an id (source, import, session) answers ``404`` with the body of an unknown id when
the id belongs to an establishment the key cannot reach.
"""

from __future__ import annotations

import enum

from ditep_core.auth.principal import Principal
from ditep_core.models import Establishment
from ditep_core.web.problems import Forbidden, NotFound

AREA_KEYS_REFUSED = (
    "this API key is bound to a region or a department (an ARS key): it reads the area "
    "aggregates only (/v1/regions/…, /v1/departments/…), never an establishment's data"
)


class Level(enum.Enum):
    """How close to the young people an establishment route comes."""

    FIGURES = "figures"
    """Counts, settings, rule sets, feeds: any key of the establishment (and admin)."""
    FREE_TEXT = "free_text"
    """Summaries and places as typed in agendas: the establishment's own keys, admin."""
    OWN_DETAIL = "own_detail"
    """Per young person (pseudonymous) detail: keys bound to this FINESS only."""


def may_reach(principal: Principal, finess: str, level: Level = Level.FIGURES) -> bool:
    """Whether this key may reach this establishment's data at this level.

    A key's binding restricts every scope, ``admin`` included: an admin key bound to a
    FINESS (an establishment's administrator: rule sets, reclassification) reaches that
    establishment only, and a key bound to an area no establishment at all.
    """
    if principal.is_area_bound:
        return False
    if level is Level.OWN_DETAIL:
        return finess in principal.finess
    if level is Level.FREE_TEXT:
        return finess in principal.finess or (principal.is_admin and not principal.finess)
    return not principal.finess or finess in principal.finess


def refuse_area_keys(principal: Principal) -> None:
    """403 for a key bound to a region or department, whatever its scopes: aggregates only."""
    if principal.is_area_bound:
        raise Forbidden(AREA_KEYS_REFUSED)


def establishment_by_finess(
    principal: Principal,
    finess: str,
    establishment: Establishment | None,
    level: Level = Level.FIGURES,
) -> Establishment:
    """An establishment route addressed by FINESS (``establishment`` None: unknown)."""
    refuse_area_keys(principal)
    if establishment is None:
        if principal.finess:
            raise Forbidden(f"this API key is not allowed to access establishment {finess}")
        raise NotFound(f"no establishment with FINESS {finess}")
    if not may_reach(principal, establishment.finess, level):
        if level is Level.FIGURES:
            raise Forbidden(f"this API key is not allowed to access establishment {finess}")
        raise Forbidden(_LEVEL_REFUSED[level])
    return establishment


def establishment_by_id(
    principal: Principal,
    what: str,
    establishment: Establishment | None,
    level: Level = Level.FIGURES,
) -> Establishment:
    """A route addressed by an id (``what``: "source 3", "import 12", "session 40").

    Another establishment's id answers exactly as an unknown one: ``404`` "no source 3".
    """
    refuse_area_keys(principal)
    if establishment is None or not may_reach(principal, establishment.finess, Level.FIGURES):
        raise NotFound(f"no {what}")
    if not may_reach(principal, establishment.finess, level):
        raise Forbidden(_LEVEL_REFUSED[level])
    return establishment


def may_read_region(principal: Principal, region_code: str) -> bool:
    """Regional aggregates: unbound keys (all-regions ARS keys, admin keys) and keys bound
    to this region.

    A key bound to establishments never sees a region's figures, even its own region's:
    they would include other establishments.
    """
    if principal.finess:
        return False
    return principal.is_unrestricted or region_code in principal.regions


def may_read_department(principal: Principal, department_code: str, region_code: str) -> bool:
    """A department's aggregates: its region's keys, or keys bound to the department."""
    return may_read_region(principal, region_code) or (
        not principal.finess and department_code in principal.departments
    )


_LEVEL_REFUSED = {
    Level.FREE_TEXT: (
        "session summaries and places as typed in agendas are for the establishment's own "
        "keys (bound to its FINESS) and admin keys only"
    ),
    Level.OWN_DETAIL: "per young person detail is for the establishment's own keys only",
}
