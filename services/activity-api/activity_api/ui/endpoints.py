"""The pages: HTTP only; the content comes from ``ui.service``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from activity_api.ui import login
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
    area_view,
    establishment_view,
    home,
    quarter_view,
    transmit_quarter,
)
from activity_api.users.sessions import same_token
from ditep_core.web.dependencies import DbSession

router = APIRouter(prefix="/ui", include_in_schema=False, route_class=UiRoute)

PeriodInput = Annotated[str | None, Query(max_length=64)]
FinessPath = Annotated[str, Path(pattern=r"^[0-9]{2}[0-9AB][0-9]{6}$")]


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


@router.get("/regions/{code}")
def region_page(
    request: Request,
    session: DbSession,
    signed_in: CurrentUser,
    code: Annotated[str, Path(pattern=r"^[0-9]{2}$")],
    period: PeriodInput = None,
) -> HTMLResponse:
    view = area_view(session, signed_in.principal, "region", code, period)
    return page(request, "area.html", {"view": view}, signed_in=signed_in)


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


@router.get("/{rest:path}")
def unknown_page(rest: str) -> HTMLResponse:
    """Any other address under /ui/: a French 404 page (not problem+json)."""
    raise UiError(404, "Cette page n'existe pas.")


def install_ui(app: FastAPI) -> None:
    """The web app on an activity-api: sign-in, pages, and the style sheet."""
    # The style sheet first: the pages' router ends with a catch-all 404 page.
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIRECTORY), name="ui-static")
    app.include_router(login.router)
    app.include_router(router)
