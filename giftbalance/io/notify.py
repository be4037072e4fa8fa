"""Sending a message to notification services through Apprise (``giftbalance notify``).

One URL per service, in Apprise's syntax (``mailtos://``, ``ntfys://``, ``gotify://``,
``matrixs://``, ``tgram://``, ``discord://``, ``json://``, ...: docs/reminders.md has
examples). Each URL is sent to on its own, so a failure names the service that failed and
why, and the others are still tried. Email services get the message as HTML (with its inline
chart, and the chart as a PNG attachment for mail programs that do not show inline SVG)
beside the plain text Apprise derives from it; every other service gets the plain text.

URLs hold passwords and tokens: they never appear in output or errors, only their scheme and
position (:func:`giftbalance.storage.notify_urls.mask`), and what Apprise logs about a
failure is scrubbed of every part of the URL before it is shown. Apprise is imported here
only, when something is sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from giftbalance.errors import InputError
from giftbalance.storage.notify_urls import mask

#: Services that take a whole HTML message (email, and the mail-sending APIs).
EMAIL_SCHEMES = frozenset(
    {"mailto", "mailtos", "ses", "sendgrid", "mailgun", "sparkpost", "o365", "azure", "resend"}
)
#: A reason longer than this is cut (the services' errors can be whole HTML pages).
MAX_REASON = 300


@dataclass(frozen=True, slots=True)
class Message:
    """What to send: a title, the plain text, and optionally HTML for email services."""

    title: str
    text: str
    html: str | None = None
    #: Files attached where the HTML is sent (the chart as PNG).
    attachments: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True)
class Delivery:
    """How sending to one URL went."""

    #: 1 for the first URL given.
    position: int
    #: The masked URL (``mailtos://…``).
    shown: str
    #: Apprise's name for the service (``E-Mail``, ``ntfy``, ``JSON``).
    service: str
    ok: bool
    #: Why it failed (empty when it worked), scrubbed of the URL.
    reason: str = ""
    #: Whether the HTML form was sent.
    html: bool = False

    def where(self) -> str:
        """``notify URL 2 (ntfys://…, ntfy)``."""
        return f"notify URL {self.position} ({self.shown}, {self.service})"


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _asset() -> Any:
    import apprise

    # Nothing written to disk by Apprise itself (no persistent cache).
    return apprise.AppriseAsset(storage_mode="memory")


def check(urls: Sequence[str]) -> list[Any]:
    """Each URL as an Apprise service object, in order; raises :class:`InputError` (nothing
    is sent then) for one Apprise does not understand, naming its position and scheme."""
    import apprise

    if not urls:
        raise InputError(
            "no notification URL: give one (giftbalance notify URL --report) or store them "
            "with giftbalance config set notify_urls 'URL ...'"
        )
    services = []
    asset = _asset()
    with _apprise_logs() as _:
        for position, url in enumerate(urls, start=1):
            service = apprise.Apprise.instantiate(url, asset=asset)
            if service is None:
                raise InputError(
                    f"notify URL {position} ({mask(url)}) is not a notification URL Apprise "
                    "understands (examples: giftbalance notify --help, and docs/reminders.md)"
                )
            services.append(service)
    return services


class _Collect(logging.Handler):
    """Apprise's warnings and errors, and the socket errors it logs only for debugging
    (``[Errno 111] Connection refused``), which say best why a service was not reached."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # pragma: no cover - a malformed log call
            text = str(record.msg)
        if record.levelno >= logging.WARNING:
            self.messages.append(text)
        elif text.startswith("Socket Exception"):
            cause = re.search(r"\[Errno -?\d+\][^\"')\]]*", text)
            self.messages.append(cause.group(0).strip() if cause else text)


@contextmanager
def _apprise_logs() -> Iterator[_Collect]:
    """Collect what Apprise logs instead of letting it reach stderr."""
    logger = logging.getLogger("apprise")
    collect = _Collect()
    saved = logger.propagate, logger.level
    logger.addHandler(collect)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        yield collect
    finally:
        logger.removeHandler(collect)
        logger.propagate, level = saved
        logger.setLevel(level)


def secrets_of(url: str) -> list[str]:
    """Every part of ``url`` that may be secret (user, password, host, path segments, query
    values), longest first, so :func:`scrub` can take them out of a message."""
    parts: set[str] = set()
    rest = url.split("://", 1)[1] if "://" in url else url
    parts.add(rest)
    try:
        split = urlsplit(url)
        pieces = [split.netloc, split.username or "", split.password or "", split.hostname or ""]
        pieces += split.path.split("/")
        pieces += [value for _, value in parse_qsl(split.query, keep_blank_values=True)]
    except ValueError:
        pieces = re.split(r"[/@:?&=#]+", rest)
    for piece in pieces:
        for form in (piece, unquote(piece)):
            if len(form) >= 4:
                parts.add(form)
    return sorted(parts, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` with every secret-looking part of ``url`` replaced by ``…``, on one line."""
    for secret in secrets_of(url):
        text = text.replace(secret, "…")
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def send(urls: Sequence[str], message: Message) -> list[Delivery]:
    """Send ``message`` to each URL (checked first by :func:`check`); one
    :class:`Delivery` per URL, in order. Never raises for a service that fails."""
    import apprise

    services = check(urls)
    attach = None
    if message.html is not None and message.attachments:
        attach = apprise.AppriseAttachment(asset=_asset())
        for path in message.attachments:
            attach.add(str(path))
    results = []
    for position, (url, service) in enumerate(zip(urls, services, strict=True), start=1):
        html_body = message.html if _scheme(url) in EMAIL_SCHEMES else None
        html = html_body is not None
        sender = apprise.Apprise(asset=_asset())
        sender.add(service)
        name = str(getattr(service, "service_name", "") or _scheme(url))
        with _apprise_logs() as logs:
            try:
                ok = bool(
                    sender.notify(
                        body=html_body if html_body is not None else message.text,
                        title=message.title,
                        body_format=apprise.NotifyFormat.HTML
                        if html
                        else apprise.NotifyFormat.TEXT,
                        attach=attach if html else None,
                    )
                )
                problem = "; ".join(dict.fromkeys(logs.messages))
            except Exception as exc:  # a service plug-in that raises instead of logging
                ok, problem = False, f"{type(exc).__name__}: {exc}"
        reason = "" if ok else scrub(problem or "the service did not accept the message", url)
        results.append(Delivery(position, mask(url), name, ok, reason, html))
    return results
