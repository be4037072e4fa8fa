"""The household page in-process: every route for every kind of visitor (signed out, member,
owner, revoked), CSRF, escaping, bad input, and the page and the CLI on one database.

Every test runs on SQLite, and on PostgreSQL too when GIFTBALANCE_TEST_PG_URL is set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from web_helpers import Site, csrf_of, post, site_for

from giftbalance.household import signin

GET_PAGES = ["/", "/needs", "/needs/1", "/plan", "/report", "/bought", "/calendar.ics"]
POSTS = ["/needs", "/needs/1/edit", "/needs/1/remove", "/needs/1/bought", "/spend", "/signout"]


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    yield from site_for(db_url)


@pytest.fixture
def household(ok: Any, personal: str) -> None:
    """Personal (100.00 USD), members Ann and Bob, need 1 (Tea, for Ann) added at the CLI."""
    ok("member", "add", "Ann")
    ok("member", "add", "Bob")
    ok("need", "add", "Tea", "--price", "4.50", "--for", "Ann")


def need_form(**fields: str) -> dict[str, str]:
    base = {"name": "", "price": "", "quantity": "1", "priority": "normal", "need_by": ""}
    base |= {"for": "", "every": "", "store": "", "url": "", "note": ""}
    return base | fields


def need_json(ok: Any, need_id: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok("need", "show", str(need_id), "--json").stdout)
    return data


# -- signed out -------------------------------------------------------------------------------


def test_signed_out_gets_one_answer_for_everything(site: Site, household: None) -> None:
    browser = site.browser()
    answers = set()
    paths = [*GET_PAGES, "/needs/999", "/needs/abc", "/no-such-page", "/needs?for=Ann"]
    for path in paths:
        response = browser.get(path)
        assert response.status_code == 403, path
        answers.add(response.text)
    for path in [*POSTS, "/needs/999/edit", "/needs/999/remove", "/add", "/redeem"]:
        response = browser.post(path, data={"name": "x", "price": "1", "csrf_token": "x"})
        assert response.status_code == 403, path
        answers.add(response.text)
    # The same page whatever was asked, existing need or not: nothing leaks.
    assert len(answers) == 1
    text = answers.pop()
    assert "Sign in with your link" in text
    assert "Tea" not in text and "Ann" not in text


def test_signed_out_posts_change_nothing(site: Site, household: None, dump: Any) -> None:
    before = dump()
    browser = site.browser()
    browser.post("/needs", data=need_form(name="Sneaky", price="1"))
    browser.post("/needs/1/remove", data={})
    browser.post("/spend", data={"amount": "5"})
    assert dump() == before


def test_a_cookie_that_signs_in_no_one_is_signed_out(site: Site, household: None) -> None:
    browser = site.browser()
    browser.cookies.set("giftbalance_session", "not-a-session")
    assert "Sign in with your link" in browser.get("/").text


# -- signing in -------------------------------------------------------------------------------


def test_sign_in_sets_a_strict_httponly_cookie_and_leaves_the_token_url(
    site: Site, household: None
) -> None:
    secret = site.owner_secret()
    browser = site.browser()
    response = browser.get(f"/signin?token={secret}")
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("giftbalance_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    # The browser moves on by itself to an address without the token.
    assert '<meta http-equiv="refresh" content="0; url=/">' in response.text
    assert secret not in response.text
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    home = browser.get("/")
    assert home.status_code == 200
    assert "Gift balances" in home.text
    # The cookie is a new secret of its own, not the link's.
    assert secret not in cookie


def test_the_cookie_is_secure_behind_an_https_proxy(site: Site, household: None) -> None:
    from starlette.testclient import TestClient

    browser = TestClient(site.app, base_url="https://giftbalance.example", follow_redirects=False)
    response = browser.get(f"/signin?token={site.owner_secret()}")
    assert "Secure" in response.headers["set-cookie"]


def test_secrets_are_stored_only_as_hashes(site: Site, household: None, dump: Any) -> None:
    secret = site.member_secret("Ann")
    browser = site.signed_in(secret)
    cookie = browser.cookies["giftbalance_session"]
    feed = re.search(r"feed=([0-9a-f]+)", browser.get("/plan").text)
    assert feed is not None
    text = repr(dump())
    for value in (secret, cookie, feed.group(1)):
        assert len(value) >= 32
        assert value not in text
    assert signin.secret_hash(secret) in text
    assert signin.secret_hash(cookie) in text


@pytest.mark.parametrize("token", ["", "nope", "x" * 43, "x" * 500])
def test_a_bad_link_signs_no_one_in(site: Site, household: None, token: str) -> None:
    browser = site.browser()
    response = browser.get(f"/signin?token={token}")
    assert response.status_code == 403
    assert "This sign-in link does not work" in response.text
    assert "set-cookie" not in response.headers
    assert browser.get("/").status_code == 403


def test_a_new_owner_link_replaces_the_old_one_but_keeps_sessions(
    site: Site, household: None
) -> None:
    first = site.owner_secret()
    browser = site.signed_in(first)
    site.owner_secret()  # the next serve
    assert site.browser().get(f"/signin?token={first}").status_code == 403
    assert browser.get("/").status_code == 200


def test_a_link_works_on_several_browsers(site: Site, household: None) -> None:
    secret = site.member_secret("Ann")
    phone, laptop = site.signed_in(secret), site.signed_in(secret)
    assert phone.get("/").status_code == 200
    assert laptop.get("/").status_code == 200
    assert phone.cookies["giftbalance_session"] != laptop.cookies["giftbalance_session"]


def test_revoking_a_link_signs_its_browsers_out(site: Site, household: None, ok: Any) -> None:
    secret = site.member_secret("Ann")
    phone = site.signed_in(secret)
    other = site.member("Bob")
    out = ok("member", "link", "ann", "--revoke").stdout
    assert out == "Revoked Ann's sign-in link; 1 signed-in browser was signed out.\n"
    assert "Sign in with your link" in phone.get("/needs").text
    assert phone.post("/needs", data=need_form(name="x", price="1")).status_code == 403
    assert site.browser().get(f"/signin?token={secret}").status_code == 403
    assert other.get("/").status_code == 200  # Bob's link is untouched


def test_removing_a_member_signs_them_out(site: Site, household: None, ok: Any) -> None:
    phone = site.member("Bob")
    ok("member", "remove", "Bob")
    assert phone.get("/").status_code == 403


def test_sign_out_ends_this_browser_only(site: Site, household: None) -> None:
    secret = site.member_secret("Ann")
    phone, laptop = site.signed_in(secret), site.signed_in(secret)
    response = post(phone, "/signout", {})
    assert response.status_code == 303
    assert phone.get("/").status_code == 403
    assert laptop.get("/").status_code == 200


# -- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "0" * 64, "wrong"])
@pytest.mark.parametrize("path", POSTS)
def test_a_post_without_the_sessions_csrf_token_is_refused(
    site: Site, household: None, dump: Any, path: str, token: str | None
) -> None:
    owner = site.owner()
    before = dump()
    data = need_form(name="Forged", price="1") | {"amount": "5", "units": "1"}
    if token is not None:
        data["csrf_token"] = token
    response = owner.post(path, data=data)
    assert response.status_code == 403
    assert "The form has expired" in response.text
    assert dump() == before
    assert owner.get("/").status_code == 200  # not even signed out


def test_another_sessions_csrf_token_is_refused(site: Site, household: None, dump: Any) -> None:
    owner, other_owner = site.owner(), site.owner()
    foreign = csrf_of(other_owner.get("/").text)
    assert foreign != csrf_of(owner.get("/").text)
    before = dump()
    response = owner.post("/needs", data=need_form(name="x", price="1", csrf_token=foreign))
    assert response.status_code == 403
    assert dump() == before


# -- members ----------------------------------------------------------------------------------


def test_a_member_adds_a_need_for_themselves_and_sees_it(
    site: Site, household: None, ok: Any
) -> None:
    ann = site.member("Ann")
    page = ann.get("/needs").text
    assert 'name="for" type="text" value="Ann" readonly' in page
    response = post(ann, "/needs", need_form(name="Sketchbook", price="12.50", quantity="2"))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/needs?done=added")
    listed = ann.get(response.headers["location"]).text
    assert "Sketchbook" in listed and "Need added." in listed and "added by you" in listed
    need = need_json(ok, 2)
    assert (need["name"], need["unit_price"], need["quantity"], need["for"]) == (
        "Sketchbook",
        "12.50",
        2,
        "Ann",
    )


def test_a_member_may_not_add_for_someone_else(site: Site, household: None, dump: Any) -> None:
    ann = site.member("Ann")
    before = dump()
    response = post(ann, "/needs", need_form(name="Lego", price="30", **{"for": "Bob"}))
    assert response.status_code == 400
    assert "you can add needs only for yourself" in response.text
    assert 'value="Lego"' in response.text  # the form is kept as typed
    assert dump() == before


def test_a_member_allowed_more_adds_for_anyone(site: Site, household: None, ok: Any) -> None:
    ann = site.member("Ann", for_anyone=True)
    assert (
        post(ann, "/needs", need_form(name="Lego", price="30", **{"for": "bob"})).status_code == 303
    )
    assert need_json(ok, 2)["for"] == "Bob"


def test_a_member_edits_and_removes_only_their_own_open_needs(
    site: Site, household: None, ok: Any, dump: Any
) -> None:
    ann = site.member("Ann")
    post(ann, "/needs", need_form(name="Paint", price="3"))
    mine = 2
    page = ann.get(f"/needs/{mine}").text
    assert "Change it" in page and "Remove this need" in page
    response = post(
        ann, f"/needs/{mine}/edit", need_form(name="Paint set", price="3.25", **{"for": "Ann"})
    )
    assert response.status_code == 303
    assert need_json(ok, mine)["name"] == "Paint set"
    assert need_json(ok, mine)["unit_price"] == "3.25"

    # Need 1 was added at the CLI: Ann reads it but may not change it.
    assert "Change it" not in ann.get("/needs/1").text
    before = dump()
    for path in ("/needs/1/edit", "/needs/1/remove"):
        response = post(ann, path, need_form(name="Mine now", price="1"), page="/needs/1")
        assert response.status_code == 403
        assert "only the needs you added" in response.text
    assert dump() == before

    assert post(ann, f"/needs/{mine}/remove", {}).status_code == 303
    assert need_json(ok, mine)["status"] == "removed"
    # Removed: no longer open, so no more changes.
    response = post(ann, f"/needs/{mine}/edit", need_form(name="Back", price="1"), page="/needs")
    assert response.status_code == 400
    assert "is removed; cannot edit it" in response.text


def test_a_member_cannot_buy_or_spend(site: Site, household: None, dump: Any) -> None:
    ann = site.member("Ann")
    assert "Record it as bought" not in ann.get("/needs/1").text
    assert "Record a spend" not in ann.get("/").text
    before = dump()
    assert post(ann, "/needs/1/bought", {}, page="/needs/1").status_code == 403
    assert post(ann, "/spend", {"amount": "5"}).status_code == 403
    assert dump() == before


def test_a_member_reads_everything_else(site: Site, household: None) -> None:
    ann = site.member("Ann")
    for path in GET_PAGES:
        assert ann.get(path).status_code == 200, path


def test_nobody_redeems_or_sees_claim_codes_on_the_page(site: Site, household: None) -> None:
    owner = site.owner()
    for path in ("/add", "/redeem", "/log", "/codes"):
        assert owner.get(path).status_code == 404
        assert post(
            owner, path, {"amount": "25", "code": "ABCD-EFGH-IJKL"}, page="/"
        ).status_code in (
            404,
            405,
        )
    for path in GET_PAGES[:-1]:
        assert "code" not in owner.get(path).text.lower().replace("<code>", "").replace(
            "</code>", ""
        )


# -- the owner --------------------------------------------------------------------------------


def test_the_owner_adds_edits_buys_and_spends(site: Site, household: None, ok: Any) -> None:
    owner = site.owner()
    response = post(
        owner,
        "/needs",
        need_form(name="Filters", price="9.99", priority="high", every="month", **{"for": "Bob"}),
    )
    assert response.status_code == 303
    need = need_json(ok, 2)
    assert (need["priority"], need["every"], need["for"]) == ("high", "FREQ=MONTHLY", "Bob")

    # Edit: change the quantity, clear who it is for.
    values = need_form(
        name="Filters",
        price="9.99",
        quantity="2",
        priority="high",
        every="FREQ=MONTHLY",
        need_by=need["next_date"],
    )
    assert post(owner, "/needs/2/edit", values).status_code == 303
    need = need_json(ok, 2)
    assert (need["quantity"], need["for"]) == (2, None)

    # Bought: the spend and the need's next occurrence in one go.
    response = post(owner, "/needs/1/bought", {"units": "", "paid": "4.75", "date": "2026-11-03"})
    assert response.status_code == 303
    tea = need_json(ok, 1)
    assert tea["status"] == "bought"
    assert tea["purchases"][0]["paid"] == "4.75"
    balance = json.loads(ok("balance", "--json").stdout)["accounts"][0]["balance"]
    assert balance == "95.25"
    assert "Purchase recorded." in owner.get("/needs/1?done=bought").text

    response = post(owner, "/spend", {"amount": "5.25", "date": "", "note": "stamps"})
    assert response.status_code == 303
    log = json.loads(ok("log", "--json").stdout)
    assert (log[-1]["kind"], log[-1]["amount"], log[-1]["note"]) == ("spend", "-5.25", "stamps")


def test_an_edit_that_changes_nothing_writes_nothing(
    site: Site, household: None, dump: Any
) -> None:
    owner = site.owner()
    page = owner.get("/needs/1").text
    before = dump()
    values = need_form(name="Tea", price="4.50", **{"for": "Ann"})
    response = post(owner, "/needs/1/edit", values)
    assert response.status_code == 303
    assert "done=unchanged" in response.headers["location"]
    assert dump() == before
    assert "Tea" in page


def test_buying_more_than_the_balance_is_refused(site: Site, household: None, dump: Any) -> None:
    owner = site.owner()
    before = dump()
    response = post(owner, "/needs/1/bought", {"paid": "500", "units": "", "date": ""})
    assert response.status_code == 400
    assert "the balance of Personal is 100.00 USD; cannot take 500.00 USD from it" in response.text
    assert dump() == before
    response = post(owner, "/spend", {"amount": "500"})
    assert response.status_code == 400
    assert "cannot take 500.00 USD" in response.text
    assert 'value="500"' in response.text
    assert dump() == before


# -- bad input: the CLI's checks and messages, beside the field -------------------------------

BAD_NEEDS = [
    # (form fields, the field that is wrong, the matching CLI arguments)
    ({"name": "  ", "price": "1"}, "name", ["   ", "--price", "1"]),
    ({"name": "X", "price": "abc"}, "price", ["X", "--price", "abc"]),
    ({"name": "X", "price": "1.005"}, "price", ["X", "--price", "1.005"]),
    ({"name": "X", "price": "0"}, "price", ["X", "--price", "0"]),
    ({"name": "X", "price": "1", "priority": "urgent"}, "priority", None),
    ({"name": "X", "price": "1", "quantity": "0"}, "quantity", None),
    ({"name": "X", "price": "1", "quantity": "20000"}, "quantity", None),
    (
        {"name": "X", "price": "1", "need_by": "someday"},
        "need_by",
        ["X", "--price", "1", "--by", "someday"],
    ),
    (
        {"name": "X", "price": "1", "every": "fortnightly-ish"},
        "every",
        ["X", "--price", "1", "--every", "fortnightly-ish"],
    ),
    ({"name": "X", "price": "1", "for": "Zed"}, "for", ["X", "--price", "1", "--for", "Zed"]),
    (
        {"name": "X", "price": "1", "store": "s" * 101},
        "store",
        ["X", "--price", "1", "--store", "s" * 101],
    ),
    (
        {"name": "X", "price": "1", "note": "bell\x07"},
        "note",
        ["X", "--price", "1", "--note", "bell\x07"],
    ),
    ({"name": "X\u202eY", "price": "1"}, "name", ["X\u202eY", "--price", "1"]),
]


@pytest.mark.parametrize(("fields", "field", "cli"), BAD_NEEDS)
def test_bad_input_gets_the_clis_message_beside_the_field(
    site: Site,
    household: None,
    run: Any,
    dump: Any,
    fields: dict[str, str],
    field: str,
    cli: list[str] | None,
) -> None:
    from html import unescape

    from markupsafe import escape

    owner = site.owner()
    before = dump()
    response = post(owner, "/needs", need_form(**fields))
    assert response.status_code == 400
    assert dump() == before
    html = response.text
    error = re.search(rf'<p class="error" id="e-add-{re.escape(field)}">([^<]*)</p>', html)
    assert error is not None, f"no error beside {field}"
    assert re.search(rf'id="f-add-{re.escape(field)}"[^>]*aria-invalid="true"', html)
    if cli is not None:
        result = run("need", "add", *cli)
        assert result.exit_code != 0
        # The same message (click adds which option it was about and where its help is).
        assert unescape(error.group(1)) in result.stderr
    # Everything typed is still there.
    if fields.get("name", "").strip():
        assert f'value="{escape(fields["name"])}"' in html


def test_a_self_only_member_gets_the_same_checks(site: Site, household: None, dump: Any) -> None:
    ann = site.member("Ann")
    before = dump()
    response = post(ann, "/needs", need_form(name="X", price="-3"))
    assert response.status_code == 400
    assert 'id="e-add-price"' in response.text
    assert dump() == before


def test_text_is_escaped_everywhere(site: Site, household: None, ok: Any) -> None:
    owner = site.owner()
    evil = '<script>alert("x")</script>'
    post(
        owner,
        "/needs",
        need_form(
            name=evil, price="1", note='"><img src=x>', url="javascript:alert(1)", store="<b>s</b>"
        ),
    )
    ok("member", "add", "<i>Eve</i>")
    ok("need", "bought", "2", "--paid", "1")
    for path in ("/needs/2", "/needs", "/plan", "/bought", "/", "/report"):
        html = owner.get(path).text
        assert "<script" not in html, path
        assert "<img" not in html and "<i>Eve" not in html and "<b>s</b>" not in html, path
    page = owner.get("/needs/2").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page  # shown, not linked


def test_a_web_address_is_a_link(site: Site, household: None) -> None:
    owner = site.owner()
    post(owner, "/needs", need_form(name="Boots", price="40", url="https://shop.example/boots"))
    assert 'href="https://shop.example/boots"' in owner.get("/needs/2").text


# -- pages and headers ------------------------------------------------------------------------


def test_every_response_has_a_strict_content_security_policy(site: Site, household: None) -> None:
    owner = site.owner()
    for path in [*GET_PAGES, "/no-such-page", "/static/site.css"]:
        response = owner.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp, path
        assert "script-src" not in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    assert site.browser().get("/").headers["content-security-policy"].startswith("default-src")


def test_the_report_is_the_clis_html_with_its_own_styles_allowed(
    site: Site, household: None, ok: Any, tmp_path: Any
) -> None:
    import base64
    import hashlib

    owner = site.owner()
    response = owner.get("/report")
    assert response.status_code == 200
    target = tmp_path / "r.html"
    ok("report", "--format", "html", "--output", str(target))
    assert response.text == target.read_text()
    styles = re.findall(r"<style>(.*?)</style>", response.text, flags=re.DOTALL)
    assert styles
    csp = response.headers["content-security-policy"]
    for style in styles:
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "<script" not in response.text


def test_the_pages_show_what_the_cli_wrote_on_the_next_load(
    site: Site, household: None, ok: Any
) -> None:
    owner = site.owner()
    assert "100.00 USD" in owner.get("/").text
    ok("need", "add", "Umbrella", "--price", "15", "--for", "Bob")
    ok("spend", "10", "--note", "post office")
    assert "Umbrella" in owner.get("/needs").text
    assert "90.00 USD" in owner.get("/").text
    ok("need", "bought", "1")
    bought = owner.get("/bought").text
    assert "Ann" in bought and "Tea" in bought


def test_needs_filter_by_member(site: Site, household: None, ok: Any) -> None:
    ok("need", "add", "Ball", "--price", "3", "--for", "Bob")
    owner = site.owner()
    for_bob = owner.get("/needs?for=bob").text
    assert "Ball" in for_bob and "Tea" not in for_bob
    assert owner.get("/needs?for=Nobody").status_code == 404


def test_home_shows_the_order_reminders_expiry_and_gift_card(
    site: Site, household: None, ok: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-03")
    ok("add", "20", "--yes", "--expires", "2026-11-20", "--date", "2026-11-01")
    ok("add", "30", "--yes", "--expires", "2027-03-01", "--date", "2026-11-01")
    owner = site.owner()
    html = owner.get("/").text
    assert "120.00 USD" not in html  # 100 + 20 + 30
    assert "150.00 USD" in html
    # Within four weeks (as the report's "expiring soon"); the March money is not.
    assert "20.00 USD expires on 2026-11-20" in html
    assert "2027-03-01" not in html
    assert "(week of 2026-11-02)" in html
    assert "This week's order" in html
    assert "#1 Tea" in html
    assert "Sign in to the right account (Personal)" in html
    assert "Gift card: buy an e-gift card of" in html


def test_the_calendar_feed_opens_with_its_secret_only(site: Site, household: None) -> None:
    ann = site.member("Ann")
    plan = ann.get("/plan").text
    found = re.search(r"(http://testserver/calendar\.ics\?feed=[0-9a-f]{64})", plan)
    assert found is not None
    assert "webcal://testserver/calendar.ics?feed=" in plan
    app = site.browser()  # a calendar app: no cookie
    feed = app.get(found.group(1))
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert feed.text.startswith("BEGIN:VCALENDAR")
    assert "Tea" in feed.text.replace("\r\n ", "")
    assert app.get("/calendar.ics?feed=" + "0" * 64).status_code == 403
    assert app.get("/calendar.ics").status_code == 403
    post(ann, "/signout", {})
    assert app.get(found.group(1)).status_code == 403


def test_a_page_with_no_accounts_yet(site: Site, db_url: str) -> None:
    owner = site.owner()
    assert "No account yet" in owner.get("/").text
    for path in GET_PAGES[1:]:
        assert owner.get(path).status_code in (200, 404), path


def test_what_the_page_keeps_follows_every_kind_of_cli_write(
    site: Site, household: None, ok: Any
) -> None:
    """The page keeps plans and lists until the data moves: edits in place (a need, a member,
    an account, a setting) move it as surely as new entries do."""
    owner = site.owner()
    for path in ("/", "/needs", "/plan", "/bought", "/report"):
        owner.get(path)  # keep a copy of each
    ok("need", "edit", "1", "--name", "Green tea", "--price", "5")
    assert "Green tea" in owner.get("/needs").text
    assert "Green tea" in owner.get("/plan").text
    assert "Green tea" in owner.get("/").text
    ok("member", "rename", "Ann", "Annie")
    assert "for Annie" in owner.get("/needs").text
    ok("account", "rename", "Personal", "Family")
    assert "Family" in owner.get("/").text
    ok("need", "bought", "1")
    assert "Green tea" in owner.get("/bought").text
    ok("config", "set", "week_start", "sunday")
    assert "Sun" in owner.get("/report").text.split("</h1>")[0]


@pytest.mark.sqlite_only
def test_a_restored_database_file_is_what_the_page_shows(
    site: Site, household: None, ok: Any, tmp_path: Any
) -> None:
    ok("backup", str(tmp_path / "before.db"))
    owner = site.owner()
    ok("need", "add", "Later", "--price", "1")
    assert "Later" in owner.get("/needs").text
    ok("restore", str(tmp_path / "before.db"), "--yes")
    # The file was replaced under the page: it opens the new one, which never had this session.
    assert owner.get("/needs").status_code == 403
    fresh = site.owner()
    assert "Later" not in fresh.get("/needs").text
    assert "Tea" in fresh.get("/needs").text


def test_what_is_kept_is_never_older_than_the_request(site: Site, household: None) -> None:
    """The rules of :mod:`giftbalance.web.snapshots`: a kept result serves a request only when
    it read at least the data the request began with."""
    from datetime import date

    from giftbalance.web.snapshots import covers

    day, other = date(2026, 11, 3), date(2026, 11, 4)
    assert covers((day, 5, 100, 7), (day, 5, 100, 7))
    assert covers((day, 6, 101, 7), (day, 5, 100, 7))
    assert covers((day, 5, 100, 7), (day, 5, None, None))
    assert not covers((day, 5, 99, 7), (day, 5, 100, 7))
    assert not covers((day, 4, 200, 9), (day, 5, 100, 7))
    assert not covers((other, 9, 999, 9), (day, 5, 100, 7))
    assert not covers((day, 5, 100), (day, 5, 100, 7))

    snapshots = site.app.state.snapshots
    calls: list[int] = []
    _, version = snapshots.begin(lambda session: None)
    first = snapshots.get("probe", version, lambda session: calls.append(1) or len(calls))
    again = snapshots.get("probe", version, lambda session: calls.append(1) or len(calls))
    assert (first, again, len(calls)) == (1, 1, 1)
    ahead = (*version[:2], (version[2] or 0) + 1, version[3])
    assert snapshots.get("probe", ahead, lambda session: calls.append(1) or len(calls)) == 2


def test_the_page_and_the_cli_write_at_the_same_time(site: Site, household: None, ok: Any) -> None:
    """Forms posted on the page while CLI processes spend: every write lands, none is lost.
    (The CLI runs as real processes, started, not forked: the page's threads are running.)"""
    import os
    import subprocess
    import sys
    import threading

    owner = site.owner()
    token = csrf_of(owner.get("/needs").text)
    answers: list[int] = []

    def post_needs() -> None:
        for k in range(10):
            form = need_form(name=f"Page need {k}", price="1", csrf_token=token)
            answers.append(owner.post("/needs", data=form).status_code)

    poster = threading.Thread(target=post_needs)
    spends = [
        subprocess.Popen(
            [sys.executable, "-m", "giftbalance", "spend", "0.25", "--note", f"cli {k}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ),
        )
        for k in range(6)
    ]
    poster.start()
    outputs = [process.communicate(timeout=120)[0] for process in spends]
    poster.join()
    assert answers == [303] * 10
    assert [process.returncode for process in spends] == [0] * 6, outputs
    listed = json.loads(ok("need", "list", "--json").stdout)["needs"]
    assert {n["name"] for n in listed} >= {f"Page need {k}" for k in range(10)}
    balance = json.loads(ok("balance", "--json").stdout)["accounts"][0]["balance"]
    assert balance == "98.50"  # 100.00 - 6 x 0.25
    assert "98.50 USD" in owner.get("/").text


def test_buy_and_spend_refusals_stand_beside_their_fields(
    site: Site, household: None, ok: Any, dump: Any
) -> None:
    owner = site.owner()
    before = dump()
    response = post(owner, "/needs/1/bought", {"account": "Nowhere", "paid": "", "date": ""})
    assert response.status_code == 400
    assert 'id="e-buy-account">no account called &#39;Nowhere&#39;' in response.text
    response = post(owner, "/needs/1/bought", {"units": "7", "paid": "", "date": ""})
    assert response.status_code == 400
    assert 'id="e-buy-units"' in response.text and "wants 1 unit(s), not 7" in response.text
    response = post(owner, "/spend", {"amount": "1", "note": "bell\x07"})
    assert response.status_code == 400
    assert 'id="e-spend-note"' in response.text
    assert dump() == before
    ok("need", "bought", "1")
    response = post(owner, "/needs/1/bought", {"paid": "1"})
    assert response.status_code == 400
    assert "need 1 (Tea) is bought; cannot buy it" in response.text


def test_the_report_policy_allows_exactly_its_inline_styles() -> None:
    """Inline SVG (the report's burn-down chart) styles its shapes with style attributes: each
    distinct one is allowed by its hash, nothing else; past a hundred, inline styles as such."""
    import base64
    import hashlib

    from giftbalance.web.pages import csp_for_document

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    html = (
        "<!DOCTYPE html><html><head><style>p{color:red}</style></head><body>"
        '<svg><style>.a{fill:#fff}</style><path style="fill: #1f77b4"/>'
        '<rect style="stroke: none"/><path style="fill: #1f77b4"/></svg></body></html>'
    )
    csp = csp_for_document(html)
    for text in ("p{color:red}", ".a{fill:#fff}", "fill: #1f77b4", "stroke: none"):
        assert sha(text) in csp
    assert "'unsafe-hashes'" in csp and "'unsafe-inline'" not in csp
    assert csp.startswith("default-src 'none';")
    many = "".join(f'<b style="width: {k}px"></b>' for k in range(150))
    loose = csp_for_document(f"<html><body>{many}</body></html>")
    assert "style-src 'self' 'unsafe-inline';" in loose and "sha256" not in loose
    assert loose.startswith("default-src 'none';")
    with pytest.raises(ValueError, match="script"):
        csp_for_document("<html><body><script>alert(1)</script></body></html>")
