"""``giftbalance config list|get|set``: settings kept in the database."""

from __future__ import annotations

import pytest


def test_list_shows_every_setting_with_its_default(ok) -> None:
    lines = ok("config", "list").stdout.splitlines()
    assert [line.split(" = ")[0] for line in lines] == [
        "week_start",
        "default_account",
        "notify_urls",
    ]
    assert lines[0].startswith("week_start = monday    # first day of the week")
    assert lines[1].startswith("default_account =     # account used when")


def test_get_defaults(ok) -> None:
    assert ok("config", "get", "week_start").stdout == "monday\n"
    assert ok("config", "get", "default_account").stdout == "\n"


@pytest.mark.parametrize(
    ("typed", "stored"), [("sunday", "sunday"), ("Sunday", "sunday"), (" MONDAY ", "monday")]
)
def test_set_week_start(ok, typed: str, stored: str) -> None:
    assert ok("config", "set", "week_start", typed).stdout == f"week_start = {stored}\n"
    assert ok("config", "get", "week_start").stdout == f"{stored}\n"
    assert f"week_start = {stored}" in ok("config", "list").stdout


def test_set_default_account_by_any_case(ok, personal) -> None:
    ok("account", "add", "Work")
    assert ok("config", "set", "default_account", "work").stdout == "default_account = Work\n"
    assert ok("config", "get", "default_account").stdout == "Work\n"
    assert "default_account = Work" in ok("config", "list").stdout
    assert "Work (default)" in ok("account", "list").stdout
    # A rename carries the default along: it is kept by id, not by name.
    ok("account", "rename", "Work", "Office")
    assert ok("config", "get", "default_account").stdout == "Office\n"


def test_clear_default_account(ok, personal) -> None:
    ok("config", "set", "default_account", "Personal")
    assert ok("config", "set", "default_account", "").stdout == "default_account = (none)\n"
    assert ok("config", "get", "default_account").stdout == "\n"


def test_account_add_default_flag_sets_the_setting(ok) -> None:
    ok("account", "add", "A")
    ok("account", "add", "B", "--default")
    assert ok("config", "get", "default_account").stdout == "B\n"


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (
            ["get", "colour"],
            2,
            "unknown setting 'colour' (known: week_start, default_account, notify_urls)",
        ),
        (["set", "colour", "blue"], 2, "unknown setting 'colour'"),
        (["set", "week_start", "friday"], 2, "week_start must be one of monday, sunday"),
        (["set", "week_start", ""], 2, "week_start must be one of"),
        (["set", "default_account", "Nope"], 1, "no account called 'Nope' (accounts: Personal)"),
        (["set", "week_start"], 2, "Missing argument 'VALUE'"),
        (["get"], 2, "Missing argument 'KEY'"),
        (["frob"], 2, "No such command 'frob'"),
    ],
)
def test_config_refuses(refused, personal, args: list[str], code: int, match: str) -> None:
    refused("config", *args, code=code, match=match)


def test_refused_setting_keeps_the_old_value(ok, refused) -> None:
    ok("config", "set", "week_start", "sunday")
    refused("config", "set", "week_start", "someday", code=2)
    assert ok("config", "get", "week_start").stdout == "sunday\n"


def test_unknown_key_is_refused_without_creating_a_database(refused, db_url) -> None:
    from giftbalance.storage.db import sqlite_path

    refused("config", "get", "colour", code=2)
    path = sqlite_path(db_url)
    if path is not None:
        assert not path.exists()
