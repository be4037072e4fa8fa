"""The household page in a real browser: Debian's Chromium driven by Playwright, against a real
``giftbalance serve`` process on a loopback port.

A member opens their link on a phone-sized screen (390 px wide), adds a need and sees it; the
owner marks it bought; the member finds it under Bought. Screenshots of every page at phone and
desktop widths go to ``tmp_path/screenshots`` (the test prints the folder). Skipped, with the
reason, only where no Chromium is installed (``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_web_serve import Served, start_serve

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = pytest.mark.slow


def chromium() -> str | None:
    found = os.environ.get("GIFTBALANCE_TEST_CHROMIUM")
    if found:
        return found
    for path in CHROMIUM_PATHS:
        if Path(path).exists():
            return path
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine (install Debian's chromium package)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def server(ok: Any, personal: str) -> Iterator[Served]:
    ok("member", "add", "Sam")
    ok("member", "add", "Alex")
    ok("need", "add", "Coffee beans", "--price", "14.50", "--every", "2 weeks", "--for", "Sam")
    ok("need", "add", "Printer paper", "--price", "8.99", "--qty", "2", "--priority", "high")
    running = start_serve()
    try:
        yield running
    finally:
        running.stop()


def member_link(ok: Any, served: Served, name: str) -> str:
    ok("config", "set", "page_url", served.base)
    lines = [line for line in ok("member", "link", name).stdout.splitlines()]
    return next(line for line in lines if line.startswith("http://"))


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide at {page.url}"


def shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_member_adds_a_need_on_a_phone_and_sees_it_bought(
    browser: Any, server: Served, ok: Any, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"screenshots: {shots}")

    # The member, on a phone.
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    sam = phone.new_page()
    # What the Content-Security-Policy refused, and script errors (there are no scripts).
    errors: list[str] = []
    sam.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    sam.on("pageerror", lambda error: errors.append(str(error)))
    sam.goto(member_link(ok, server, "Sam"))
    sam.wait_for_url(server.base + "/")
    assert "token" not in sam.url
    assert sam.get_by_role("heading", name="Gift balances").is_visible()
    cookie = next(c for c in phone.cookies() if c["name"] == "giftbalance_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    shoot(sam, shots, "phone-home")
    no_sideways_scroll(sam)

    sam.get_by_role("link", name="Needs").click()
    sam.get_by_text("Add a need").click()
    sam.get_by_label("Name").fill("Sketchbook <A4>")
    sam.get_by_label("Price of one unit").fill("nine")
    sam.get_by_role("button", name="Add the need").click()
    # Refused beside the field, the form kept as typed, nothing added.
    assert sam.locator("#e-add-price").inner_text().startswith("not an amount: 'nine'")
    assert sam.get_by_label("Name").input_value() == "Sketchbook <A4>"
    shoot(sam, shots, "phone-needs-error")
    no_sideways_scroll(sam)
    sam.get_by_label("Price of one unit").fill("12.50")
    sam.get_by_label("Quantity").fill("2")
    sam.get_by_role("button", name="Add the need").click()
    assert sam.get_by_role("status").inner_text() == "Need added."
    item = sam.locator("li.need", has_text="Sketchbook <A4>")
    assert item.is_visible()
    assert "for Sam" in item.inner_text() and "added by you" in item.inner_text()
    shoot(sam, shots, "phone-needs")
    no_sideways_scroll(sam)
    need_id = item.get_attribute("id").removeprefix("need-")

    # The owner, at a desktop, records it as bought.
    desk = browser.new_context(viewport=DESKTOP)
    owner = desk.new_page()
    owner.goto(f"{server.base}/signin?token={server.token}")
    owner.wait_for_url(server.base + "/")
    shoot(owner, shots, "desktop-home")
    owner.goto(f"{server.base}/needs/{need_id}")
    shoot(owner, shots, "desktop-need")
    owner.get_by_label("Paid").fill("26.10")
    owner.get_by_role("button", name="Record the purchase").click()
    assert owner.get_by_role("status").inner_text() == "Purchase recorded."
    assert "bought" in owner.get_by_role("heading", level=1).inner_text()
    for path, name in (("/needs", "needs"), ("/plan", "plan"), ("/bought", "bought")):
        owner.goto(server.base + path)
        shoot(owner, shots, f"desktop-{name}")

    # The member sees it under Bought.
    sam.get_by_role("link", name="Bought").click()
    section = sam.locator("section", has=sam.get_by_role("heading", name="Sam"))
    assert "Sketchbook <A4>" in section.inner_text()
    assert "26.10 USD" in section.inner_text()
    shoot(sam, shots, "phone-bought")
    no_sideways_scroll(sam)
    for path, name in (("/", "home-after"), ("/plan", "plan"), (f"/needs/{need_id}", "need")):
        sam.goto(server.base + path)
        shoot(sam, shots, f"phone-{name}")
        no_sideways_scroll(sam)
    sam.goto(server.base + "/report")
    shoot(sam, shots, "phone-report")
    assert errors == [], errors  # nothing refused by the Content-Security-Policy, no script errors

    phone.close()
    desk.close()
    assert len(list(shots.glob("*.png"))) >= 12
    # The ledger agrees with what the page said.
    log = ok("log", "--json").stdout
    assert '"amount": "-26.10"' in log
