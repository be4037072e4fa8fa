"""Claim codes: normalising, masking, the keyed hash and its key file."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from giftbalance.errors import GiftbalanceError, InputError
from giftbalance.ledger import codes
from giftbalance.storage import paths

CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("ABCD-EFGHIJ-KLMN", "ABCDEFGHIJKLMN"),
        ("abcd efgh ijkl", "ABCDEFGHIJKL"),
        ("  ab-cd 12\t34 ", "ABCD1234"),
        ("123456", "123456"),
    ],
)
def test_normalise_ignores_case_spaces_and_dashes(typed: str, cleaned: str) -> None:
    assert codes.normalise(typed) == cleaned


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "no claim code"),
        (" - - ", "no claim code"),
        ("ABCD_1234", "only letters, digits"),
        ("ABCD.1234", "only letters, digits"),
        ("ÄBCD1234", "only letters, digits"),
        ("ABC12", "6 to 64"),
        ("A" * 65, "6 to 64"),
    ],
)
def test_normalise_refuses(typed: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        codes.normalise(typed)


@given(
    st.text(alphabet=CODE_CHARS, min_size=6, max_size=40),
    st.lists(st.sampled_from([" ", "-", "  ", "\t"]), max_size=10),
    st.randoms(use_true_random=False),
)
def test_typing_variants_of_one_code_hash_the_same(
    code: str, noise: list[str], rnd: object
) -> None:
    key = b"k" * 32
    chars = list(code.lower())
    for piece in noise:
        chars.insert(rnd.randrange(len(chars) + 1), piece)  # type: ignore[attr-defined]
    variant = "".join(chars)
    assert codes.digest(codes.normalise(variant), key) == codes.digest(code, key)


def test_mask_shows_only_the_last_four() -> None:
    assert codes.mask("WXYZ") == "****WXYZ"
    assert codes.mask(None) == ""
    assert codes.mask("") == ""


def test_digest_is_keyed() -> None:
    one = codes.digest("ABCDEFGH", b"a" * 32)
    assert one == codes.digest("ABCDEFGH", b"a" * 32)
    assert one != codes.digest("ABCDEFGH", b"b" * 32)
    assert one != codes.digest("ABCDEFGI", b"a" * 32)
    assert "ABCDEFGH" not in one
    assert len(one) == 64


def test_protect_keeps_last_four_and_hmac_only() -> None:
    last4, hashed = codes.protect("abcd-efgh-wxyz")
    assert last4 == "WXYZ"
    assert hashed == codes.digest("ABCDEFGHWXYZ", codes.load_key(create=False) or b"")
    assert "ABCDEFGH" not in hashed.upper()


def test_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    assert codes.load_key(create=False) is None
    first = codes.protect("ABCDEFGH")
    path = paths.config_dir() / codes.KEY_FILE
    assert path.is_file()
    assert path.parent == tmp_path / "config"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert codes.protect("ABCDEFGH") == first
    assert len(codes.load_key(create=False) or b"") == 32
    assert sorted(p.name for p in path.parent.iterdir()) == [codes.KEY_FILE]


def test_key_is_private_even_with_a_permissive_umask() -> None:
    old = os.umask(0)
    try:
        codes.protect("ABCDEFGH")
    finally:
        os.umask(old)
    path = paths.config_dir() / codes.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_key_defaults_to_the_user_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.ENV_CONFIG_DIR)
    assert paths.config_dir() == Path(os.environ["XDG_CONFIG_HOME"]) / "giftbalance"


def test_concurrent_first_use_agrees_on_one_key() -> None:
    keys: list[bytes | None] = []

    def make() -> None:
        keys.append(codes.load_key(create=True))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert keys[0] == codes.load_key(create=False)
    assert [p.name for p in paths.config_dir().iterdir()] == [codes.KEY_FILE]


@pytest.mark.parametrize("content", ["not hex\n", "", "abcd\n"])
def test_a_damaged_key_is_refused(content: str) -> None:
    path = paths.config_dir() / codes.KEY_FILE
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(GiftbalanceError, match="damaged"):
        codes.protect("ABCDEFGH")
    assert path.read_text() == content, "a damaged key is never overwritten"
