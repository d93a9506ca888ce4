"""How fast the command line starts, as ratios to ``python -c "import pandas"`` in one run.

Each command runs as a fresh process (the installed console script's entry
point, ``python -c "from stridecheck.cli import main; main()"``); the wall time
is the best of ``--repeat`` runs, and so is the peer's, on the same machine in
the same run. Targets (issue #15): ``--version`` at most 0.25x, ``--help`` at
most 0.35x, ``info FILE --json`` on a 30-minute 1 Hz FIT file at most 1.3x.

Usage::

    python benchmarks/cli_startup.py              # best of 7
    python benchmarks/cli_startup.py --repeat 15
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: (label, arguments, ratio target).
CASES: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("stridecheck --version", ("--version",), 0.25),
    ("stridecheck --help", ("--help",), 0.35),
    ("stridecheck info FILE --json", ("info", "{fit}", "--json"), 1.3),
)
_ENTRY = "import sys; from stridecheck.cli import main; sys.argv[0] = 'stridecheck'; main()"


def best_wall(argv: list[str], repeat: int) -> float:
    """Best wall time of ``repeat`` runs of a process. [s]"""
    best = float("inf")
    env = {**os.environ, "COLUMNS": "100"}
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        best = min(best, time.perf_counter() - start)
    return best


def thirty_minute_fit(folder: Path) -> Path:
    """A 30-minute 1 Hz watch recording (simulated) written as FIT."""
    from stridecheck.io.fit_write import write_fit
    from stridecheck.simulate import simulate_session

    plan = [("walk", 300), *[("run", 60), ("walk", 90)] * 8, ("walk", 300)]
    session = simulate_session(plan, sensors="watch", random_state=15)
    assert 1700 <= len(session.activity.samples) <= 1900
    path = folder / "thirty_minutes.fit"
    write_fit(session.activity, path)
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one row per command; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (best counts)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fit = thirty_minute_fit(Path(tmp))
        # warm the file cache and any byte-compiled files once
        for _, case_args, _ in CASES:
            best_wall([sys.executable, "-c", _ENTRY, *(a.format(fit=fit) for a in case_args)], 1)
        peer = best_wall([sys.executable, "-c", "import pandas"], args.repeat)
        python = best_wall([sys.executable, "-c", "pass"], args.repeat)
        print(f"peer: python -c 'import pandas'  {peer * 1000:7.1f} ms (best of {args.repeat})")
        print(f"      python -c 'pass'            {python * 1000:7.1f} ms")
        print(f"{'command':32s} {'ms':>8s} {'ratio':>7s} {'target':>7s}")
        missed = 0
        for label, case_args, target in CASES:
            command = [sys.executable, "-c", _ENTRY, *(a.format(fit=fit) for a in case_args)]
            wall = best_wall(command, args.repeat)
            ratio = wall / peer
            ok = ratio <= target
            missed += not ok
            flag = "ok" if ok else "MISSED"
            print(
                f"{label:32s} {wall * 1000:8.1f} {ratio:6.2f}x {target:6.2f}x  {flag}",
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
