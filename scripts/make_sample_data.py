"""Generate ``sample_data/`` (``make sample-data``; ``make_sample_data.py [--out DIR]``).

The generator lives in the package (:mod:`stridecheck.simulate.sample_data`),
so an installed ``stridecheck demo`` writes the same files, byte for byte,
into the user's data folder on first use.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stridecheck.simulate.sample_data import generate


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``make_sample_data.py [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default = Path(__file__).resolve().parents[1] / "sample_data"
    parser.add_argument("--out", type=Path, default=default, help=f"folder (default {default})")
    args = parser.parse_args(argv)
    rows = generate(args.out)
    files = sum(1 for r in rows if r["file"])
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"wrote {files} activities to {args.out} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
