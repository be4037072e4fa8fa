"""``giftbalance account add|list|rename|archive``."""

from __future__ import annotations

import json

import pytest


def accounts_json(ok) -> list[dict]:
    return json.loads(ok("account", "list", "--all", "--json").stdout)


def test_add_then_list(ok) -> None:
    first = ok(
        "account",
        "add",
        "Personal",
        "--store",
        "amazon.com",
        "--currency",
        "usd",
        "--tax-rate",
        "8.875%",
        "--note",
        "mine",
    )
    assert first.stdout.splitlines()[0] == "Added account Personal (amazon.com, USD)."
    assert "giftbalance add AMOUNT --account Personal" in first.stdout
    second = ok("account", "add", "Work", "--currency", "JPY", "--default")
    assert "Added account Work (amazon.com, JPY)." in second.stdout
    assert "giftbalance add AMOUNT" not in second.stdout, "the hint is for the first account"
    listing = ok("account", "list").stdout
    assert "Personal" in listing
    assert "Work (default)" in listing
    assert "8.875%" in listing
    assert "0 JPY" in listing
    assert "0.00 USD" in listing
    data = accounts_json(ok)
    assert [a["name"] for a in data] == ["Personal", "Work"]
    personal, work = data
    assert personal["store"] == "amazon.com"
    assert personal["currency"] == "USD"
    assert personal["tax_rate"] == "8.875"
    assert personal["note"] == "mine"
    assert personal["default"] is False
    assert work["default"] is True
    assert work["balance"] == "0"
    assert personal["balance"] == "0.00"


def test_list_json_shape_and_types(ok, personal) -> None:
    ok("account", "add", "Kuwait", "--currency", "KWD", "--store", "amazon.ae")
    ok("add", "1.5", "--account", "Kuwait", "--yes")
    data = accounts_json(ok)
    assert set(data[0]) == {
        "id",
        "name",
        "store",
        "currency",
        "balance",
        "tax_rate",
        "note",
        "default",
        "archived",
        "created_at",
    }
    by_name = {a["name"]: a for a in data}
    assert by_name["Personal"]["balance"] == "100.00"
    assert by_name["Kuwait"]["balance"] == "1.500"
    assert by_name["Kuwait"]["currency"] == "KWD"
    for account in data:
        assert isinstance(account["id"], int)
        assert isinstance(account["archived"], bool)
        assert account["note"] is None
        assert account["created_at"][4] == "-" and "T" in account["created_at"]


def test_list_without_accounts(ok) -> None:
    assert "No accounts yet" in ok("account", "list").stdout
    assert json.loads(ok("account", "list", "--json").stdout) == []


def test_tax_rate_is_stored_as_plain_decimal(ok) -> None:
    ok("account", "add", "Taxed", "--tax-rate", "10")
    assert accounts_json(ok)[0]["tax_rate"] == "10"
    assert "10%" in ok("account", "list").stdout


def test_names_are_unique_case_insensitively(ok, refused) -> None:
    ok("account", "add", "Personal")
    refused("account", "add", "personal", match="an account called 'Personal' already exists")
    refused("account", "add", "  PERSONAL ", match="already exists")


def test_name_whitespace_is_collapsed(ok, refused) -> None:
    ok("account", "add", "  Work   Card ")
    assert accounts_json(ok)[0]["name"] == "Work Card"
    refused("account", "add", "work card", match="already exists")


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--currency", "XYZ"], "unknown currency"),
        (["--currency", "dollars"], "unknown currency"),
        (["--tax-rate", "abc"], "not a percentage"),
        (["--tax-rate", "-1"], "not a percentage"),
        (["--tax-rate", "101"], "over 100%"),
        (["--tax-rate", "1.23456"], "more than 4 decimals"),
        (["--store", "  "], "store cannot be empty"),
    ],
)
def test_add_refuses_bad_options(refused, args: list[str], match: str) -> None:
    refused("account", "add", "Personal", *args, code=2, match=match)


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("x" * 101, "longer"),
        ("\x1b[31mRed", "control character"),
        ("Evil\u202eliveE", "text-direction character"),
        ("Nul\x00", "control character"),
    ],
)
def test_add_refuses_bad_names(refused, name: str, match: str) -> None:
    refused("account", "add", name, code=2, match=match)


def test_rename(ok, refused, personal) -> None:
    result = ok("account", "rename", "personal", "Family")
    assert result.stdout.strip() == "Renamed account Personal to Family."
    assert [a["name"] for a in accounts_json(ok)] == ["Family"]
    # The balance and the history follow the account.
    assert json.loads(ok("balance", "--json").stdout)["accounts"][0]["balance"] == "100.00"
    assert json.loads(ok("log", "--json").stdout)[0]["account"] == "Family"
    refused("account", "rename", "Personal", "Other", match="no account called 'Personal'")


def test_rename_to_a_new_case_of_the_same_name(ok, personal) -> None:
    ok("account", "rename", "Personal", "PERSONAL")
    assert accounts_json(ok)[0]["name"] == "PERSONAL"


def test_rename_clash_is_case_insensitive(ok, refused, personal) -> None:
    ok("account", "add", "Work")
    refused(
        "account", "rename", "Personal", "work", match="an account called 'Work' already exists"
    )
    refused("account", "rename", "Personal", "WORK ", match="already exists")
    refused("account", "rename", "Personal", " ", code=2, match="cannot be empty")


def test_rename_unknown_lists_known_accounts(ok, refused, personal) -> None:
    ok("account", "add", "Work")
    refused("account", "rename", "Nope", "X", match="(accounts: Personal, Work)")


def test_archive(ok, refused, personal) -> None:
    refused("account", "archive", "Personal", match="still holds 100.00 USD")
    ok("spend", "100")
    assert ok("account", "archive", "personal").stdout.strip() == "Archived account Personal."
    assert "No accounts yet" in ok("account", "list").stdout
    data = accounts_json(ok)
    assert data[0]["archived"] is True
    assert "(archived)" in ok("account", "list", "--all").stdout
    refused("account", "archive", "Personal", match="already archived")
    # The history stays.
    assert len(json.loads(ok("log", "--json").stdout)) == 2


def test_archived_account_refuses_add_spend_and_reconcile(ok, refused, personal) -> None:
    ok("spend", "100")
    ok("account", "archive", "Personal")
    refused("add", "5", "--account", "Personal", "--yes", match="account 'Personal' is archived")
    refused("spend", "5", "--account", "Personal", match="is archived")
    refused("reconcile", "5", "--account", "Personal", "--yes", match="is archived")
    refused("config", "set", "default_account", "Personal", match="is archived")


def test_archived_name_is_still_taken(ok, refused) -> None:
    ok("account", "add", "Old")
    ok("account", "archive", "Old")
    refused("account", "add", "old", match="already exists")


def test_archiving_the_default_account_clears_the_default(ok) -> None:
    ok("account", "add", "Old", "--default")
    ok("account", "add", "New")
    assert ok("config", "get", "default_account").stdout.strip() == "Old"
    ok("account", "archive", "Old")
    assert ok("config", "get", "default_account").stdout.strip() == ""
    # With one active account left, commands use it.
    assert "to New" in ok("add", "5", "--yes").stdout


def test_unknown_account_command(run) -> None:
    result = run("account", "frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.stderr
