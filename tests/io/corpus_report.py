"""Summarise how the FIT files of the shared corpus import: imported / rejected, with reasons.

Run ``python tests/io/corpus_report.py [corpus folder]`` (default: env
``STRIDECHECK_CORPUS`` or ``<repo>/../shared/corpus``); ``test_fit.py`` prints the
same summary in ``test_corpus_summary``.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from stridecheck.errors import StrideCheckError, StrideCheckWarning
from stridecheck.io import read


@dataclass
class Summary:
    """Counts over the corpus FIT files."""

    total: int = 0
    imported: int = 0
    with_warnings: int = 0
    speed_derived: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    files: dict[str, str] = field(default_factory=dict)


def _reason(exc: StrideCheckError) -> str:
    """The kind of rejection, without file names and offsets."""
    text = str(exc).split(": ", 1)[-1]
    text = re.sub(r"at byte \d+: ", "", text)
    text = re.sub(r"type \w+", "type <t>", text)
    return f"{type(exc).__name__}: {text}"


def summarise(corpus: Path) -> Summary:
    """Read every FIT file the corpus ``manifest.csv`` lists and count the outcomes."""
    out = Summary()
    with (corpus / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["format"] == "fit"]
    for path in sorted(corpus / r["path"] for r in rows):
        rel = path.relative_to(corpus).as_posix()
        out.total += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StrideCheckWarning)
            try:
                activity = read(path, errors="warn")
            except StrideCheckError as exc:
                out.rejected[_reason(exc)] += 1
                out.files[rel] = f"rejected: {exc}"
                continue
        out.imported += 1
        out.with_warnings += bool(activity.meta.warnings)
        out.speed_derived += activity.meta.speed_derived
        out.files[rel] = f"imported: {len(activity.samples)} samples"
    return out


def format_summary(summary: Summary) -> str:
    """Plain-text report of a :class:`Summary`."""
    lines = [
        f"FIT corpus: {summary.total} files, {summary.imported} imported "
        f"({summary.with_warnings} with warnings, {summary.speed_derived} with derived speed), "
        f"{sum(summary.rejected.values())} rejected",
    ]
    lines += [f"  {n:3d}  {reason}" for reason, n in summary.rejected.most_common()]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
    corpus = (
        Path(argv[1]) if len(argv) > 1 else Path(os.environ.get("STRIDECHECK_CORPUS", default))
    )
    summary = summarise(corpus)
    print(format_summary(summary))
    for rel, outcome in summary.files.items():
        if outcome.startswith("rejected"):
            print(f"    {rel}: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
