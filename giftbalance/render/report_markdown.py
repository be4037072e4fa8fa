"""The weekly report as Markdown (CommonMark with pipe tables, as GitHub renders it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from giftbalance.render.report_document import Bullets, Heading, Para, Table, report_document

if TYPE_CHECKING:
    from giftbalance.report.weekly import Report

# Every ASCII punctuation character that can start Markdown or inline HTML; CommonMark lets
# a backslash escape any of them, so names and notes print as typed.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&])")


def escape(text: str) -> str:
    """``text`` as literal Markdown: specials backslash-escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _table(block: Table) -> list[str]:
    rule = ["---:" if side == "r" else "---" for side in block.align.ljust(len(block.headers))]
    header = [escape(h) or " " for h in block.headers]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    for index, row in enumerate(block.rows):
        cells = [escape(cell) for cell in row]
        if index in block.warn:
            cells = [f"**{cell}**" if cell else cell for cell in cells]
        out.append("| " + " | ".join(cells) + " |")
    return out


def report_markdown(report: Report) -> str:
    """The report as a Markdown document."""
    out: list[str] = []
    for block in report_document(report):
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + escape(block.text), ""]
        elif isinstance(block, Para):
            text = escape(block.text)
            out += [f"**{text}**" if block.tone == "warn" else text, ""]
        elif isinstance(block, Table):
            out += [*_table(block), ""]
        elif isinstance(block, Bullets):
            out += [*(f"- {escape(item)}" for item in block.items), ""]
    return "\n".join(out).rstrip("\n") + "\n"
