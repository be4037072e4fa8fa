"""Free text on the way in: control and text-direction characters are refused everywhere a
person's text enters the database (typed options, both CSV imports, a whole json export)."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from giftbalance.errors import InputError
from giftbalance.values.text import (
    BIDI_CONTROL_CHARACTERS,
    note_text,
    one_line,
    required_line,
    unsafe_character,
)

CONTROLS = [chr(i) for i in range(0x110000) if unicodedata.category(chr(i)) == "Cc"]


def is_unsafe(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROL_CHARACTERS


def test_every_control_and_direction_character_is_found() -> None:
    assert len(CONTROLS) == 65
    for ch in [*CONTROLS, *BIDI_CONTROL_CHARACTERS]:
        assert unsafe_character(f"a{ch}b") == ch
        if ch not in "\n\t":
            assert unsafe_character(f"a{ch}b", note=True) == ch
    assert unsafe_character("a\nb\tc", note=True) is None
    assert unsafe_character("Émile 日本 ✓ 👩‍👧 \u200d") is None  # joiners in emoji are fine


@given(st.text(max_size=30))
@example("\x1b[2J")
@example("Boots\u202e00.54")
@example(" a \n\t b ")
@example("a\x1fb")  # str.split() counts \x1c-\x1f and \x85 as white space
@example("a\x85b")
@example("a\r\nb")
def test_one_line_is_safe_single_spaced_or_refused(text: str) -> None:
    words = text.split()
    try:
        cleaned = one_line(text, "name")
    except InputError as exc:
        # Tabs and line breaks are white space in a name; every other control character and
        # every direction override is refused, wherever it is (even where split() would drop it).
        assert any(is_unsafe(ch) and ch not in "\t\n\r" for ch in text), text
        assert str(exc).startswith("the name has a ")
        return
    assert not any(is_unsafe(ch) and ch not in "\t\n\r" for ch in text), text
    assert cleaned == (" ".join(words) or None)
    assert not any(is_unsafe(ch) for ch in cleaned or "")


@pytest.mark.parametrize("ch", [c for c in CONTROLS if c not in "\t\n\r"])
def test_one_line_refuses_every_control_character_but_tabs_and_line_breaks(ch: str) -> None:
    with pytest.raises(InputError, match="the account name has a control character"):
        one_line(f"a{ch}b", "account name")
    assert one_line("a\tb\r\nc\nd", "account name") == "a b c d"


@given(st.text(max_size=30))
@example("line one\r\nline two\tend")
@example("\x07bell")
def test_note_text_keeps_lines_and_tabs_and_refuses_the_rest(text: str) -> None:
    try:
        cleaned = note_text(text)
    except InputError as exc:
        assert any(is_unsafe(ch) and ch not in "\n\t" for ch in text.replace("\r\n", "\n").strip())
        assert "note has a " in str(exc)
        return
    assert cleaned == (text.replace("\r\n", "\n").strip() or None)
    assert not any(is_unsafe(ch) and ch not in "\n\t" for ch in cleaned or "")


def test_length_limits_count_the_collapsed_text() -> None:
    assert one_line("  a" + "b" * 9 + "  ", "store", max_length=10) == "a" + "b" * 9
    assert one_line("a  b", "store", max_length=3) == "a b"  # two spaces count as one
    with pytest.raises(InputError, match="the store is longer than 3 characters"):
        one_line("abcd", "store", max_length=3)
    assert one_line(" \n ", "store", max_length=3) is None
    assert required_line(" Maya ", "member name", max_length=4) == "Maya"
    with pytest.raises(InputError, match="the member name cannot be empty"):
        required_line(" \t ", "member name", max_length=4)
    with pytest.raises(InputError, match="the member name is longer than 4 characters"):
        required_line("Mayan", "member name", max_length=4)


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (("need", "add", "x" * 201, "--price", "5"), "need's name is longer than 200"),
        (
            ("need", "add", "Boots", "--price", "5", "--store", "s" * 101),
            "store is longer than 100",
        ),
        (("add", "5", "--from", "g" * 201, "--yes"), "giver is longer than 200"),
        (
            ("contact", "add", "--channel", "chat", "--summary", "s", "--rep", "r" * 201),
            "representative's name is longer than 200",
        ),
        (("need", "add", "  ", "--price", "5"), "need's name cannot be empty"),
    ],
)
def test_each_field_keeps_its_limit(refused, personal, args, what) -> None:
    refused(*args, code=2, match=f"the {what}")


# -- every way in ------------------------------------------------------------------------------

ESC = "\x1b[31mred"


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (("need", "add", ESC, "--price", "5"), "need's name"),
        (("need", "add", "Boots", "--price", "5", "--note", ESC), "note"),
        (("need", "add", "Boots", "--price", "5", "--store", "amazon\u202ecom"), "store"),
        (("need", "add", "Boots", "--price", "5", "--url", "https://x.example/\x00"), "url"),
        (("need", "edit", "1", "--note", "ok\x07"), "note"),
        (("need", "edit", "1", "--name", ESC), "need's name"),
        (("spend", "5", "--note", ESC), "note"),
        (("add", "5", "--note", ESC, "--yes"), "note"),
        (("add", "5", "--from", "Aunt\x1bRosa", "--yes"), "giver"),
        (("member", "add", "Maya", "--note", ESC), "note"),
        (("member", "add", ESC), "member name"),
        (("account", "add", "Work", "--note", ESC), "note"),
        (("contact", "add", "--channel", "chat", "--summary", ESC), "summary"),
        (
            ("contact", "add", "--channel", "chat", "--summary", "ok", "--rep", ESC),
            "representative",
        ),
        (("contact", "update", "1", "--note", ESC), "note"),
    ],
)
def test_typed_text_with_control_characters_is_refused(ok, refused, personal, args, what) -> None:
    ok("need", "add", "Socks", "--price", "3")
    ok("contact", "add", "--channel", "chat", "--summary", "asked to move the balance")
    result = refused(*args, code=2, match=f"the {what}")
    assert "\x1b" not in result.stderr  # the refusal itself does not replay the escape


def test_multi_line_notes_are_kept(ok, personal) -> None:
    ok("need", "add", "Boots", "--price", "5", "--note", "size 38\r\ncolour: black\tor navy")
    need = json.loads(ok("need", "show", "1", "--json").stdout)
    assert need["note"] == "size 38\ncolour: black\tor navy"


def test_ledger_import_names_the_line_with_a_control_character(ok, refused, personal, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(
        "date,account,kind,amount,currency,note\n"
        "2026-11-02,Personal,spend,1,,fine\n"
        "2026-11-03,Personal,spend,1,,\x1b[2J\n"
    )
    result = refused("import", str(path), code=2, match="1 bad row")
    assert result.stderr.splitlines()[1].startswith("  line 3: the note has a control character")


def test_needs_import_names_the_line_with_a_control_character(ok, refused, personal, tmp_path):
    path = tmp_path / "needs.csv"
    path.write_text("name,price,note\nSocks,3,fine\nBoots,5,\u202eevil\n")
    result = refused("need", "import", str(path), code=2, match="1 bad row")
    assert "line 3" in result.stderr and "text-direction character" in result.stderr


def test_json_import_refuses_a_control_character_in_any_text_field(ok, run, refused, tmp_path):
    source = "sqlite:///" + str(tmp_path / "source.db")
    for args in (
        ("account", "add", "Personal"),
        ("add", "20", "--yes"),
        ("need", "add", "Socks", "--price", "3", "--note", "two\nlines"),
    ):
        assert run("--db", source, *args).exit_code == 0
    out = tmp_path / "export.json"
    assert run("--db", source, "export", "--output", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    data["needs"][0]["name"] = "Socks\x1b[8m"
    out.write_text(json.dumps(data))
    result = refused("import", str(out), code=2, match="nothing was")
    assert "control or text-direction character" in result.stderr
    # The multi-line note alone is fine: the same file imports once the name is plain again.
    data["needs"][0]["name"] = "Socks"
    out.write_text(json.dumps(data))
    ok("import", str(out))
    assert json.loads(ok("need", "show", "1", "--json").stdout)["note"] == "two\nlines"
