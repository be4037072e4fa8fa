"""The burn-down chart (``giftbalance report --chart FILE.png``, and inline SVG in the HTML
report), drawn with matplotlib.

One panel per account: the actual balance week by week as a solid line, the plan's projection
dashed from today's balance, the report week shaded, and every expiry date of the balance as
a dotted vertical line. matplotlib is imported here only, and drawn with its Agg canvas
directly (no pyplot, no GUI backend, no global state).

Balances are plotted as integer minor units; the axis labels turn tick positions back into
money text through :func:`giftbalance.money.format_money`.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from giftbalance.render.text import bare
from giftbalance.values.money import show_money

if TYPE_CHECKING:
    from giftbalance.report.weekly import AccountReport, Report

WIDTH_IN = 10.0
PANEL_IN = 3.8
SVG_WIDTH_IN = 7.5
SVG_PANEL_IN = 3.4
DPI = 120
_ACTUAL, _PLAN, _EXPIRY, _WEEK = "#1f5f99", "#d9822b", "#b3261e", "#e8eef5"


def _panel(ax: Any, account: AccountReport, report: Report) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    cur = account.currency
    if account.history:
        days = [week.week + timedelta(days=6) for week in account.history]
        values = [week.balance for week in account.history]
        ax.plot(
            days,
            values,
            color=_ACTUAL,
            linewidth=2,
            marker="o",
            markersize=3,
            label="actual balance (end of week)",
        )
    if account.plan_balance or account.projection:
        # The projection starts from today's balance, today.
        days = [max(report.today, report.plan_start)]
        values = [account.plan_balance]
        for projected in account.projection:
            days.append(projected.week + timedelta(days=6))
            values.append(projected.balance)
        ax.plot(
            days,
            values,
            color=_PLAN,
            linewidth=2,
            linestyle="--",
            marker="o",
            markersize=3,
            label="planned balance",
        )
    ax.axvspan(
        report.week,
        report.week_end + timedelta(days=1),
        color=_WEEK,
        zorder=0,
        label=f"week of {report.week}",
    )
    for index, lot in enumerate(account.lots):
        label = "expiry date" if index == 0 else None
        ax.axvline(lot.expires_on, color=_EXPIRY, linestyle=":", linewidth=1.5, label=label)
        ax.annotate(
            show_money(lot.amount, cur),
            xy=(lot.expires_on, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=8,
            color=_EXPIRY,
        )

    def money_tick(value: float, _position: int) -> str:
        # Tick positions are matplotlib's floats; the label is the whole minor unit they mark.
        return bare(round(value), cur)

    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(money_tick))
    ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1) * 1.08)
    locator = AutoDateLocator(minticks=3, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_ylabel(f"Balance ({cur})")
    ax.set_title(f"{account.account} ({account.store})", loc="left", fontsize=11)
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.8)
    ax.legend(loc="best", fontsize=8, framealpha=0.9)


def _figure(report: Report, width_in: float, panel_in: float) -> Any:
    """The chart as a matplotlib ``Figure`` on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = max(1, len(report.accounts))
    figure = Figure(figsize=(width_in, panel_in * panels + 0.6), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(panels, 1, squeeze=False, sharex=True)[:, 0]
    figure.suptitle(f"Gift balance burn-down, week of {report.week}", fontsize=13)
    if not report.accounts:
        axes[0].text(0.5, 0.5, "No accounts yet", ha="center", va="center", fontsize=14)
        axes[0].set_axis_off()
    for ax, account in zip(axes, report.accounts, strict=False):
        _panel(ax, account, report)
    axes[-1].set_xlabel("Week")
    return figure


def chart_png(report: Report) -> bytes:
    """The burn-down chart of every account in ``report`` as PNG bytes."""
    figure = _figure(report, WIDTH_IN, PANEL_IN)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": "giftbalance"})
    return buffer.getvalue()


def chart_svg(report: Report) -> str:
    """The burn-down chart as an SVG element to put inline in an HTML page.

    Narrower than the PNG (7.5 inches), so its labels stay readable when a phone scales it
    down to the screen's width; it scales with the page (``width="100%"``, a ``viewBox``).
    Text is drawn as paths, so the chart looks the same without matplotlib's fonts, and a
    converter that turns the page into plain text (an email's text part) finds no stray
    labels in it. No XML declaration, no metadata; ids are stable for the same report.
    """
    from matplotlib import rc_context

    with rc_context({"svg.fonttype": "path", "svg.hashsalt": "giftbalance"}):
        figure = _figure(report, SVG_WIDTH_IN, SVG_PANEL_IN)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    # Inline in HTML the namespaces are implied; SVG 2's plain ``href`` replaces
    # ``xlink:href``, so the page stays well-formed XML without naming any URL.
    svg = svg.replace("xlink:href=", "href=")
    # Scale with the page: the width follows the container, the height the viewBox.
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height|xmlns(:xlink)?)="[^"]*"', "", svg[:head_end])
    title = escape(f"Burn-down chart, week of {report.week}")
    return (
        f'{head} width="100%" role="img" aria-label="{title}">' + svg[head_end + 1 :].strip() + "\n"
    )
