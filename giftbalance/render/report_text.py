"""The weekly report as text for the terminal: aligned tables, colour only on a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from giftbalance.render.report_document import Bullets, Heading, Para, Table, report_document
from giftbalance.render.text import table

if TYPE_CHECKING:
    from giftbalance.report.weekly import Report

_BOLD, _WARN, _RESET = "\x1b[1m", "\x1b[33m", "\x1b[0m"


def report_text(report: Report, *, color: bool = False) -> str:
    """The report as plain text (``color``: bold headings and highlighted warnings, for a
    terminal only)."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    out: list[str] = []
    for block in report_document(report):
        if isinstance(block, Heading):
            if block.level == 1:
                out += [paint(block.text, _BOLD), "=" * len(block.text)]
            elif block.level == 2:
                out += ["", paint(f"== {block.text} ==", _BOLD)]
            else:
                out += ["", paint(block.text, _BOLD)]
        elif isinstance(block, Para):
            out.append(paint(block.text, _WARN) if block.tone == "warn" else block.text)
        elif isinstance(block, Table):
            lines = table(block.headers, block.rows, block.align).splitlines()
            for index, line in enumerate(lines):
                warn = index - 2 in block.warn
                out.append("  " + (paint(line, _WARN) if warn else line))
        elif isinstance(block, Bullets):
            out.extend(f"  - {item}" for item in block.items)
    return "\n".join(out) + "\n"
