"""Activity routes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from activity_api.activity.schemas import ActivityReport
from activity_api.activity.service import activity_report
from ditep_core.establishments.service import get_accessible_establishment
from ditep_core.web.dependencies import ActivityReader, DbSession

router = APIRouter(prefix="/v1", tags=["activity"])


@router.get(
    "/establishments/{finess}/activity",
    response_model=ActivityReport,
    summary="Activity of one establishment over a period",
    responses={403: {"description": "Key not allowed for this establishment"}},
)
def get_activity(
    session: DbSession,
    principal: ActivityReader,
    finess: Annotated[str, Path(pattern=r"^(?:\d{2}|2A|2B)\d{7}$", description="N° FINESS")],
    start: Annotated[dt.date, Query(description="First day (YYYY-MM-DD), included")],
    end: Annotated[dt.date, Query(description="Last day (YYYY-MM-DD), excluded")],
) -> ActivityReport:
    establishment = get_accessible_establishment(session, principal, finess)
    return activity_report(session, establishment, start, end)
