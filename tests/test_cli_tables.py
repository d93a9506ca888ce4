"""No raw ``nan`` in any table: missing values show as ``-``.

The helpers (:func:`format_number`, :func:`format_text`) on every kind of
missing value, then the commands' tables on recordings that lack heart rate,
cadence or distance, an athlete with a missed session and one never enrolled.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from stridecheck.cli import app
from stridecheck.cli._common import (
    format_distance,
    format_duration,
    format_number,
    format_text,
)
from stridecheck.io.fit_write import write_fit
from stridecheck.io.gpx_write import write_gpx
from stridecheck.simulate import simulate_session

#: Words a missing value must never be shown as.
RAW_MISSING = re.compile(r"\b(nan|NaN|NaT|None|inf)\b|<NA>")

MISSING_VALUES = [None, math.nan, np.nan, np.float32("nan"), pd.NA, pd.NaT, math.inf, -math.inf]


@pytest.mark.parametrize("value", MISSING_VALUES, ids=repr)
def test_helpers_show_missing_as_a_dash(value: object) -> None:
    assert format_number(value) == "-"
    assert format_number(value, ".1f", suffix=" %") == "-"
    assert format_text(value) == "-"
    assert format_duration(value) == "-"  # type: ignore[arg-type]
    assert format_distance(value) == "-"  # type: ignore[arg-type]


def test_helpers_show_values() -> None:
    assert format_number(12.345, ".1f", suffix=" km") == "12.3 km"
    assert format_number(np.float64(3.0), "+.0f", suffix=" s") == "+3 s"
    assert format_number(7) == "7"
    assert format_text("W1S1") == "W1S1"
    assert format_text("  ") == "-"
    assert format_text(3) == "3"


PLAN = [("walk", 120), ("run", 60), ("walk", 90), ("run", 60), ("walk", 120)]


@pytest.fixture(scope="module")
def sparse_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A phone GPX (positions only) and a treadmill footpod FIT (no positions)."""
    folder = tmp_path_factory.mktemp("sparse")
    phone = simulate_session(PLAN, sensors="phone_gpx", start="2026-03-02T07:00:00Z")
    treadmill = simulate_session(
        PLAN, sensors="treadmill_footpod", start="2026-03-04T07:00:00Z", random_state=3
    )
    gpx = folder / "phone.gpx"
    fit = folder / "treadmill.fit"
    write_gpx(phone.activity, gpx)
    write_fit(treadmill.activity, fit)
    return {"gpx": gpx, "fit": fit}


@pytest.fixture(scope="module")
def program_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("program") / "short.toml"
    path.write_text(
        'name = "short"\nweeks = 2\nsessions_per_week = 2\n'
        + "".join(
            f'\n[[sessions]]\nid = "W{w}S{n}"\nweek = {w}\n'
            'steps = [{walk = "2:00"}, {repeat = 2, steps = [{run = "1:00"}, {walk = "1:30"}]},'
            ' {walk = "0:30"}]\n'
            for w in (1, 2)
            for n in (1, 2)
        )
    )
    return path


def _clean(result: object, args: list[str]) -> str:
    out = result.stdout  # type: ignore[attr-defined]
    assert result.exit_code == 0, (args, result.output)  # type: ignore[attr-defined]
    found = RAW_MISSING.findall(out)
    assert not found, f"{args}: raw missing values {found} in:\n{out}"
    return str(out)


def test_tables_show_no_raw_missing_values(
    sparse_files: dict[str, Path], program_file: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    db = str(tmp_path / "store.db")
    gpx, fit = str(sparse_files["gpx"]), str(sparse_files["fit"])
    commands = [
        ["info", gpx],
        ["info", fit],
        ["info", gpx, fit],
        ["analyze", gpx],
        ["analyze", fit],
        ["analyze", gpx, "--program", str(program_file), "--session", "W1S1"],
        ["adherence", gpx, fit, "--program", str(program_file), "--start", "2026-03-02"],
        ["enroll", "ann", "--program", str(program_file), "--start", "2026-03-02", "--db", db],
        ["import", gpx, fit, "--athlete", "ann", "--db", db],
        ["import", gpx, "--athlete", "never-enrolled", "--db", db],
        ["athletes", "--db", db],
        ["adherence", "--athlete", "ann", "--db", db, "--as-of", "2026-03-20"],
        ["programs", "list"],
        ["programs", "show", str(program_file)],
        ["programs", "show", str(program_file), "--session", "W1S1"],
        ["devices", "profiles"],
    ]
    for args in commands:
        result = runner.invoke(app, args, env={"COLUMNS": "160"})
        text = _clean(result, args)
        if args[0] == "analyze" and args[1] == gpx and len(args) == 2:
            assert " - " in text  # the phone recorded no heart rate or cadence
