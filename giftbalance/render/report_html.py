"""The weekly report as one self-contained HTML page: inline CSS and the burn-down chart as
inline SVG, no scripts, no external files or URLs. It reads on a phone: a viewport meta, a
chart that scales to the screen, and on a narrow screen (below 40rem, 640 px) each row of a
wide table shows as a card of labelled cells, so no column is cut off. Every string from the
data is escaped, and the markup is also well-formed XML (void elements self-closed), so strict
parsers read it too."""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

from giftbalance.render.report_document import (
    Bullets,
    Heading,
    Para,
    Table,
    report_document,
    title,
)

if TYPE_CHECKING:
    from giftbalance.report.weekly import Report

_CSS = """
:root { color-scheme: light dark; --ink: #1d2733; --muted: #5b6b7c; --line: #d5dde6;
  --bg: #ffffff; --panel: #f4f7fa; --warn: #9a4b00; --warn-bg: #fff4e0; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #e6edf3; --muted: #9fb0c0; --line: #34404c; --bg: #12171d;
    --panel: #1b232c; --warn: #ffb661; --warn-bg: #2f2413; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; background: var(--bg); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: break-word; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; padding-top: 1rem; border-top: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .25rem; color: var(--muted); }
p { margin: .4rem 0; }
p.warn { color: var(--warn); background: var(--warn-bg); padding: .4rem .6rem; border-radius: .3rem; }
figure.chart { margin: 1rem 0; padding: .4rem; background: #ffffff; border-radius: .3rem; }
figure.chart svg { display: block; width: 100%; height: auto; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: .4rem 0; }
table { border-collapse: collapse; min-width: 100%; font-size: .95rem; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nw { white-space: nowrap; }
tr.warn td { color: var(--warn); background: var(--warn-bg); }
ul { padding-left: 1.2rem; }
li { margin: .25rem 0; }
@media (max-width: 40rem) {
  body { padding: .6rem; font-size: 15px; }
  th, td { padding: .25rem .4rem; }
  /* A wide table becomes one card per row, each cell labelled with its column's name, so
     every column shows on a phone without scrolling sideways. */
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; }
  table.cards { min-width: 0; width: 100%; }
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); }
  table.cards tr { border: 1px solid var(--line); border-radius: .4rem; margin: .5rem 0;
    padding: .2rem 0; }
  table.cards td { display: flex; justify-content: space-between; gap: 1rem; border: 0;
    text-align: right; white-space: normal; }
  table.cards td::before { content: attr(data-label); flex: none; color: var(--muted);
    font-weight: 600; text-align: left; }
  table.cards td:first-child { font-weight: 600; }
  table.cards td:empty { display: none; }
}
"""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Tables with more columns than this become one card per row on a narrow screen.
CARD_COLUMNS = 3


def _table(block: Table) -> list[str]:
    sides = block.align.ljust(len(block.headers), "l")

    def cls(index: int, cell: str = "") -> str:
        if sides[index] == "r":
            return ' class="r"'
        # A date breaks at its dashes otherwise.
        return ' class="nw"' if _DATE.fullmatch(cell) else ""

    cards = ' class="cards"' if len(block.headers) > CARD_COLUMNS else ""
    labels = [escape(h, quote=True) for h in block.headers]
    out = [f'<div class="scroll"><table{cards}>', "<thead><tr>"]
    out += [f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(block.headers)]
    out += ["</tr></thead>", "<tbody>"]
    for index, row in enumerate(block.rows):
        warn = ' class="warn"' if index in block.warn else ""
        cells = "".join(
            f'<td{cls(i, cell)} data-label="{labels[i]}">{escape(cell)}</td>'
            for i, cell in enumerate(row)
        )
        out.append(f"<tr{warn}>{cells}</tr>")
    out += ["</tbody></table></div>"]
    return out


def report_html(report: Report, *, chart: bool = True) -> str:
    """The report as a complete HTML5 document; with ``chart``, the burn-down chart inline as
    SVG after the opening paragraph (drawing it imports matplotlib)."""
    body: list[str] = []
    for block in report_document(report):
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 3)
            body.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Para):
            css = ' class="warn"' if block.tone == "warn" else ""
            body.append(f"<p{css}>{escape(block.text)}</p>")
        elif isinstance(block, Table):
            body += _table(block)
        elif isinstance(block, Bullets):
            body += ["<ul>", *(f"<li>{escape(item)}</li>" for item in block.items), "</ul>"]
    if chart and report.accounts:
        from giftbalance.render.chart import chart_svg

        # After the title and the paragraph that says which week it is.
        body[2:2] = [f'<figure class="chart">{chart_svg(report)}</figure>']
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8" />',
        '<meta name="viewport" content="width=device-width, initial-scale=1" />',
        '<meta name="generator" content="giftbalance" />',
        f"<title>{escape(title(report))}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
    ]
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"
