"""The README and the documentation site stay in step with each other and with the code.

`make test` builds the site with ``mkdocs build --strict`` (broken links and anchors between pages
fail there); these tests check what that build does not: the README is short and its links
resolve, every command is described on some page, and the site's nav lists every page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from giftbalance.cli import cli

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
README = REPO / "README.md"
# Pages that are generated, not written: the command reference (mkdocs-click) and the figures
# written by the benchmarks. A command counts as described only on a written page.
GENERATED = {
    "reference.md",
    "core-bench.md",
    "import-bench.md",
    "planner-bench.md",
    "report-bench.md",
    "web-bench.md",
}

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """``text`` without its fenced code blocks (links in code are not links)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def _written_pages() -> dict[str, str]:
    return {
        page.name: page.read_text(encoding="utf-8")
        for page in sorted(DOCS.glob("*.md"))
        if page.name not in GENERATED
    }


def _nav_files(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [name for item in node for name in _nav_files(item)]
    if isinstance(node, dict):
        return [name for value in node.values() for name in _nav_files(value)]
    return []


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 260, f"README.md has {len(lines)} lines; move detail to docs/"
    head = "\n".join(lines[:60])
    assert "make demo" in head
    assert "make test" in head


def test_every_relative_link_in_the_readme_points_to_a_file() -> None:
    targets = LINK.findall(_prose(README.read_text(encoding="utf-8")))
    relative = [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert len(relative) >= 5, "the README should link to the documentation pages"
    missing = [t for t in relative if not (REPO / t.split("#")[0]).is_file()]
    assert missing == []
    assert not [t for t in targets if t.startswith("#")], "the README's sections moved to docs/"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_described_on_a_written_page(name: str) -> None:
    pattern = re.compile(rf"\bgiftbalance {re.escape(name)}\b")
    pages = [page for page, text in _written_pages().items() if pattern.search(text)]
    assert pages, f"no page under docs/ (besides the reference) mentions `giftbalance {name}`"


@pytest.mark.parametrize(
    "group, name",
    sorted(
        (group_name, sub_name)
        for group_name, group in cli.commands.items()
        if isinstance(group, click.Group)
        for sub_name in group.commands
    ),
)
def test_every_subcommand_is_described_on_a_written_page(group: str, name: str) -> None:
    pattern = re.compile(rf"\b{re.escape(group)} {re.escape(name)}\b")
    text = "\n".join(_written_pages().values())
    assert pattern.search(text), f"no page under docs/ mentions `giftbalance {group} {name}`"


def test_the_nav_lists_every_page_and_only_pages_that_exist() -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["strict"] is True
    listed = _nav_files(config["nav"])
    assert len(listed) == len(set(listed)), "a page is listed twice in the nav"
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(listed) == pages


def test_the_reference_page_is_generated_from_the_root_command() -> None:
    text = (DOCS / "reference.md").read_text(encoding="utf-8")
    assert "::: mkdocs-click" in text
    assert ":module: giftbalance.cli" in text
    assert ":command: cli" in text
    assert ":prog_name: giftbalance" in text
