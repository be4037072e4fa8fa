"""Claim codes are cash: they are never stored in the clear and never printed in full.

A code is normalised (case, spaces and dashes ignored), then only its last four characters and
a keyed HMAC-SHA256 of it are kept. The key is a random secret in the user's config directory
(mode 0600), outside the database, so a copy of the database alone cannot confirm a guessed code.
"""

from __future__ import annotations

import re
from pathlib import Path

from giftbalance.errors import GiftbalanceError, InputError
from giftbalance.storage.paths import CODE_KEY_FILE, config_dir

# hashlib, hmac, secrets and the file helpers are imported by the functions that use them:
# ``giftbalance log`` masks codes (:func:`mask`) and should not pay for loading OpenSSL.

KEY_FILE = CODE_KEY_FILE
_MIN_LEN, _MAX_LEN = 6, 64
_KEY_BYTES = 32


def normalise(code: str) -> str:
    """Upper-case the code and drop spaces and dashes; refuse anything but letters and digits."""
    cleaned = re.sub(r"[\s\-]+", "", code).upper()
    if not cleaned:
        raise InputError("no claim code entered")
    if not cleaned.isascii() or not cleaned.isalnum():
        raise InputError("a claim code has only letters, digits, spaces and dashes")
    if not _MIN_LEN <= len(cleaned) <= _MAX_LEN:
        raise InputError(f"a claim code has {_MIN_LEN} to {_MAX_LEN} letters and digits")
    return cleaned


def mask(last4: str | None) -> str:
    """What output shows of a code: ``****ABCD`` (or an empty string when there is none)."""
    return f"****{last4}" if last4 else ""


def load_key(*, create: bool) -> bytes | None:
    """The HMAC key; created (32 random bytes, mode 0600) on first use when ``create``."""
    path = config_dir() / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        if not create:
            return None
    import secrets

    from giftbalance.storage.files import private_temp, publish_new, remove

    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(_KEY_BYTES)
    # Written in full under a private name, then linked into place: a second process never
    # sees a half-written key, and if it made one first, that one wins.
    draft = private_temp(path)
    try:
        draft.write_text(key.hex() + "\n")
        publish_new(draft, path)
    except FileExistsError:
        return _read_key(path)
    finally:
        remove(draft)
    return key


def _read_key(path: Path) -> bytes:
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        key = b""
    # A short or empty key would still hash, but would no longer recognise codes already logged.
    if len(key) != _KEY_BYTES:
        raise GiftbalanceError(f"the claim-code key {path} is damaged")
    return key


def digest(normalised_code: str, key: bytes) -> str:
    """The keyed HMAC-SHA256 (hex) stored in place of the code."""
    import hashlib
    import hmac

    return hmac.new(key, normalised_code.encode("ascii"), hashlib.sha256).hexdigest()


def protect(code: str) -> tuple[str, str]:
    """``(last4, hmac_hex)`` for a code as typed: everything the ledger keeps of it."""
    cleaned = normalise(code)
    key = load_key(create=True)
    assert key is not None
    return cleaned[-4:], digest(cleaned, key)
