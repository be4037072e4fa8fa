"""The household page as an ASGI application (Starlette): its routes, the sign-in exchange, the
calendar feed, and the answers for unknown paths.

``create_app(db)`` is all a server needs; ``giftbalance serve`` runs it with uvicorn
(:mod:`giftbalance.web.server`), tests call it in-process.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from giftbalance.household import signin
from giftbalance.web import views
from giftbalance.web.pages import (
    COOKIE,
    NO_STORE,
    SecurityHeaders,
    current_visitor,
    database,
    endpoint,
    render,
    signed_out,
)
from giftbalance.web.snapshots import Snapshots

if TYPE_CHECKING:
    from giftbalance.storage.db import Database


@cache
def _stylesheet() -> bytes:
    return resources.files("giftbalance.web").joinpath("static/site.css").read_bytes()


async def stylesheet(request: Request) -> Response:
    """The one stylesheet (public: it holds nothing of the household's)."""
    return Response(
        _stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


def _sign_in(request: Request) -> Response:
    token = request.query_params.get("token")
    with database(request).write() as session:
        made = signin.sign_in(session, token)
    if made is None:
        return render("signin_failed.html", status=403, visitor=None)
    # A page, not a 303: a SameSite=Strict cookie set during a navigation that started on
    # another site (a chat app) is not sent on that navigation's redirects, so the browser
    # moves on from here by itself (meta refresh), as a same-site navigation.
    response = render("signed_in.html", visitor=made.visitor)
    response.set_cookie(
        COOKIE,
        made.secret,
        max_age=made.max_age,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


async def no_icon(request: Request) -> Response:
    """Browsers ask for ``/favicon.ico`` on their own; there is none."""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})


async def sign_in(request: Request) -> Response:
    """``/signin?token=SECRET``: exchange a sign-in link for a session cookie, then go to
    the Home page (an address without the secret)."""
    return await run_in_threadpool(_sign_in, request)


async def signed_out_page(request: Request) -> Response:
    return render("signed_out.html", status=200, visitor=None)


def _calendar(request: Request) -> Response:
    feed = request.query_params.get("feed")
    snapshots: Snapshots = request.app.state.snapshots
    if feed is not None:
        who, version = snapshots.begin(lambda session: signin.feed_visitor(session, feed))
        allowed = who is not None
    else:
        found = current_visitor(request)
        allowed, version = found is not None, found[2] if found else ()
    if not allowed:
        return signed_out()
    return views.calendar_feed(snapshots, version)


async def calendar(request: Request) -> Response:
    """``/calendar.ics``: for a signed-in browser, or with the ``feed`` secret a calendar app
    subscribes with (shown on the Plan page)."""
    return await run_in_threadpool(_calendar, request)


def _unknown(request: Request, status: int) -> Response:
    found = current_visitor(request)
    if found is None:
        return signed_out()
    title, message = (
        ("Not found", "There is no such page.")
        if status == 404
        else ("Not allowed", "That page does not take this kind of request.")
    )
    return render(
        "message.html",
        status=status,
        visitor=found[0],
        csrf_token=signin.derived(found[1], signin.CSRF),
        path=request.url.path,
        title=title,
        message=message,
    )


async def unknown(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods: the signed-out answer to anyone not signed in (so it tells
    nothing about what exists), else a plain 404 or 405."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return await run_in_threadpool(_unknown, request, status)


async def server_error(request: Request, exc: Exception) -> Response:
    """An unexpected error: a plain page (the server's log has the traceback), never the
    traceback itself."""
    return HTMLResponse(
        "<!DOCTYPE html><title>Error</title><p>Something went wrong; nothing was changed. "
        "The server's log says what.</p>",
        status_code=500,
        headers=NO_STORE,
    )


def create_app(db: Database) -> Starlette:
    """The household page over ``db``: every route opens its own transactions on it."""
    routes = [
        Route("/", endpoint(views.home), methods=["GET"]),
        Route("/spend", endpoint(views.spend, owner_only=True), methods=["POST"]),
        Route("/needs", endpoint(views.needs_list), methods=["GET"]),
        Route("/needs", endpoint(views.need_add), methods=["POST"]),
        Route("/needs/{need_id:int}", endpoint(views.need_page), methods=["GET"]),
        Route("/needs/{need_id:int}/edit", endpoint(views.need_edit), methods=["POST"]),
        Route("/needs/{need_id:int}/remove", endpoint(views.need_remove), methods=["POST"]),
        Route(
            "/needs/{need_id:int}/bought",
            endpoint(views.need_bought, owner_only=True),
            methods=["POST"],
        ),
        Route("/plan", endpoint(views.plan), methods=["GET"]),
        Route("/report", endpoint(views.report), methods=["GET"]),
        Route("/bought", endpoint(views.bought), methods=["GET"]),
        Route("/calendar.ics", calendar, methods=["GET"]),
        Route("/signin", sign_in, methods=["GET"]),
        Route("/signout", endpoint(views.sign_out), methods=["POST"]),
        Route("/signed-out", signed_out_page, methods=["GET"]),
        Route("/static/site.css", stylesheet, methods=["GET"]),
        Route("/favicon.ico", no_icon, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: unknown, 405: unknown, 500: server_error},
    )
    app.state.db = db
    app.state.snapshots = Snapshots(db)
    app.add_middleware(SecurityHeaders)
    return app
