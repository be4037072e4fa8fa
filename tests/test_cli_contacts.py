"""``giftbalance contact ...``: the support-contact log."""

from __future__ import annotations

import json
import re

import pytest

CONTACT_KEYS = {
    "id",
    "when",
    "channel",
    "rep",
    "case",
    "account",
    "summary",
    "outcome",
    "note",
    "created_at",
    "updated_at",
}


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")


def contacts(ok):
    return json.loads(ok("contact", "list", "--json").stdout)


def test_add_with_everything(ok, personal):
    out = ok(
        "contact",
        "add",
        "--channel",
        "PHONE",
        "--when",
        "2026-11-20 14:30",
        "--rep",
        "Jo (id 4411)",
        "--case",
        "123-4567",
        "--account",
        "personal",
        "--summary",
        "Card redeemed on the wrong account; asked to move it",
        "--outcome",
        "refused",
        "--note",
        "said only the card issuer can",
    ).stdout
    assert out.startswith("Logged contact 1: phone on 2026-11-20 14:30, refused.")
    [contact] = contacts(ok)
    assert set(contact) == CONTACT_KEYS
    assert contact["when"] == "2026-11-20T14:30:00"
    assert (contact["channel"], contact["rep"], contact["case"]) == (
        "phone",
        "Jo (id 4411)",
        "123-4567",
    )
    assert (contact["account"], contact["outcome"]) == ("Personal", "refused")
    assert contact["note"] == "said only the card issuer can"


def test_add_defaults(ok):
    out = ok("contact", "add", "--channel", "chat", "--summary", "Asked about a balance").stdout
    assert "pending" in out and "giftbalance contact update 1" in out
    [contact] = contacts(ok)
    assert contact["when"].startswith("2026-11-25T")
    assert contact["when"] == contact["created_at"] == contact["updated_at"]
    assert contact["outcome"] == "pending"
    assert contact["rep"] is contact["case"] is contact["account"] is contact["note"] is None


def test_list_newest_first(ok):
    ok("contact", "add", "--channel", "chat", "--summary", "second", "--when", "2026-11-21 09:00")
    ok("contact", "add", "--channel", "email", "--summary", "first", "--when", "2026-11-20 09:00")
    ok("contact", "add", "--channel", "phone", "--summary", "third", "--when", "2026-11-22 09:00")
    assert [c["summary"] for c in contacts(ok)] == ["third", "second", "first"]
    text = ok("contact", "list").stdout
    assert text.index("third") < text.index("second") < text.index("first")


def test_empty_list(ok):
    assert "No contacts logged" in ok("contact", "list").stdout
    assert contacts(ok) == []


def test_update_appends_stamped_notes(ok, monkeypatch):
    ok("contact", "add", "--channel", "chat", "--summary", "asked", "--note", "first call")
    created = contacts(ok)[0]["updated_at"]
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-27")
    out = ok("contact", "update", "1", "--outcome", "credited", "--note", "balance moved")
    assert "Updated contact 1: credited." in out.stdout
    ok("contact", "update", "1", "--note", "confirmed on the account page")
    [contact] = contacts(ok)
    lines = contact["note"].splitlines()
    assert lines[0] == "first call"
    assert re.fullmatch(
        r"\[2026-11-27 \d\d:\d\d\] outcome pending -> credited: balance moved", lines[1]
    )
    assert re.fullmatch(r"\[2026-11-27 \d\d:\d\d\] confirmed on the account page", lines[2])
    assert contact["outcome"] == "credited"
    assert contact["updated_at"].startswith("2026-11-27") and created.startswith("2026-11-25")
    assert "confirmed on the account page" in ok("contact", "list").stdout


def test_update_outcome_only_is_recorded_in_the_note(ok):
    ok("contact", "add", "--channel", "email", "--summary", "asked")
    ok("contact", "update", "1", "--outcome", "reversed")
    assert contacts(ok)[0]["note"].endswith("outcome pending -> reversed")


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (["add", "--channel", "fax", "--summary", "x"], 2, "'fax' is not one of"),
        (["add", "--channel", "chat"], 2, "--summary"),
        (["add", "--summary", "x"], 2, "--channel"),
        (["add", "--channel", "chat", "--summary", "  "], 2, "summary cannot be empty"),
        (["add", "--channel", "chat", "--summary", "x", "--when", "later"], 2, "not a date"),
        (["add", "--channel", "chat", "--summary", "x", "--outcome", "won"], 2, "'won'"),
        (["add", "--channel", "chat", "--summary", "x", "--account", "Zed"], 1, "no account"),
        (["add", "--channel", "chat", "--summary", "x", "--rep", "r" * 201], 2, "longer than"),
        (["update", "9", "--outcome", "refused"], 1, "no contact 9"),
        (["update", "1"], 2, "nothing to update"),
        (["update", "1", "--note", "  "], 2, "nothing to update"),
        (["update", "1", "--outcome", "maybe"], 2, "'maybe' is not one of"),
    ],
)
def test_refusals(ok, refused, args, code, match):
    ok("contact", "add", "--channel", "chat", "--summary", "asked")
    refused("contact", *args, code=code, match=match)
