"""Everything derived from the deployment secret that protects health data."""

from __future__ import annotations

from dataclasses import dataclass

from ditep_core.payloads import PayloadVault
from ditep_core.pseudonyms import Pseudonymiser
from ditep_core.settings import Settings


@dataclass(frozen=True, slots=True)
class DataProtection:
    pseudonymiser: Pseudonymiser
    vault: PayloadVault

    @classmethod
    def from_secret(cls, secret: str) -> DataProtection:
        return cls(pseudonymiser=Pseudonymiser(secret), vault=PayloadVault(secret))

    @classmethod
    def from_settings(cls, settings: Settings) -> DataProtection:
        return cls.from_secret(settings.pseudonym_secret.get_secret_value())
