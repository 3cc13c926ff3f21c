"""The authenticated caller. What it may reach is decided in ``ditep_core.auth.access``."""

from __future__ import annotations

from dataclasses import dataclass

from ditep_core.nomenclatures import Scope


@dataclass(frozen=True, slots=True)
class Principal:
    client_id: int
    name: str
    scopes: frozenset[Scope]
    finess: frozenset[str]
    regions: frozenset[str]
    departments: frozenset[str] = frozenset()
    user_id: int | None = None
    """A person signed in to the web app (``client_id`` is then 0): the audit log names them."""

    @property
    def is_admin(self) -> bool:
        return Scope.ADMIN in self.scopes

    def has_scope(self, scope: Scope) -> bool:
        return scope in self.scopes or self.is_admin

    @property
    def is_unrestricted(self) -> bool:
        return not self.finess and not self.regions and not self.departments

    @property
    def is_area_bound(self) -> bool:
        """Bound to regions or departments: an ARS key (see ``ditep_core.auth.access``)."""
        return bool(self.regions or self.departments)
