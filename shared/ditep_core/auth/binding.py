"""Which keys may exist: least privilege, checked when a key is created or rotated.

- An **establishment key** (``feeds:write``, ``activity:read``, ``activity:transmit``) is
  bound to FINESS numbers, or reaches every establishment only when that is said explicitly
  (``all_establishments``, CLI ``--all-establishments``). It is never bound to a region
  or a department: those are ARS keys, aggregate-only.
- An **ARS key** (``ars:read``) is bound to regions or departments, or reads every
  region only when that is said explicitly (``all_regions``, CLI ``--all-regions``). It
  is never bound to establishments (such a key would see no area).
- An **admin key** reaches everything when unbound, or administers the establishments
  it is bound to (``--finess``); never an area.

``ditep_core.auth.access`` applies the same rules when a key is used, so a key created
before them (e.g. a region key with ``activity:read``) is refused on establishment
routes all the same.
"""

from __future__ import annotations

from collections.abc import Collection

from ditep_core.nomenclatures import Scope
from ditep_core.web.problems import InvalidRequest

ESTABLISHMENT_SCOPES = frozenset(Scope) - {Scope.ARS_READ, Scope.ADMIN}


def check_binding(
    scopes: Collection[Scope],
    *,
    finess: Collection[str] = (),
    regions: Collection[str] = (),
    departments: Collection[str] = (),
    all_establishments: bool = False,
    all_regions: bool = False,
) -> None:
    """Refuse (422 problem) a key whose scopes and binding do not fit the rules above."""
    scopes = set(scopes)
    areas = bool(regions or departments)
    if not scopes:
        raise InvalidRequest("a key needs at least one scope")
    if finess and all_establishments:
        raise InvalidRequest("give FINESS numbers or --all-establishments, not both")
    if areas and all_regions:
        raise InvalidRequest("give regions/departments or --all-regions, not both")
    if Scope.ADMIN in scopes:
        if areas:
            raise InvalidRequest(
                "an admin key is not bound to a region or a department: unbound, it reaches "
                "everything; bound to FINESS numbers, those establishments"
            )
        return
    establishment_scopes = sorted(scope.value for scope in scopes & ESTABLISHMENT_SCOPES)
    if establishment_scopes and areas:
        raise InvalidRequest(
            "a key bound to a region or a department is an ARS key: aggregates only "
            f"(ars:read); it cannot carry {', '.join(establishment_scopes)}. Create a key "
            "bound to each establishment (--finess) for establishment-level data"
        )
    if establishment_scopes and not finess and not all_establishments:
        raise InvalidRequest(
            f"a key with {', '.join(establishment_scopes)} is bound to establishments: give "
            "--finess (repeatable), or --all-establishments to reach every establishment"
        )
    if not establishment_scopes and all_establishments:
        raise InvalidRequest(
            "--all-establishments is for keys with feeds:write, activity:read or activity:transmit"
        )
    if Scope.ARS_READ in scopes:
        if finess:
            raise InvalidRequest(
                "an ars:read key is bound to regions or departments (--region, --department), "
                "not to establishments: create a separate key for the establishments"
            )
        if not areas and not all_regions:
            raise InvalidRequest(
                "an ars:read key is bound to regions or departments: give --region or "
                "--department (repeatable), or --all-regions to read every region"
            )
    elif all_regions:
        raise InvalidRequest("--all-regions is for ars:read keys")


def describe_binding(
    scopes: Collection[str],
    finess: Collection[str],
    regions: Collection[str],
    departments: Collection[str],
) -> str:
    """What a key reaches, in words (``ditep keys list``, ``GET /v1/keys``)."""
    if Scope.ADMIN.value in scopes and not (finess or regions or departments):
        return "everything (admin)"
    parts: list[str] = []
    if finess:
        parts.append("FINESS " + " ".join(sorted(finess)))
    if regions:
        parts.append("regions " + " ".join(sorted(regions)))
    if departments:
        parts.append("departments " + " ".join(sorted(departments)))
    if parts:
        return "; ".join(parts)
    reaches = []
    if set(scopes) & {scope.value for scope in ESTABLISHMENT_SCOPES}:
        reaches.append("all establishments")
    if Scope.ARS_READ.value in scopes:
        reaches.append("all regions")
    return " and ".join(reaches) or "nothing"
