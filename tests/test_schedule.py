"""``giftbalance schedule``: crontab lines and systemd user units that run this giftbalance by
its absolute path on this database, on the week_start day; --install writes them and runs
systemctl (a stand-in systemctl on PATH here, as no test may touch the user's real timers)."""

from __future__ import annotations

import configparser
import os
import shlex
import stat
import subprocess
from collections.abc import Callable
from datetime import time
from pathlib import Path

import pytest
from click.testing import Result

import giftbalance.io.schedule as jobs

Run = Callable[..., Result]


def db_argument(db_url: str) -> str:
    from giftbalance.storage.db import sqlite_path

    path = sqlite_path(db_url)
    return str(path) if path is not None else db_url


@pytest.fixture
def urls(ok: Run) -> None:
    ok("config", "set", "notify_urls", "json://127.0.0.1:9/hook")


def test_cron_lines_run_this_program_on_this_database(ok: Run, db_url: str, tmp_path) -> None:
    result = ok("schedule", "--print", "cron")
    comments = [line for line in result.stdout.splitlines() if line.startswith("#")]
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert len(comments) == 2 and "cron mails what it prints" in comments[0]
    # cron turns "\%" into "%" before the shell sees the command.
    daily, weekly = (line.replace("\\%", "%").split(" ", 5) for line in lines)
    assert daily[:5] == ["0", "8", "*", "*", "*"]
    assert weekly[:5] == ["0", "8", "*", "*", "1"]  # Monday, the default week_start
    env, *argv = shlex.split(daily[5])
    assert env == f"GIFTBALANCE_CONFIG_DIR={tmp_path / 'config'}"
    assert Path(argv[0]).is_absolute() and Path(argv[0]).name == "giftbalance"
    assert os.access(argv[0], os.X_OK)
    assert argv[1:] == ["--db", db_argument(db_url), "remind"]
    assert shlex.split(weekly[5])[2:] == [
        "--db",
        db_argument(db_url),
        "notify",
        "--report",
        "--quiet",
    ]
    assert "Note: no notify_urls are stored yet" in result.stderr


@pytest.mark.usefixtures("urls")
def test_sunday_weeks_and_another_time(ok: Run) -> None:
    ok("config", "set", "week_start", "sunday")
    cron = ok("schedule", "--print", "cron", "--at", "7:05")
    assert [line.split(" ", 5)[:5] for line in cron.stdout.splitlines()[1::2]] == [
        ["5", "7", "*", "*", "*"],
        ["5", "7", "*", "*", "0"],
    ]
    assert cron.stderr == ""
    units = ok("schedule", "--print", "systemd", "--at", "7:05").stdout
    assert "OnCalendar=*-*-* 07:05:00" in units
    assert "OnCalendar=Sun *-*-* 07:05:00" in units
    assert "every Sunday at 07:05" in units


@pytest.mark.usefixtures("urls")
def test_install_without_enabling_writes_four_private_units(
    ok: Run, db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "xdg-config" / "systemd" / "user"
    result = ok("schedule", "--install", "systemd", "--no-enable")
    names = [
        "giftbalance-remind.service",
        "giftbalance-remind.timer",
        "giftbalance-report.service",
        "giftbalance-report.timer",
    ]
    assert result.stdout.splitlines()[:4] == [f"Wrote {folder / name}" for name in names]
    assert "systemctl --user enable --now giftbalance-remind.timer" in result.stdout
    for name in names:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    service = configparser.ConfigParser(interpolation=None)
    service.read(folder / "giftbalance-remind.service")
    # systemd reads "%%" as "%" (a PostgreSQL URL's %3D, say).
    argv = shlex.split(service["Service"]["ExecStart"].replace("%%", "%"))
    assert Path(argv[0]).is_absolute()
    assert argv[1:] == ["--db", db_argument(db_url), "notify", "--remind", "--quiet"]
    assert service["Service"]["Type"] == "oneshot"
    timer = configparser.ConfigParser(interpolation=None)
    timer.read(folder / "giftbalance-report.timer")
    assert timer["Timer"]["OnCalendar"] == "Mon *-*-* 08:00:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    # Installing again replaces them.
    assert ok("schedule", "--install", "systemd", "--no-enable").stdout.startswith("Replaced ")


@pytest.fixture
def fake_systemctl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A systemctl on PATH that logs its arguments (and fails when FAIL_SYSTEMCTL is set), and
    a /run/systemd/system stand-in, so --install believes it runs under systemd."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "systemctl.log"
    script = bin_dir / "systemctl"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {shlex.quote(str(log))}\n'
        'if [ -n "$FAIL_SYSTEMCTL" ]; then echo "Failed to connect to bus" >&2; exit 1; fi\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    running = tmp_path / "run-systemd"
    running.mkdir()
    monkeypatch.setattr(jobs, "RUN_SYSTEMD", running)
    return log


@pytest.mark.usefixtures("urls")
def test_install_enables_the_timers(ok: Run, fake_systemctl: Path) -> None:
    result = ok("schedule", "--install", "systemd")
    assert result.stdout.splitlines()[-2:] == [
        "Ran systemctl --user daemon-reload",
        "Ran systemctl --user enable --now giftbalance-remind.timer giftbalance-report.timer",
    ]
    assert fake_systemctl.read_text().splitlines() == [
        "--user daemon-reload",
        "--user enable --now giftbalance-remind.timer giftbalance-report.timer",
    ]


@pytest.mark.usefixtures("urls")
def test_a_failing_systemctl_is_an_error_that_says_what_was_written(
    run: Run, fake_systemctl: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAIL_SYSTEMCTL", "1")
    result = run("schedule", "--install", "systemd")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: systemctl --user daemon-reload failed: Failed to connect to bus (the unit "
        f"files are written in {tmp_path / 'xdg-config' / 'systemd' / 'user'})\n"
    )


@pytest.mark.usefixtures("urls")
def test_no_systemd_is_a_clear_error_and_writes_nothing(
    refused: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(jobs, "RUN_SYSTEMD", tmp_path / "no-such-folder")
    refused("schedule", "--install", "systemd", match="this machine does not run systemd")
    assert not (tmp_path / "xdg-config" / "systemd").exists()


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        ([], 2, "give --print cron|systemd or --install systemd"),
        (["--print", "cron", "--install", "systemd"], 2, "give --print"),
        (["--print", "launchd"], 2, "'launchd' is not one of 'cron', 'systemd'"),
        (["--install", "cron"], 2, "'cron' is not 'systemd'"),
        (["--print", "cron", "--at", "24:00"], 2, "--at takes a time of day like 08:00"),
        (["--print", "cron", "--no-enable"], 2, "--no-enable goes with --install"),
        (["--install", "systemd", "--no-enable"], 1, "no notify_urls stored"),
    ],
)
def test_schedule_refuses(refused: Callable[..., Result], args, code: int, match: str) -> None:
    refused("schedule", *args, code=code, match=match)


def test_odd_paths_are_quoted_for_cron_and_systemd() -> None:
    plan = jobs.Schedule(
        program=("/opt/gift balance/bin/giftbalance",),
        db="/home/me/100% sure/$HOME.db",
        week_start="monday",
        at=time(8, 0),
        config_dir="/home/me/my $config",
    )
    cron = jobs.crontab(plan).splitlines()[1]
    command = cron.split(" ", 5)[5].replace("\\%", "%")
    assert shlex.split(command) == [
        "GIFTBALANCE_CONFIG_DIR=/home/me/my $config",
        "/opt/gift balance/bin/giftbalance",
        "--db",
        "/home/me/100% sure/$HOME.db",
        "remind",
    ]
    assert "% " not in cron.replace("\\%", "")  # every % escaped for cron
    service = jobs.systemd_units(plan)["giftbalance-remind.service"]
    assert (
        'ExecStart="/opt/gift balance/bin/giftbalance" --db "/home/me/100%% sure/$$HOME.db" '
        "notify --remind --quiet"
    ) in service
    # Environment= expands % specifiers but no $ variables.
    assert 'Environment="GIFTBALANCE_CONFIG_DIR=/home/me/my $config"' in service


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_the_printed_cron_command_runs(ok: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-12-08")
    ok("account", "add", "Family", "--currency", "USD")
    ok("add", "100", "--yes", "--expires", "2026-12-15")
    line = ok("schedule", "--print", "cron").stdout.splitlines()[1]
    command = line.split(" ", 5)[5].replace("\\%", "%")
    env = {k: v for k, v in os.environ.items() if k not in ("GIFTBALANCE_DB",)}
    done = subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "100.00 USD expires in 7 days" in done.stdout
    # It ran on this test's database: the reminder it printed is remembered there.
    assert ok("remind").stdout == ""
