"""``giftbalance notify`` against real servers on loopback, started here: an SMTP server
(aiosmtpd) for email and an HTTP server for Apprise's JSON webhook. Nothing leaves the
machine. Also: the stored notify_urls (private file, masked output), failures that leave the
reminders unsent, and the refusals."""

from __future__ import annotations

import json
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

Run = Callable[..., Result]
TODAY = "2026-12-08"  # 7 days before Family's 100.00 expires


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Mailbox:
    """An SMTP server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = free_port()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}/?from=giftbalance@example.org&to=me@example.org"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


class Webhook:
    """An HTTP server on 127.0.0.1 that records each POST and answers with ``status``."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                hook.posts.append(
                    {"path": self.path, "body": json.loads(self.rfile.read(length) or b"{}")}
                )
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, secret: str = "hook-s3cret-token") -> str:
        return f"json://127.0.0.1:{self.port}/{secret}"


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    hook.thread.start()
    try:
        yield hook
    finally:
        hook.server.shutdown()
        hook.server.server_close()


@pytest.fixture
def family(ok: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Family: 100.00 USD expiring on 2026-12-15 (one reminder due today), 60.00 more, and a
    need in this week's order; reconciled today, so the expiry and the order are the reminders."""
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-12-01")
    ok("account", "add", "Family", "--currency", "USD", "--tax-rate", "8")
    ok("add", "100", "--yes", "--expires", "2026-12-15")
    ok("add", "60", "--yes")
    monkeypatch.setenv("GIFTBALANCE_TODAY", TODAY)
    ok("reconcile", "160", "--yes")
    ok("need", "add", "Rain boots", "--price", "40", "--by", "2026-12-20")


def pending(ok: Run) -> list[dict[str, Any]]:
    """The reminders not delivered yet (listing them with --all delivers nothing)."""
    listed = json.loads(ok("remind", "--all", "--json").stdout)["reminders"]
    return [r for r in listed if not r["sent"]]


# --------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("family")
def test_report_by_email_has_subject_text_and_html_with_the_chart(
    ok: Run, mailbox: Mailbox
) -> None:
    result = ok("notify", mailbox.url(), "--report")
    assert (
        result.stdout == "Sent the report to notify URL 1 (mailto://…, E-Mail) (HTML and text).\n"
    )
    [message] = mailbox.messages
    assert message["Subject"] == "giftbalance: Weekly report: Mon 2026-12-07 to Sun 2026-12-13"
    assert message["To"] == "me@example.org"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert "Family (amazon.com)" in plain and "Rain boots" in plain
    page = html.get_content()
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "Burn-down chart, week of 2026-12-07" in page
    assert "#1 Rain boots" in page and 'data-label="unit price"' in page
    # The chart also as a PNG attachment, for mail programs that do not show inline SVG.
    [png] = [part for part in message.iter_attachments() if part.get_content_type() == "image/png"]
    assert png.get_filename() == "burn-down.png"
    assert png.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    # The plain text part has no chart labels or CSS in it.
    assert "stroke-linejoin" not in plain and "font:" not in plain


@pytest.mark.usefixtures("family")
def test_reminders_to_a_json_webhook_are_sent_once(ok: Run, webhook: Webhook) -> None:
    before = pending(ok)
    assert [r["kind"] for r in before] == ["order", "expiry"]
    result = ok("notify", webhook.url(), "--remind")
    assert result.stdout == "Sent 2 reminders to notify URL 1 (json://…, JSON).\n"
    [post] = webhook.posts
    assert post["path"] == "/hook-s3cret-token"
    assert post["body"]["title"] == "giftbalance: 2 reminders"
    lines = post["body"]["message"].splitlines()
    assert lines == [f"[{r['id']}] {r['text']}" for r in before]
    assert pending(ok) == []
    # Delivered: neither notify nor remind says it again.
    assert ok("notify", webhook.url(), "--remind").stdout == "No reminders to send.\n"
    assert ok("remind").stdout == ""
    assert len(webhook.posts) == 1


@pytest.mark.usefixtures("family")
def test_a_failed_delivery_leaves_the_reminders_unsent(
    ok: Run, run: Run, webhook: Webhook, sql: Callable[..., list[tuple[Any, ...]]]
) -> None:
    webhook.status = 500
    result = run("notify", webhook.url(), "--remind")
    assert result.exit_code == 1
    error = result.stderr
    assert error.startswith("Error: notify URL 1 (json://…, JSON) did not take 2 reminders: ")
    assert len(error.splitlines()) == 1
    # The reminders got their ids (they were in the message), but none is marked sent.
    assert sql("SELECT count(*) FROM reminders WHERE sent_at IS NOT NULL") == [(0,)]
    assert "the reminders stay unsent and go out at the next run" in error
    assert "s3cret" not in result.output
    assert len(pending(ok)) == 2
    # The next run, with the service back, delivers them.
    webhook.status = 200
    ok("notify", webhook.url(), "--remind")
    assert pending(ok) == []
    assert len(webhook.posts) == 2


@pytest.mark.usefixtures("family")
def test_one_service_down_keeps_the_reminders_for_every_service(
    ok: Run, run: Run, webhook: Webhook, mailbox: Mailbox
) -> None:
    down = f"json://127.0.0.1:{free_port()}/other-s3cret"
    result = run("notify", mailbox.url(), down, "--remind")
    assert result.exit_code == 1
    assert result.stdout == "Sent 2 reminders to notify URL 1 (mailto://…, E-Mail).\n"
    assert result.stderr.startswith(
        "Error: notify URL 2 (json://…, JSON) did not take 2 reminders:"
    )
    assert "Connection refused" in result.stderr
    assert "s3cret" not in result.output
    assert len(mailbox.messages) == 1
    assert len(pending(ok)) == 2  # retried at the next run, to both


@pytest.mark.usefixtures("family")
def test_a_crash_during_delivery_marks_nothing(
    ok: Run, run: Run, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    import giftbalance.io.notify as delivery

    def crash(*args: object) -> object:
        raise RuntimeError("the machine went down")

    monkeypatch.setattr(delivery, "send", crash)
    result = run("notify", webhook.url(), "--remind")
    assert result.exit_code == 1 and "the machine went down" in result.stderr
    assert len(pending(ok)) == 2


@pytest.mark.usefixtures("family")
def test_stored_urls_are_private_masked_and_used(
    ok: Run, webhook: Webhook, mailbox: Mailbox, tmp_path: Path
) -> None:
    urls = f"{webhook.url()} {mailbox.url()}"
    result = ok("config", "set", "notify_urls", urls)
    stored = tmp_path / "config" / "notify_urls"
    assert result.stdout == (f"notify_urls = json://… mailto://… (2 URLs in {stored}, mode 0600)\n")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stored.read_text().split() == urls.split()
    assert ok("config", "get", "notify_urls").stdout == "json://… mailto://…\n"
    listed = ok("config", "list").stdout
    assert "notify_urls = json://… mailto://…    # " in listed
    for shown in (result.stdout, listed):
        assert "s3cret" not in shown and "127.0.0.1" not in shown
    out = ok("notify", "--remind", "--report").stdout
    assert "to notify URL 1 (json://…, JSON)" in out and "to notify URL 2 (mailto://…" in out
    assert len(webhook.posts) == 2 and len(mailbox.messages) == 2
    # --quiet: nothing printed when all went well.
    assert ok("notify", "--report", "--quiet").stdout == ""
    assert ok("config", "set", "notify_urls", "").stdout == "notify_urls = (none)\n"
    assert not stored.exists()


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        ([], 2, "say what to send: --report, --remind, or both"),
        (["--remind"], 2, "no notification URL: give one"),
        (["bogus://x/s3cret", "--remind"], 2, "notify URL 1 (bogus://…) is not a notification URL"),
        (["json://127.0.0.1:9/x", "--remind", "--week", "2026-12-01"], 2, "--week goes with"),
        (["json://127.0.0.1:9/x", "--remind", "--days", "x"], 2, "--days takes whole days"),
    ],
)
@pytest.mark.usefixtures("family")
def test_notify_refuses(refused: Callable[..., Result], args: list[str], code: int, match: str):
    result = refused("notify", *args, code=code, match=match)
    assert "s3cret" not in result.output


def test_config_set_refuses_an_unknown_url_and_keeps_the_old_ones(
    ok: Run, refused: Callable[..., Result], tmp_path: Path
) -> None:
    ok("config", "set", "notify_urls", "json://127.0.0.1:9/first")
    result = refused(
        "config", "set", "notify_urls", "json://127.0.0.1:9/x nope://tok3n", code=2, match="URL 2"
    )
    assert "tok3n" not in result.output
    assert (tmp_path / "config" / "notify_urls").read_text() == "json://127.0.0.1:9/first\n"


def test_scrub_takes_every_part_of_the_url_out() -> None:
    from giftbalance.io.notify import scrub
    from giftbalance.storage.notify_urls import mask

    url = "mailtos://me:app%20pass@example.com/?to=you@example.org&smtp=mail.example.com"
    said = "login failed for me at mail.example.com with 'app pass' (to you@example.org)"
    cleaned = scrub(said, url)
    for secret in ("app pass", "mail.example.com", "you@example.org"):
        assert secret not in cleaned
    assert mask(url) == "mailtos://…"
    assert mask("no scheme at all") == "…"
    assert scrub("x" * 1000, url).endswith("…") and len(scrub("x" * 1000, url)) == 300
