"""``stridecheck analyze``: the table, the JSON contract and bad input."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from stridecheck.cli import app
from stridecheck.cli._common import EXIT_INPUT, EXIT_OK
from stridecheck.cli.analyze import format_intervals_table
from stridecheck.io.fit_write import write_fit
from stridecheck.segment import INTERVAL_COLUMNS, segment
from stridecheck.simulate import simulate_session

runner = CliRunner()
PLAN = [("walk", 90.0)] + [("run", 15.0), ("walk", 45.0)] * 3 + [("walk", 60.0)]


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    session = simulate_session(PLAN, sensors="watch", deviations=["timer_pause"], random_state=5)
    path = tmp_path_factory.mktemp("analyze") / "session.fit"
    write_fit(session.activity, path)
    return path


def test_json_document(fit_file: Path) -> None:
    result = runner.invoke(app, ["analyze", str(fit_file), "--json"])
    assert result.exit_code == EXIT_OK, result.output
    doc = json.loads(result.stdout)
    assert doc["file"] == str(fit_file)
    intervals = doc["intervals"]
    assert intervals and all(set(row) == set(INTERVAL_COLUMNS) for row in intervals)
    for a, b in itertools.pairwise(intervals):
        assert a["end"] == b["start"]
    starts = pd.to_datetime([row["start"] for row in intervals])
    assert str(starts.tz) == "UTC"
    kinds = [row["kind"] for row in intervals]
    assert kinds.count("run") == 3
    assert "paused" in kinds
    summary = doc["summary"]
    for key in (
        "start",
        "end",
        "duration_s",
        "time_s",
        "distance_m",
        "intervals",
        "run_bouts",
        "method",
        "methods_text",
        "warnings",
    ):
        assert key in summary
    assert summary["run_bouts"] == 3


def test_table(fit_file: Path) -> None:
    result = runner.invoke(app, ["analyze", str(fit_file)])
    assert result.exit_code == EXIT_OK, result.output
    assert "run" in result.stdout and "walk" in result.stdout
    assert "3 run bouts" in result.stdout


def test_baseline_method_option(fit_file: Path) -> None:
    result = runner.invoke(app, ["analyze", str(fit_file), "--json", "--method", "baseline"])
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["summary"]["method"] == "threshold"


def test_bad_input(tmp_path: Path, fit_file: Path) -> None:
    missing = tmp_path / "nope.fit"
    result = runner.invoke(app, ["analyze", str(missing)])
    assert result.exit_code == EXIT_INPUT
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["analyze", str(fit_file), "--method", "kalman"])
    assert result.exit_code == EXIT_INPUT


def test_format_intervals_table() -> None:
    session = simulate_session(PLAN, sensors="watch", random_state=1)
    seg = segment(session.activity)
    table = format_intervals_table(seg)
    assert table.row_count == len(seg.intervals)
    console = Console(record=True, width=120)
    console.print(table)
    assert "run" in console.export_text()
