"""The authenticated caller and what it may see."""

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

    @property
    def is_admin(self) -> bool:
        return Scope.ADMIN in self.scopes

    def has_scope(self, scope: Scope) -> bool:
        return scope in self.scopes or self.is_admin

    @property
    def is_unrestricted(self) -> bool:
        return not self.finess and not self.regions and not self.departments

    def may_access(
        self, *, finess: str, region_code: str, department_code: str | None = None
    ) -> bool:
        """Tenancy: a key bound to establishments, regions or departments sees only those."""
        if self.is_unrestricted:
            return True
        return (
            finess in self.finess
            or region_code in self.regions
            or (department_code is not None and department_code in self.departments)
        )

    def may_access_region(self, region_code: str) -> bool:
        """Regional aggregates: unrestricted keys, or keys bound to this region.

        A key bound to establishments only never sees a region's figures, even one
        of its establishments' region: they would include other establishments.
        """
        return self.is_unrestricted or region_code in self.regions

    def may_access_department(self, department_code: str, region_code: str) -> bool:
        """A department's aggregates: its region's keys, or keys bound to the department."""
        return self.may_access_region(region_code) or department_code in self.departments
