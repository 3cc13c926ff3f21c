"""The pages: HTTP only; the content comes from ``ui.service``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from activity_api.downloads.responses import (
    activity_csv,
    activity_filename,
    activity_xlsx,
    results_download,
)
from activity_api.downloads.responses import area_download as area_table_download
from activity_api.downloads.responses import (
    national_results_download as national_download,
)
from activity_api.ui import login
from activity_api.ui.ingest import IngestClient, IngestUnavailable
from activity_api.ui.login import CSRF_REFUSED
from activity_api.ui.rendering import (
    STATIC_DIRECTORY,
    STATIC_URL,
    CurrentUser,
    UiError,
    UiRoute,
    page,
    redirect,
)
from activity_api.ui.service import (
    ReviewTarget,
    area_download,
    area_view,
    department_results_download,
    establishment_download,
    establishment_view,
    home,
    national_results_download,
    quarter_view,
    review_filters,
    review_target,
    review_view,
    transmit_quarter,
)
from activity_api.users.sessions import SignedIn, same_token
from ditep_core.nomenclatures import Activity, Nature, Setting
from ditep_core.web.dependencies import DbSession, get_database
from ditep_core.web.parameters import AREA_CODES, DEPARTMENT_PATTERN
from ditep_core.web.tabular import CSV_MEDIA_TYPE, download_response

router = APIRouter(prefix="/ui", include_in_schema=False, route_class=UiRoute)

PeriodInput = Annotated[str | None, Query(max_length=64)]
_GROUP = re.compile(r"^[0-9a-f]{16}$")
FinessPath = Annotated[str, Path(pattern=r"^[0-9]{2}[0-9AB][0-9]{6}$")]
DepartmentPath = Annotated[str, Path(pattern=DEPARTMENT_PATTERN)]


@router.get("/")
def ui_home(signed_in: CurrentUser) -> RedirectResponse:
    return redirect(home(signed_in.principal))


@router.get("/establishments/{finess}")
def establishment_page(
    request: Request,
    session: DbSession,
    signed_in: CurrentUser,
    finess: FinessPath,
    period: PeriodInput = None,
) -> HTMLResponse:
    view = establishment_view(session, signed_in.principal, finess, period)
    return page(request, "establishment.html", {"view": view}, signed_in=signed_in)


@router.get("/national")
def national_page(
    request: Request, session: DbSession, signed_in: CurrentUser, period: PeriodInput = None
) -> HTMLResponse:
    view = area_view(session, signed_in.principal, "national", None, period)
    return page(request, "area.html", {"view": view}, signed_in=signed_in)


@router.get("/establishments/{finess}/quarters/{period}")
def quarter_page(
    request: Request,
    session: DbSession,
    signed_in: CurrentUser,
    finess: FinessPath,
    period: Annotated[str, Path(max_length=16)],
    transmis: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> HTMLResponse:
    view = quarter_view(session, signed_in.principal, finess, period)
    message = f"Version {transmis} transmise à l'ARS." if transmis else ""
    return page(request, "quarter.html", {"view": view, "message": message}, signed_in=signed_in)


@router.post("/establishments/{finess}/quarters/{period}/transmit")
def transmit_page(
    session: DbSession,
    signed_in: CurrentUser,
    finess: FinessPath,
    period: Annotated[str, Path(max_length=16)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    if not same_token(signed_in.csrf_token, csrf_token):
        raise UiError(403, CSRF_REFUSED, title="Formulaire refusé")
    version = transmit_quarter(
        session,
        signed_in.principal,
        finess,
        period,
        confirmed=confirm == "yes",
        reason=reason.strip() or None,
    )
    return redirect(f"/ui/establishments/{finess}/quarters/{period}?transmis={version}")


DownloadFormat = Annotated[str, Path(pattern=r"^(xlsx|csv)$")]
DownloadPeriod = Annotated[str, Query(max_length=64)]


@router.get("/establishments/{finess}/downloads/activity.{output}")
def establishment_download_page(
    session: DbSession,
    signed_in: CurrentUser,
    finess: FinessPath,
    output: DownloadFormat,
    period: DownloadPeriod,
) -> Response:
    """The establishment's workbook or CSV for a period: what
    ``GET /v1/establishments/{finess}/activity?format=xlsx|csv`` answers a key."""
    report, indicators = establishment_download(
        session, signed_in.principal, finess, period, workbook=output == "xlsx"
    )
    if output == "xlsx":
        return activity_xlsx(report, indicators)
    return download_response(
        activity_csv(report, "comma"),
        media_type=CSV_MEDIA_TYPE,
        filename=activity_filename(report, "csv"),
    )


def _add_area_routes(kind: str, segment: str, code_path: Any) -> None:
    """A region's or a department's page and table download, written once for both kinds."""

    @router.get(f"/{segment}/{{code}}", name=f"{kind}_page")
    def area_page(
        request: Request,
        session: DbSession,
        signed_in: CurrentUser,
        *,
        code: str = code_path,
        period: PeriodInput = None,
    ) -> HTMLResponse:
        view = area_view(session, signed_in.principal, kind, code, period)
        return page(request, "area.html", {"view": view}, signed_in=signed_in)

    @router.get(f"/{segment}/{{code}}/downloads/activity.{{output}}", name=f"{kind}_download_page")
    def area_download_page(
        session: DbSession,
        signed_in: CurrentUser,
        *,
        code: str = code_path,
        output: DownloadFormat,
        period: DownloadPeriod,
    ) -> Response:
        """The area's table under secrecy: what ``GET /v1/{segment}/{code}/activity``
        answers."""
        report, indicators = area_download(
            session, signed_in.principal, kind, code, period, workbook=output == "xlsx"
        )
        return area_table_download(report, output, "comma", indicators)


for _kind, (_segment, _code) in AREA_CODES.items():
    _add_area_routes(_kind, _segment, _code)


@router.get("/departments/{code}/downloads/results.{output}")
def department_results_page(
    session: DbSession,
    signed_in: CurrentUser,
    code: DepartmentPath,
    output: DownloadFormat,
    period: DownloadPeriod,
) -> Response:
    """The department's transmitted results of a quarter: what
    ``GET /v1/departments/{code}/results?format=xlsx|csv`` answers."""
    results = department_results_download(session, signed_in.principal, code, period)
    return results_download(results, output, "comma")


@router.get("/national/downloads/results.{output}")
def national_results_page(
    session: DbSession, signed_in: CurrentUser, output: DownloadFormat, period: DownloadPeriod
) -> Response:
    """The national transmitted results of a quarter: what
    ``GET /v1/national/results?format=xlsx|csv`` answers."""
    results = national_results_download(session, signed_in.principal, period)
    return national_download(results, output, "comma")


def ingest_client(request: Request) -> IngestClient:
    client: IngestClient = request.app.state.ingest_client
    return client


async def _review_target(request: Request, signed_in: SignedIn, finess: str) -> ReviewTarget:
    """The user's access, in a short read transaction of its own, closed before any call to
    agenda-ingest (no network I/O inside a transaction)."""

    def check() -> ReviewTarget:
        with get_database(request).unit_of_work() as session:
            return review_target(session, signed_in.principal, finess)

    return await run_in_threadpool(check)


@router.get("/establishments/{finess}/review")
async def review_page(
    request: Request,
    signed_in: CurrentUser,
    finess: FinessPath,
    source: Annotated[str | None, Query(max_length=12)] = None,
    week: Annotated[str | None, Query(max_length=10)] = None,
    classees: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
) -> HTMLResponse:
    chosen_source, chosen_week = review_filters(source, week)
    target = await _review_target(request, signed_in, finess)
    try:
        queue = await ingest_client(request).queue(finess)
    except IngestUnavailable as error:
        raise UiError(error.status, error.message) from error
    view = review_view(target, queue, chosen_source, chosen_week)
    message = f"{classees} séance(s) classée(s) ; les décomptes suivent." if classees else ""
    return page(request, "review.html", {"view": view, "message": message}, signed_in=signed_in)


@router.post("/establishments/{finess}/review")
async def review_classify(
    request: Request,
    signed_in: CurrentUser,
    finess: FinessPath,
    activity: Annotated[Activity, Form()],
    setting: Annotated[Setting, Form()],
    nature: Annotated[Nature, Form()],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    groups: Annotated[list[str], Form(max_length=500)] = [],  # noqa: B006
    source: Annotated[str, Form(max_length=12)] = "",
    week: Annotated[str, Form(max_length=10)] = "",
) -> RedirectResponse:
    """Set the activity, setting and nature of the groups ticked, through agenda-ingest's
    manual classification (the counts follow: it marks their weeks out of date)."""
    if not same_token(signed_in.csrf_token, csrf_token):
        raise UiError(403, CSRF_REFUSED, title="Formulaire refusé")
    chosen_source, chosen_week = review_filters(source, week)
    if activity is Activity.UNCLASSIFIED:
        raise UiError(400, "Choisissez une activité.")
    if not groups or any(not _GROUP.match(group) for group in groups):
        raise UiError(400, "Cochez au moins un groupe de séances à classer.")
    await _review_target(request, signed_in, finess)
    try:
        count = await ingest_client(request).classify(
            finess, list(dict.fromkeys(groups)), activity, setting, nature
        )
    except IngestUnavailable as error:
        raise UiError(error.status, error.message) from error
    filters = (f"&source={chosen_source}" if chosen_source is not None else "") + (
        f"&week={chosen_week}" if chosen_week else ""
    )
    return redirect(f"/ui/establishments/{finess}/review?classees={count}{filters}")


@router.get("/{rest:path}")
def unknown_page(rest: str) -> HTMLResponse:
    """Any other address under /ui/: a French 404 page (not problem+json)."""
    raise UiError(404, "Cette page n'existe pas.")


def install_ui(app: FastAPI) -> None:
    """The web app on an activity-api: sign-in, pages, and the style sheet."""
    # The style sheet first: the pages' router ends with a catch-all 404 page.
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIRECTORY), name="ui-static")
    app.state.ingest_client = IngestClient.from_settings(app.state.settings)
    app.include_router(login.router)
    app.include_router(router)
