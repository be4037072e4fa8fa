"""The exact solver (OR-Tools) is loaded only by a plan whose accounts compete for needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROBE = """
import sys
from datetime import date, datetime
from decimal import Decimal
from giftbalance.plan.planner import ExpiringLot, PlanAccount, PlanNeed, PlanOptions, make_plan

def account(i, name, lots=()):
    return PlanAccount(i, name, "USD", "amazon.com", Decimal("8.875"), 1_000, 100, lots)

def need(i, price, priority="normal", pinned=None, rule=None, first=None):
    return PlanNeed(i, f"need {i}", None, priority, price, "USD", 1, None,
                    datetime(2026, 1, i), pinned, None, rule, first)

start = date(2026, 3, 2)
case = sys.argv[1]
if case == "one account":
    accounts, needs = [account(1, "A")], [need(i, 90 * i) for i in range(1, 30)]
elif case == "one account, money expiring after every unit":
    lots = (ExpiringLot(500, date(2026, 9, 1)),)
    accounts = [account(1, "A", lots)]
    needs = [need(1, 300, rule="FREQ=WEEKLY", first=start), need(2, 450)]
else:  # two accounts that compete: Beta must buy the boots for Alpha to buy the lamp
    accounts = [account(1, "Alpha"), account(2, "Beta")]
    needs = [need(1, 918, "must"), need(2, 918, pinned=1)]
plan = make_plan(accounts, needs, PlanOptions(start=start, gift_card=False))
assert plan.accounts
print("ortools" in sys.modules)
"""


def _loads_ortools(*args: str) -> bool:
    result = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.strip().splitlines()[-1] == "True"


def test_help_does_not_load_the_solver() -> None:
    code = "import sys; from giftbalance.cli import cli\n"
    code += (
        "try:\n    cli.main(['--help'], prog_name='giftbalance')\nexcept SystemExit:\n    pass\n"
    )
    code += "print('ortools' in sys.modules)"
    assert not _loads_ortools("-c", code)


@pytest.mark.parametrize("case", ["one account", "one account, money expiring after every unit"])
def test_a_one_account_plan_does_not_load_the_solver(case: str) -> None:
    assert not _loads_ortools("-c", textwrap.dedent(PROBE), case)


def test_competing_accounts_load_it() -> None:
    # The probe is honest: the same check sees the solver when a plan needs it.
    assert _loads_ortools("-c", textwrap.dedent(PROBE), "competing")


def test_the_solver_loads_neither_pandas_nor_numpy() -> None:
    """CP-SAT is driven through its model record, not OR-Tools' cp_model module, which would
    import numpy and pandas (three times the solve's own cost on a household)."""
    probe = textwrap.dedent(PROBE).replace(
        'print("ortools" in sys.modules)',
        'print("ortools" in sys.modules, "pandas" in sys.modules, "numpy" in sys.modules)',
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, "competing"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.split() == ["True", "False", "False"]
