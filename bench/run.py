"""``make bench``: run every ``bench/bench_*.py`` in its own process and print what it says.

Each benchmark writes its figures to stdout (and its own page under docs/). This runner uses the
Python it was started with (``.venv/bin/python`` from the Makefile), runs the scripts one after
another so they do not slow each other down, and exits 1 if any of them failed or missed its
target, after running all of them.

Commands are timed as an installed package runs: its bytecode compiled once beforehand
(``compileall``, as ``pip install`` does) and ``PYTHONDONTWRITEBYTECODE`` dropped from the
benchmarks' environment, so no run pays for compiling giftbalance's sources.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> None:
    scripts = sorted(BENCH.glob("bench_*.py"))
    if not scripts:
        print("no bench/bench_*.py found")
        sys.exit(1)
    compileall.compile_dir(BENCH.parent / "giftbalance", quiet=1)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    failed: list[str] = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], cwd=BENCH.parent, env=env).returncode
        status = "ok" if code == 0 else f"exit {code}"
        print(f"== {script.name}: {status} ({time.perf_counter() - start:.1f} s)\n", flush=True)
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"failed or missed a target: {', '.join(failed)}")
        sys.exit(1)
    print(f"all {len(scripts)} benchmarks met their targets")


if __name__ == "__main__":
    main()
