"""Running giftbalance by itself: crontab lines and systemd user units (``giftbalance schedule``).

Two jobs: the reminders every day, the weekly report on the first day of the week (the
``week_start`` setting), both at the same time of day. Each runs the giftbalance program
by its absolute path on the database in use (``--db`` with an absolute path or the URL), with
``GIFTBALANCE_CONFIG_DIR`` when it is set, so the job finds the same claim-code key and
notification URLs as the shell that scheduled it.

* cron mails whatever a job prints, so the daily cron job is ``giftbalance remind`` (it prints
  nothing when nothing needs attention), and the weekly one ``notify --report --quiet``.
* a systemd service's output only reaches the journal, which nobody reads every day, so both
  systemd jobs send through the stored notification URLs: ``notify --remind --quiet`` daily
  and ``notify --report --quiet`` weekly.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from giftbalance.errors import InputError, Refused
from giftbalance.storage.files import write_atomically
from giftbalance.values.numbers import digit_hint

#: Present when the machine was booted with systemd (sd_booted(3)); tests point it elsewhere.
RUN_SYSTEMD = Path("/run/systemd/system")
PREFIX = "giftbalance"
_CRON_DAY = {"monday": "1", "sunday": "0"}
_SYSTEMD_DAY = {"monday": "Mon", "sunday": "Sun"}

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True, slots=True)
class Job:
    """One scheduled run: its unit name, what it does, and its arguments after ``--db``."""

    name: str
    what: str
    cron_args: tuple[str, ...]
    systemd_args: tuple[str, ...]
    weekly: bool


JOBS = (
    Job(
        "remind",
        "what needs attention (the reminders)",
        ("remind",),
        ("notify", "--remind", "--quiet"),
        weekly=False,
    ),
    Job(
        "report",
        "the weekly report",
        ("notify", "--report", "--quiet"),
        ("notify", "--report", "--quiet"),
        weekly=True,
    ),
)


def parse_time(text: str) -> time:
    """``08:00`` as a time; raises :class:`InputError` otherwise."""
    match = re.fullmatch(r"\s*([0-9]{1,2}):([0-9]{2})\s*", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InputError(f"--at takes a time of day like 08:00, not {text!r}{digit_hint(text)}")
    return time(int(match.group(1)), int(match.group(2)))


def program() -> list[str]:
    """How to run this giftbalance by absolute path: the ``giftbalance`` script that is
    running, or the one beside this Python, else ``python -m giftbalance``."""
    running = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if running is not None and running.name == PREFIX and running.is_file():
        return [str(running.absolute())]
    beside = Path(sys.executable).parent / PREFIX
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", PREFIX]


@dataclass(frozen=True, slots=True)
class Schedule:
    """Everything the jobs need: the program, the database, the environment, when."""

    program: tuple[str, ...]
    #: The value for ``--db``: an absolute SQLite path or a SQLAlchemy URL.
    db: str
    week_start: str
    at: time
    #: ``GIFTBALANCE_CONFIG_DIR``, when set.
    config_dir: str | None = None

    def argv(self, args: Sequence[str]) -> list[str]:
        return [*self.program, "--db", self.db, *args]

    def when(self, job: Job) -> str:
        day = f"every {self.week_start.capitalize()}" if job.weekly else "every day"
        return f"{day} at {self.at:%H:%M}"


def crontab(schedule: Schedule) -> str:
    """The crontab lines (with a comment above each) for ``crontab -e``."""
    env = (
        f"GIFTBALANCE_CONFIG_DIR={shlex.quote(schedule.config_dir)} " if schedule.config_dir else ""
    )
    lines = []
    for job in JOBS:
        day = _CRON_DAY[schedule.week_start] if job.weekly else "*"
        command = env + shlex.join(schedule.argv(job.cron_args))
        # In a crontab line an unescaped % ends the command.
        command = command.replace("%", "\\%")
        mail = "; cron mails what it prints (set MAILTO)" if not job.weekly else ""
        lines.append(f"# giftbalance: {job.what}, {schedule.when(job)}{mail}")
        lines.append(f"{schedule.at.minute} {schedule.at.hour} * * {day} {command}")
    return "\n".join(lines) + "\n"


def _systemd_word(arg: str, *, command: bool = True) -> str:
    """One argument, quoted for systemd: it expands ``%`` specifiers everywhere, and ``$``
    variables in a command line (``command``) but not in ``Environment=``."""
    escaped = arg.replace("%", "%%")
    if command:
        escaped = escaped.replace("$", "$$")
    if re.fullmatch(r"[\w./:=@+,-]+", escaped):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_name(job: Job, suffix: str) -> str:
    return f"{PREFIX}-{job.name}.{suffix}"


def systemd_units(schedule: Schedule) -> dict[str, str]:
    """File name -> content of each service and timer unit (user units)."""
    units: dict[str, str] = {}
    for job in JOBS:
        command = " ".join(_systemd_word(arg) for arg in schedule.argv(job.systemd_args))
        service = [
            "[Unit]",
            f"Description=giftbalance: send {job.what}",
            "",
            "[Service]",
            "Type=oneshot",
        ]
        if schedule.config_dir:
            service.append(
                "Environment="
                + _systemd_word(f"GIFTBALANCE_CONFIG_DIR={schedule.config_dir}", command=False)
            )
        service.append(f"ExecStart={command}")
        day = f"{_SYSTEMD_DAY[schedule.week_start]} " if job.weekly else ""
        timer = [
            "[Unit]",
            f"Description=giftbalance: {job.what}, {schedule.when(job)}",
            "",
            "[Timer]",
            f"OnCalendar={day}*-*-* {schedule.at:%H:%M}:00",
            # A run missed while the machine was off happens when it is next up.
            "Persistent=true",
            "",
            "[Install]",
            "WantedBy=timers.target",
        ]
        units[unit_name(job, "service")] = "\n".join(service) + "\n"
        units[unit_name(job, "timer")] = "\n".join(timer) + "\n"
    return units


def systemd_text(schedule: Schedule, folder: Path) -> str:
    """The units as one text, each headed by the path it belongs at."""
    return "\n".join(
        f"# {folder / name}\n{content}" for name, content in systemd_units(schedule).items()
    )


def systemd_folder() -> Path:
    """The user's systemd unit folder: ``$XDG_CONFIG_HOME/systemd/user``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "systemd" / "user"


def timers() -> list[str]:
    return [unit_name(job, "timer") for job in JOBS]


def systemd_running() -> bool:
    """Whether this machine runs systemd (and has systemctl)."""
    return RUN_SYSTEMD.is_dir() and shutil.which("systemctl") is not None


def run_systemctl(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """``systemctl --user ARGS``."""
    return subprocess.run(
        ["systemctl", "--user", *args], capture_output=True, text=True, timeout=120, check=False
    )


def install_systemd(
    schedule: Schedule, folder: Path, *, enable: bool, run: Runner = run_systemctl
) -> list[str]:
    """Write the units into ``folder`` (made if missing) and, with ``enable``, reload systemd
    and enable and start the timers. Returns a line for each thing done.

    Raises :class:`Refused` when ``enable`` is asked on a machine without systemd (nothing is
    written then) or when systemctl fails (the units stay written; the message says so).
    """
    if enable and not systemd_running():
        raise Refused(
            "this machine does not run systemd (no /run/systemd/system, or no systemctl): "
            "use giftbalance schedule --print cron and add the lines with crontab -e"
        )
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for name, content in systemd_units(schedule).items():
        target = folder / name
        verb = "Replaced" if target.exists() else "Wrote"
        # Private: the units name the database (a URL may hold a password).
        write_atomically(target, content.encode("utf-8"), mode=0o600)
        done.append(f"{verb} {target}")
    if not enable:
        done.append(
            "Not enabled (--no-enable); enable with: systemctl --user daemon-reload && "
            f"systemctl --user enable --now {' '.join(timers())}"
        )
        return done
    for args in (["daemon-reload"], ["enable", "--now", *timers()]):
        result = run(args)
        shown = shlex.join(["systemctl", "--user", *args])
        if result.returncode != 0:
            why = " ".join((result.stderr or result.stdout or "").split()) or (
                f"exit status {result.returncode}"
            )
            raise Refused(f"{shown} failed: {why} (the unit files are written in {folder})")
        done.append(f"Ran {shown}")
    return done
