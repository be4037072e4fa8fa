"""``giftbalance serve`` as a real server process, and ``giftbalance member link``.

The server listens on a free loopback port (``--port 0``) and only loopback clients talk to it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from giftbalance.household import signin

URL_LINE = re.compile(r"^(http://127\.0\.0\.1:(\d+))/signin\?token=([A-Za-z0-9_-]{43})$")


@dataclass
class Served:
    """A ``giftbalance serve`` process and everything it has printed so far."""

    process: subprocess.Popen[str]
    base: str
    token: str
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=30)
        return code


def start_serve(*args: str) -> Served:
    """Start ``giftbalance serve --port 0 ARGS`` on this test's database (``GIFTBALANCE_DB``)
    and wait for the owner's sign-in link."""
    process = subprocess.Popen(
        [sys.executable, "-m", "giftbalance", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    found = None
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        found = URL_LINE.match(lines[-1])
        if found:
            break
    if found is None:
        process.kill()
        pytest.fail("serve printed no sign-in link:\n" + "\n".join(lines))
    served = Served(process, found.group(1), found.group(3), lines)

    def drain() -> None:
        assert process.stdout is not None
        for rest in process.stdout:
            served.lines.append(rest.rstrip("\n"))

    threading.Thread(target=drain, daemon=True).start()
    return served


@pytest.fixture
def served(ok: Any, personal: str) -> Iterator[Served]:
    ok("member", "add", "Ann")
    running = start_serve()
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def wait_for_log(served: Served, text: str) -> None:
    import time

    for _ in range(200):
        if text in served.output():
            return
        time.sleep(0.05)
    pytest.fail(f"{text!r} never appeared in:\n{served.output()}")


def test_serve_prints_one_owner_link_and_never_logs_a_secret(served: Served, ok: Any) -> None:
    url_lines = [line for line in served.lines if line.startswith("http://")]
    assert len(url_lines) == 1
    assert "Ctrl-C stops it" in served.output()
    with httpx.Client(base_url=served.base) as browser:
        signed = browser.get(f"/signin?token={served.token}")
        assert signed.status_code == 200
        cookie = browser.cookies["giftbalance_session"]
        assert browser.get("/").status_code == 200
        feed = re.search(r"feed=([0-9a-f]{64})", browser.get("/plan").text)
        assert feed is not None
        assert browser.get(f"/calendar.ics?feed={feed.group(1)}").status_code == 200
        browser.get("/needs?for=Ann")
    wait_for_log(served, "GET /calendar.ics")
    assert served.stop() == 0
    output = served.output()
    # The token is printed once, as the link; the access log shows its path without the query.
    assert output.count(served.token) == 1
    assert '"GET /signin?[query hidden] HTTP/1.1" 200' in output
    assert '"GET /calendar.ics?[query hidden] HTTP/1.1" 200' in output
    for secret in (cookie, feed.group(1)):
        assert secret not in output
    assert "Stopped the household page." in output


def test_a_new_serve_replaces_the_owners_link(served: Served) -> None:
    old = served.token
    served.stop()
    again = start_serve()
    try:
        with httpx.Client(base_url=again.base) as browser:
            assert browser.get(f"/signin?token={old}").status_code == 403
            assert browser.get(f"/signin?token={again.token}").status_code == 200
    finally:
        again.stop()


def test_a_taken_port_is_refused(refused: Any, personal: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        result = refused("serve", "--port", port, match=f"cannot listen on 127.0.0.1:{port}")
    assert "pick another --port" in result.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("giftbalance.example", False),
    ],
)
def test_which_hosts_are_loopback(host: str, loopback: bool) -> None:
    from giftbalance.web.server import is_loopback

    assert is_loopback(host) is loopback


def test_a_network_address_gets_a_warning(
    run: Any, personal: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--host 0.0.0.0`` warns that the page is unencrypted and names the proxy docs. (The test
    listens on loopback all the same: tests never open a port to the network.)"""
    from giftbalance.web import server

    listened: list[tuple[str, int]] = []
    real_listen = server.listen

    def loopback_listen(host: str, port: int) -> socket.socket:
        listened.append((host, port))
        return real_listen("127.0.0.1", 0)

    ran: list[bool] = []
    monkeypatch.setattr(server, "listen", loopback_listen)
    monkeypatch.setattr(server, "run", lambda *args, **kwargs: ran.append(True))
    result = run("serve", "--host", "0.0.0.0", "--port", "8765")
    assert result.exit_code == 0, result.output
    assert listened == [("0.0.0.0", 8765)] and ran == [True]
    assert "Warning: 0.0.0.0 is reachable from the network and the page is not encrypted" in (
        result.stderr
    )
    assert "docs/household-page.md, section 'Behind a TLS reverse proxy'" in result.stderr
    assert "giftbalance config set page_url" in result.stderr
    # The owner's link for this computer uses the loopback address.
    assert re.search(r"^http://127\.0\.0\.1:\d+/signin\?token=", result.stdout, re.MULTILINE)
    quiet = run("serve", "--port", "8765")
    assert "Warning" not in quiet.stderr


def test_the_docs_section_the_warning_names_exists() -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parent.parent / "docs" / "household-page.md"
    assert "## Behind a TLS reverse proxy" in page.read_text(encoding="utf-8")


# -- giftbalance member link ------------------------------------------------------------------


def test_member_link_prints_a_link_once_and_list_never_shows_it(
    ok: Any, sql: Any, personal: str
) -> None:
    ok("member", "add", "Ann")
    result = ok("member", "link", "ann")
    links = [line for line in result.stdout.splitlines() if line.startswith("http")]
    assert len(links) == 1
    found = re.fullmatch(r"http://127\.0\.0\.1:8765/signin\?token=([A-Za-z0-9_-]{43})", links[0])
    assert found is not None
    token = found.group(1)
    assert "Sign-in link for Ann" in result.stdout
    assert "opens on this computer only" in result.stderr
    assert "giftbalance config set page_url" in result.stderr
    # Stored as a hash only; never shown again.
    rows = sql("SELECT role, secret_hash, for_anyone FROM page_links")
    assert rows == [("member", signin.secret_hash(token), False)]
    for listing in (ok("member", "list").stdout, ok("member", "list", "--json").stdout):
        assert token not in listing
        assert signin.secret_hash(token) not in listing


def test_member_link_uses_the_page_url_setting(ok: Any, run: Any) -> None:
    ok("member", "add", "Ann")
    assert ok("config", "set", "page_url", "https://giftbalance.home.example/").stdout == (
        "page_url = https://giftbalance.home.example\n"
    )
    result = ok("member", "link", "Ann", "--for-anyone")
    assert re.search(
        r"^https://giftbalance\.home\.example/signin\?token=[A-Za-z0-9_-]{43}$",
        result.stdout,
        re.MULTILINE,
    )
    assert "they may add needs for any member" in result.stdout
    assert result.stderr == ""
    bad = run("config", "set", "page_url", "giftbalance.home")
    assert bad.exit_code == 2
    assert "is not an address like http://192.168.1.20:8765" in bad.stderr
    assert ok("config", "get", "page_url").stdout == "https://giftbalance.home.example\n"
    assert ok("config", "set", "page_url", "").stdout == "page_url = (none)\n"


def test_a_new_member_link_replaces_the_old_one(ok: Any, sql: Any) -> None:
    ok("member", "add", "Ann")
    ok("member", "link", "Ann")
    ok("member", "link", "Ann")
    assert len(sql("SELECT id FROM page_links")) == 1


def test_member_link_refusals(ok: Any, refused: Any) -> None:
    ok("member", "add", "Ann")
    refused("member", "link", "Zed", match="no member called 'Zed'")
    refused("member", "link", "Ann", "--revoke", match="Ann has no sign-in link to revoke")
    refused(
        "member", "link", "Ann", "--revoke", "--for-anyone", code=2, match="contradict each other"
    )
    ok("member", "link", "Ann")
    ok("member", "link", "Ann", "--revoke")
    refused("member", "link", "Ann", "--revoke", match="has no sign-in link")
