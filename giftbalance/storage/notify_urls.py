"""The stored notification URLs (``giftbalance config set notify_urls ...``).

They hold passwords and tokens, so they are kept outside the database (a copy or backup of
the database never carries them), in the file ``notify_urls`` of the config folder, mode 0600,
one URL a line, written whole and atomically. Output never shows a URL in full:
:func:`mask` keeps its scheme only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from giftbalance.storage.files import remove, write_atomically
from giftbalance.storage.paths import config_dir

KEY = "notify_urls"
FILE = "notify_urls"
DESCRIPTION = "notification URLs for giftbalance notify (kept in the config folder, mode 0600)"


def path() -> Path:
    """Where the URLs are kept."""
    return config_dir() / FILE


def split(text: str) -> list[str]:
    """The URLs in ``text``, separated by spaces or new lines (commas belong to URLs)."""
    return text.split()


def load() -> list[str]:
    """The stored URLs, in the order they were given (none: an empty list)."""
    try:
        text = path().read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def save(urls: Sequence[str]) -> None:
    """Store ``urls`` (replacing what was stored); none removes the file."""
    target = path()
    if not urls:
        remove(target)
        return
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomically(target, "".join(f"{url}\n" for url in urls).encode("utf-8"), mode=0o600)


def mask(url: str) -> str:
    """What output shows of a URL: its scheme (``mailtos://…``), never the rest."""
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]{0,31})://", url)
    return f"{match.group(1).lower()}://…" if match else "…"


def masked(urls: Sequence[str]) -> str:
    """The URLs as output shows them: ``mailtos://… ntfys://…`` (empty for none)."""
    return " ".join(mask(url) for url in urls)
