"""How fast the command line starts, as ratios to ``python -c "import pandas"`` in one run.

Each command runs as a fresh process (the installed console script's entry
point, ``python -c "from stridecheck.cli import main; main()"``), in turns with
the peer; the wall time is the best of ``--repeat`` runs, and so is the peer's,
on the same machine in the same run, with byte-compiled modules as installed.
Two ratios: best over best, and the median of each turn's command time over
the peer's time in the same turn ("paired"), which a shared machine's changing
load disturbs far less; the targets are checked on the paired ratio.
Targets (issue #15): ``--version`` at most 0.25x, ``--help`` at most 0.35x,
``info FILE --json`` on a 30-minute 1 Hz FIT file at most 1.3x.

Usage::

    python benchmarks/cli_startup.py              # best of 7
    python benchmarks/cli_startup.py --repeat 15
"""

from __future__ import annotations

import argparse
import os
import statistics
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


def wall_time(argv: list[str], pycache: Path) -> float:
    """Wall time of one run of a process. [s]

    Byte-compiled modules are kept under ``pycache`` (``PYTHONPYCACHEPREFIX``),
    as an installed package has them, even where ``PYTHONDONTWRITEBYTECODE`` is set.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(COLUMNS="100", PYTHONPYCACHEPREFIX=str(pycache))
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


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
    """Run the benchmark and print one row per command, each against its target.

    The peer and the commands run in turns (peer, each command, peer, ...), so
    a change in the machine's load touches all of them alike; each keeps its best.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (best counts)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fit = thirty_minute_fit(Path(tmp))
        pycache = Path(tmp) / "pycache"
        runs: dict[str, list[str]] = {
            "peer": [sys.executable, "-c", "import pandas"],
            "python": [sys.executable, "-c", "pass"],
        }
        for label, case_args, _ in CASES:
            runs[label] = [sys.executable, "-c", _ENTRY, *(a.format(fit=fit) for a in case_args)]
        for command in runs.values():  # warm the file cache, write the byte-compiled files
            wall_time(command, pycache)
        times: dict[str, list[float]] = {label: [] for label in runs}
        for _ in range(args.repeat):
            for label, command in runs.items():
                times[label].append(wall_time(command, pycache))
        peer = min(times["peer"])
        print(f"peer: python -c 'import pandas'  {peer * 1000:7.1f} ms (best of {args.repeat})")
        print(f"      python -c 'pass'            {min(times['python']) * 1000:7.1f} ms")
        print(
            f"{'command':30s} {'best ms':>8s} {'ratio':>6s} {'paired':>7s} {'target':>7s}"
            "   (ratio: best / best; paired: median of each turn's command / peer)"
        )
        missed = 0
        for label, _, target in CASES:
            ratio = min(times[label]) / peer
            turns = zip(times[label], times["peer"], strict=True)
            paired = statistics.median(c / p for c, p in turns)
            ok = paired <= target
            missed += not ok
            flag = "ok" if ok else "MISSED"
            print(
                f"{label:30s} {min(times[label]) * 1000:8.1f} {ratio:5.2f}x {paired:6.2f}x "
                f"{target:6.2f}x  {flag}"
            )
    if missed:
        print(f"{missed} target(s) missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
