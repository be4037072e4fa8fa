"""The root command: version, help, usage errors, where the database is, shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from giftbalance import __version__
from giftbalance.cli import cli


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """The CLI without the ``db_url`` fixture, so the database location is the one under test."""
    result = CliRunner().invoke(cli, list(args), env=env, input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def python_m(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "giftbalance", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def all_commands() -> list[tuple[str, click.Command]]:
    """Every registered command and group, by its full path (``account add``)."""
    found: list[tuple[str, click.Command]] = []

    def walk(prefix: str, group: click.Group) -> None:
        for name, command in sorted(group.commands.items()):
            path = f"{prefix} {name}".strip()
            found.append((path, command))
            if isinstance(command, click.Group):
                walk(path, command)

    walk("", cli)
    return found


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"giftbalance, version {__version__}\n"


def test_help_lists_the_core_commands() -> None:
    for flag in ("--help", "-h"):
        result = invoke(flag)
        assert result.exit_code == 0
        assert "Usage: giftbalance [OPTIONS] COMMAND [ARGS]..." in result.stdout
        for name in ("account", "add", "spend", "undo", "reconcile", "balance", "log", "config"):
            assert f"  {name} " in result.stdout
        assert "--db PATH_OR_URL" in result.stdout
        assert "GIFTBALANCE_DB" in result.stdout


def test_no_arguments_shows_the_help() -> None:
    result = invoke()
    assert result.exit_code == 0
    assert "Usage: giftbalance" in result.stdout
    assert result.stderr == ""


def test_a_group_without_a_subcommand_shows_its_help() -> None:
    result = invoke("account")
    assert result.exit_code == 0
    assert "Usage: giftbalance account" in result.stdout
    for name in ("add", "list", "rename", "archive"):
        assert f"  {name} " in result.stdout


def test_every_registered_command_has_help_text() -> None:
    commands = all_commands()
    assert len(commands) >= 12
    for path, command in commands:
        assert (command.help or "").strip(), f"giftbalance {path} has no help text"
        assert command.get_short_help_str().strip(), f"giftbalance {path}: no short help"
        result = invoke(*path.split(), "--help")
        assert result.exit_code == 0, f"giftbalance {path} --help: {result.output}"
        assert f"Usage: giftbalance {path}" in result.stdout
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"giftbalance {path} {param.opts[0]} has no help text"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "Error: No such command 'frobnicate'."),
        (["--frob"], "Error: No such option '--frob'"),
        (["balance", "--frob"], "Error: No such option '--frob'"),
        (["balance", "extra"], "Error: Got unexpected extra argument (extra)"),
        (["add"], "Error: Missing argument 'AMOUNT'."),
    ],
)
def test_usage_errors_are_one_error_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    db = tmp_path / "usage.db"
    result = invoke("--db", str(db), *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message)
    assert "--help" in lines[0], "points at the help"
    assert not db.exists(), "a usage error opens no database"


def test_gibberish_never_gives_a_traceback(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    for args in (
        ["add", "\x00"],
        ["add", "9" * 400, "--yes"],
        ["log", "--since", "\U0001f600"],
        ["account", "add", "\u202e\u202e"],
        ["account", "add", "\x1b[31mRed"],
        ["account", "add", "Tab", "--store", "a\x07b"],
        ["undo", "99999999999999999999999"],
        ["reconcile", "1" * 5000],
    ):
        result = invoke("--db", db, *args)
        assert result.exit_code in (1, 2), (args, result.output)
        assert "Traceback" not in result.output
        assert len([x for x in result.stderr.splitlines() if x.startswith("Error: ")]) == 1


# -- where the database is --------------------------------------------------------------------


def accounts_in(url_or_path: str) -> list[str]:
    result = invoke("--db", url_or_path, "account", "list", "--json")
    assert result.exit_code == 0, result.output
    return [a["name"] for a in json.loads(result.stdout)]


def test_default_database_is_in_the_user_data_dir(tmp_path: Path) -> None:
    assert "GIFTBALANCE_DB" not in os.environ
    assert invoke("account", "add", "Personal").exit_code == 0
    expected = Path(os.environ["XDG_DATA_HOME"]) / "giftbalance" / "giftbalance.db"
    assert expected.is_file()
    assert expected == tmp_path / "xdg-data" / "giftbalance" / "giftbalance.db"
    assert accounts_in(str(expected)) == ["Personal"]


def test_giftbalance_db_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "from-env.db"
    result = invoke("account", "add", "Env", env={"GIFTBALANCE_DB": str(path)})
    assert result.exit_code == 0, result.output
    assert path.is_file()
    assert accounts_in(str(path)) == ["Env"]
    assert not (tmp_path / "xdg-data").exists()


def test_db_option_wins_over_the_environment(tmp_path: Path) -> None:
    env_path, option_path = tmp_path / "env.db", tmp_path / "option.db"
    result = invoke(
        "--db", str(option_path), "account", "add", "Opt", env={"GIFTBALANCE_DB": str(env_path)}
    )
    assert result.exit_code == 0, result.output
    assert option_path.is_file()
    assert not env_path.exists()


def test_db_takes_a_sqlalchemy_url(tmp_path: Path) -> None:
    path = tmp_path / "by-url.db"
    assert invoke("--db", f"sqlite:///{path}", "account", "add", "Url").exit_code == 0
    assert accounts_in(str(path)) == ["Url"]


def test_db_relative_path_and_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("--db", "rel.db", "account", "add", "Rel").exit_code == 0
    assert (tmp_path / "rel.db").is_file()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "sub").mkdir(parents=True)  # only the default folder is made for you
    assert invoke("--db", "~/sub/home.db", "account", "add", "Home").exit_code == 0
    assert (tmp_path / "home" / "sub" / "home.db").is_file()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just text\n" * 100)
    before = path.read_bytes()
    path.chmod(0o600)
    result = invoke("--db", str(path), "balance")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot open database {path}")
    assert len(result.stderr.splitlines()) == 1
    assert path.read_bytes() == before


@pytest.mark.slow
def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    result = python_m("--db", str(tmp_path / "m.db"), "account", "add", "Module")
    assert result.returncode == 0, result.stderr
    assert "Added account Module" in result.stdout
    wrong = python_m("--db", str(tmp_path / "m.db"), "nope")
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("Error: No such command 'nope'.")
    assert "Traceback" not in wrong.stderr


# -- shell completion -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "_giftbalance_completion"), ("zsh", "#compdef giftbalance"), ("fish", "complete")],
)
def test_shell_completion_scripts(shell: str, marker: str) -> None:
    result = python_m(env={"_GIFTBALANCE_COMPLETE": f"{shell}_source"})
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "_GIFTBALANCE_COMPLETE" in result.stdout


@pytest.mark.slow
def test_completion_of_commands_and_options(tmp_path: Path) -> None:
    env = {
        "_GIFTBALANCE_COMPLETE": "bash_complete",
        "GIFTBALANCE_DB": str(tmp_path / "never.db"),
    }
    commands = python_m(env={**env, "COMP_WORDS": "giftbalance acc", "COMP_CWORD": "1"})
    assert commands.stdout.split() == ["plain,account"]
    options = python_m(env={**env, "COMP_WORDS": "giftbalance log --si", "COMP_CWORD": "2"})
    assert "plain,--since" in options.stdout.split()
    assert not (tmp_path / "never.db").exists(), "completing opens no database"
