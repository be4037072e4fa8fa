"""What every route of the household page shares: who is signed in, the CSRF check, the
security headers, and rendering a template.

Each request runs in a worker thread (:func:`endpoint`): it reads the visitor from the session
cookie in its own short read transaction, then the route opens the one read or write
transaction it needs through :class:`~giftbalance.storage.db.Database`, as a CLI command does,
so a page always shows what the command line wrote before it loaded.
"""

from __future__ import annotations

import hashlib
from base64 import b64encode
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from giftbalance.household import signin
from giftbalance.web.snapshots import Snapshots, Version

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup
    from sqlalchemy.orm import Session

    from giftbalance.storage.db import Database

T = TypeVar("T")

#: The session cookie: HttpOnly, SameSite=Strict, Path=/ (Secure when served over HTTPS).
COOKIE = "giftbalance_session"
#: Every page but the report: no scripts, no frames, styles and images only from this server,
#: forms only to this server.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
#: Pages hold the household's data: no cache may keep them.
NO_STORE = {"Cache-Control": "no-store"}
#: A form never has more fields than this, nor a field more characters (notes included).
MAX_FIELDS = 40
MAX_FIELD_BYTES = 64 * 1024


@cache
def templates() -> Environment:
    """The Jinja2 templates, autoescaping every variable (HTML-escaped unless marked safe)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("giftbalance.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    from giftbalance.web import show

    env.filters.update(show.FILTERS)
    return env


@dataclass
class Page:
    """One request of a signed-in visitor."""

    request: Request
    db: Database
    visitor: signin.Visitor
    #: The CSRF token of this visitor's session (every form posts it back as ``csrf_token``).
    csrf: str
    #: The calendar feed's secret of this session (shown on the Plan page).
    feed: str
    #: The database's data version when the request began (see :mod:`.snapshots`).
    version: Version = ()
    form: FormData | None = None

    @property
    def snapshots(self) -> Snapshots:
        snapshots: Snapshots = self.request.app.state.snapshots
        return snapshots

    def kept(self, name: Hashable, compute: Callable[[Session], T], *, ledger: bool = True) -> T:
        """``compute(session)``, or what it gave for this data version already (with
        ``ledger=False``: for what it reads, which is not the ledger)."""
        return self.snapshots.get(name, self.version, compute, ledger=ledger)

    def field(self, name: str) -> str:
        """A posted form field, ``""`` when missing."""
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else ""

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return render(
            template,
            status=status,
            visitor=self.visitor,
            csrf_token=self.csrf,
            path=self.request.url.path,
            **context,
        )


Handler = Callable[[Page], Response]


def render(template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    html = templates().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def fragment(template: str, **context: Any) -> Markup:
    """Part of a page, rendered (and escaped) on its own so it can be kept and reused."""
    from markupsafe import Markup

    return Markup(templates().get_template(template).render(**context))


def signed_out() -> HTMLResponse:
    """The one answer to anyone not signed in, whatever they asked for (a need that exists or
    not, a page that exists or not): nothing in it depends on the request."""
    return render("signed_out.html", status=403, visitor=None)


def refused(page: Page, message: str, status: int = 403) -> HTMLResponse:
    return page.render("message.html", status=status, title="Not allowed", message=message)


def not_found(page: Page, message: str = "There is no such page.") -> HTMLResponse:
    return page.render("message.html", status=404, title="Not found", message=message)


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see the result with a GET (a reload does not post again)."""
    return RedirectResponse(url, status_code=303, headers=NO_STORE)


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def current_visitor(request: Request) -> tuple[signin.Visitor, str, Version] | None:
    """The signed-in visitor, their cookie's secret and the data version, read in one
    transaction; ``None`` when the browser signs in no one."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        return None
    snapshots: Snapshots = request.app.state.snapshots
    who, version = snapshots.begin(lambda session: signin.visitor(session, secret))
    return (who, secret, version) if who is not None else None


def _handle(
    handler: Handler, owner_only: bool, request: Request, form: FormData | None
) -> Response:
    found = current_visitor(request)
    if found is None:
        return signed_out()
    who, secret, version = found
    page = Page(
        request,
        database(request),
        who,
        csrf=signin.derived(secret, signin.CSRF),
        feed=signin.derived(secret, signin.FEED),
        version=version,
        form=form,
    )
    if form is not None and not signin.same_secret(page.field("csrf_token"), page.csrf):
        return page.render(
            "message.html",
            status=403,
            title="The form has expired",
            message="The form did not carry this browser's security token (it is older than "
            "your sign-in, or came from another site); nothing was changed. Reload the page "
            "and try again.",
        )
    if owner_only and not who.is_owner:
        return refused(page, "Only the household's owner can do that.")
    return handler(page)


def endpoint(
    handler: Handler, *, owner_only: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running ``handler`` for signed-in visitors only (everyone else gets
    :func:`signed_out`); a POST must carry the session's ``csrf_token`` (else 403, nothing
    changed); with ``owner_only``, members get 403."""

    async def run(request: Request) -> Response:
        form = None
        if request.method == "POST":
            form = await request.form(
                max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES
            )
        return await run_in_threadpool(_handle, handler, owner_only, request, form)

    run.__name__ = handler.__name__
    return run


# -- Content-Security-Policy for a document with inline styles (the weekly report) -----------


class _Styles(HTMLParser):
    """Collects the text of every ``<style>`` element and every ``style="..."`` attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.attributes: set[str] = set()
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        if self._in_style:
            self.blocks.append("")
        for name, value in attrs:
            if name == "style" and value is not None:
                self.attributes.add(value)
        if tag in ("script", "iframe", "object", "embed"):
            raise ValueError(f"a <{tag}> in a page that must hold none")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.blocks[-1] += data


def _sha256(text: str) -> str:
    return "'sha256-" + b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


#: More distinct inline styles than this and the report's CSP allows inline styles as such.
MAX_STYLE_HASHES = 100


def csp_for_document(html: str) -> str:
    """A strict CSP for a complete document made elsewhere (the weekly report): no scripts at
    all, and exactly its own inline styles allowed, each by its SHA-256 (style attributes too,
    which is what ``'unsafe-hashes'`` permits; no other inline style can apply)."""
    styles = _Styles()
    styles.feed(html)
    styles.close()
    hashes = sorted({_sha256(block) for block in styles.blocks})
    attribute_hashes = sorted({_sha256(value) for value in styles.attributes})
    style_src = ["'self'", *hashes]
    if len(hashes) + len(attribute_hashes) > MAX_STYLE_HASHES:
        # A header that long would not pass every proxy: allow inline styles instead (scripts
        # stay forbidden; a style cannot run code).
        style_src = ["'self'", "'unsafe-inline'"]
    elif attribute_hashes:
        style_src += ["'unsafe-hashes'", *attribute_hashes]
    return (
        f"default-src 'none'; style-src {' '.join(style_src)}; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


# -- headers on every response ----------------------------------------------------------------


class SecurityHeaders:
    """ASGI middleware: every response gets the security headers, and the default CSP unless
    its route set its own."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Mapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    headers.append((name.lower().encode(), value.encode()))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
