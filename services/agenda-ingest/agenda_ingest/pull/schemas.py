"""Response body of the pull route."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agenda_ingest.feeds.schemas import ImportResult
from agenda_ingest.pull.service import PullOutcome, PullStatus


class PullResult(BaseModel):
    source_id: int
    status: PullStatus = Field(
        description="fetched (ingested), not_modified (HTTP 304: nothing changed) or failed"
    )
    error: str | None = Field(default=None, description="Why the pull failed (no secret in it)")
    attempts: int = Field(description="HTTP attempts made (retries on timeouts and 5xx)")
    import_result: ImportResult | None = Field(
        default=None, description="The import made from the fetched feed, if one was"
    )
    full: bool | None = Field(
        default=None,
        description=(
            "FHIR: whether the pull was a full one, a snapshot that deletes what the server "
            "no longer has (recherche complète), or an increment; null for iCal"
        ),
    )
    full_reason: str | None = Field(
        default=None, description="FHIR: why the pull was a full one (first pull, history…)"
    )

    @classmethod
    def from_outcome(cls, outcome: PullOutcome) -> PullResult:
        imported = outcome.imported
        return cls(
            source_id=outcome.source_id,
            status=outcome.status,
            error=outcome.error,
            attempts=outcome.attempts,
            full=outcome.full,
            full_reason=outcome.full_reason,
            import_result=(
                None
                if imported is None
                else ImportResult.model_validate(imported, from_attributes=True)
            ),
        )
