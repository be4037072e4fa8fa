"""``giftbalance member ...``: household members, their uniqueness and their history."""

from __future__ import annotations

import json

import pytest

MEMBER_KEYS = {"id", "name", "note", "open_needs", "created_at", "removed_at"}


def members(ok, *args):
    return json.loads(ok("member", "list", "--json", *args).stdout)


def test_add_and_list(ok):
    assert "Added member Ann." in ok("member", "add", "  Ann  ", "--note", "likes tea").stdout
    ok("member", "add", "bob")
    data = members(ok)
    assert [m["name"] for m in data] == ["Ann", "bob"]
    assert set(data[0]) == MEMBER_KEYS
    assert data[0]["note"] == "likes tea"
    assert data[0]["open_needs"] == 0
    assert data[0]["removed_at"] is None
    text = ok("member", "list").stdout
    assert "Ann" in text and "likes tea" in text and "bob" in text


def test_empty_list_says_how_to_add(ok):
    assert "giftbalance member add NAME" in ok("member", "list").stdout
    assert members(ok) == []


@pytest.mark.parametrize("name", ["Ann", "ANN", " ann "])
def test_names_are_unique_case_insensitively(ok, refused, name):
    ok("member", "add", "Ann")
    refused("member", "add", name, match="a member called 'Ann' already exists")


def test_empty_name_is_bad_input(ok, refused):
    refused("member", "add", "   ", code=2, match="member name cannot be empty")


def test_rename_keeps_history(ok, refused, personal):
    ok("member", "add", "Ann")
    ok("member", "add", "Bob")
    ok("need", "add", "Tea", "--price", "4", "--for", "ann")
    out = ok("member", "rename", "ann", "Annie").stdout
    assert "Renamed member Ann to Annie." in out
    need = json.loads(ok("need", "show", "1", "--json").stdout)
    assert need["for"] == "Annie"
    refused("member", "rename", "Annie", "BOB", match="a member called 'Bob' already exists")
    refused("member", "rename", "Zed", "Zoe", match="no member called 'Zed'")
    # A change of case only is a rename to itself, not a clash.
    ok("member", "rename", "annie", "ANNIE")
    assert [m["name"] for m in members(ok)] == ["ANNIE", "Bob"]


def test_remove_without_open_needs(ok, refused):
    ok("member", "add", "Ann")
    assert "Removed member Ann." in ok("member", "remove", "ANN").stdout
    assert members(ok) == []
    removed = members(ok, "--all")
    assert [m["name"] for m in removed] == ["Ann"]
    assert removed[0]["removed_at"] is not None
    refused("member", "remove", "Ann", match="no member called 'Ann'")
    # The name is free again for a new member; the old one stays in history.
    ok("member", "add", "Ann")
    assert [m["removed_at"] is None for m in members(ok, "--all")] == [True, False]


def test_remove_refused_while_open_needs_belong_to_the_member(ok, refused, personal):
    ok("member", "add", "Ann")
    ok("need", "add", "Tea", "--price", "4", "--for", "Ann")
    ok("need", "add", "Jam", "--price", "3", "--for", "Ann")
    refused("member", "remove", "Ann", match="Ann still has 2 open need(s) (1, 2)")
    assert members(ok)[0]["open_needs"] == 2


def test_remove_with_reassign_moves_open_needs_only(ok, refused, personal):
    ok("member", "add", "Ann")
    ok("member", "add", "Bob")
    ok("need", "add", "Tea", "--price", "4", "--for", "Ann")
    ok("need", "add", "Jam", "--price", "3", "--for", "Ann")
    ok("need", "bought", "2")
    refused("member", "remove", "Ann", "--reassign", "Ann", code=2, match="cannot reassign")
    refused("member", "remove", "Ann", "--reassign", "Zed", match="no member called 'Zed'")
    out = ok("member", "remove", "Ann", "--reassign", "bob").stdout
    assert "Moved 1 open need(s) to Bob." in out
    tea = json.loads(ok("need", "show", "1", "--json").stdout)
    jam = json.loads(ok("need", "show", "2", "--json").stdout)
    assert tea["for"] == "Bob"
    # The bought need and its purchase keep who they were for.
    assert jam["for"] == "Ann"
    assert jam["purchases"][0]["for"] == "Ann"
    assert {m["name"]: m["open_needs"] for m in members(ok)} == {"Bob": 1}


def test_need_for_a_removed_member_is_refused(ok, refused, personal):
    ok("member", "add", "Ann")
    ok("member", "remove", "Ann")
    refused("need", "add", "Tea", "--price", "4", "--for", "Ann", match="no member called 'Ann'")
