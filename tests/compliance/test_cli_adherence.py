"""``stridecheck adherence`` on simulated FIT files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stridecheck.cli import app
from stridecheck.programs import load_program
from stridecheck.simulate import simulate_session, write_session

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("adherence")
    program = load_program("asteroid-12wk")
    spec = [
        ("W1S1", "2026-01-05T07:00Z", ()),
        # the recording ends before half the steps: clearly below the 50 % of a
        # partial session (exactly half is partial, and the segmenter now sees it)
        ("W1S2", "2026-01-07T07:00Z", {"stopped_halfway": {"at_min": 0.35, "at_max": 0.42}}),
        ("W1S3", "2026-01-09T07:00Z", ()),
        ("W2S1", "2026-01-12T07:00Z", ("walked_everything",)),
    ]
    out = []
    for i, (session_id, start, deviations) in enumerate(spec):
        sim = simulate_session(
            program.session(session_id).to_plan(),
            start=start,
            deviations=deviations,
            random_state=i,
        )
        out.append(write_session(sim, folder / f"{i}-{session_id}.fit"))
    return out


def _args(files: list[Path], *extra: str) -> list[str]:
    base = ["adherence", "--program", "asteroid-12wk", "--start", "2026-01-05"]
    return [*base, "--as-of", "2026-01-18", *extra, *map(str, files)]


def test_adherence_json(files):
    result = runner.invoke(app, _args(files, "--json"))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    summary = doc["summary"]
    assert summary["sessions_prescribed"] == 6
    assert summary["sessions_done"] == 2
    assert summary["sessions_completed"] == 2
    assert summary["adherence_pct"] == pytest.approx(100 * 2 / 6, abs=0.01)
    # W2S1 walked (attended, not done), W2S2 and W2S3 missed: no interruption (#17)
    assert summary["interruptions"] == 0
    assert summary["longest_not_done_run"] == 3
    assert summary["sessions_attended"] == 4
    assert summary["attendance_pct"] == pytest.approx(100 * 4 / 6, abs=0.01)
    assert 0 < summary["rdi_pct"] < 100
    assert summary["prescribed_run_min"] > summary["performed_run_min"] > 0
    assert summary["progression_reason_last"].startswith("Not ready to progress:")
    assert summary["weekly_run_km"] > 0
    statuses = [s["status"] for s in doc["sessions"][:6]]
    assert statuses == [
        "completed", "not_completed", "completed", "not_completed", "missed", "missed",
    ]  # fmt: skip
    assert doc["sessions"][6]["status"] == "upcoming"
    assert doc["weeks"][0]["progression_ready"] is True
    assert doc["weeks"][0]["progression_reason"].startswith("Ready to progress: 2 of 3")
    assert doc["weeks"][1]["progression_ready"] is False
    assert "0 of 3 sessions completed (2 needed)" in doc["weeks"][1]["progression_reason"]
    assert [s["attended"] for s in doc["sessions"][:6]] == [True] * 4 + [False] * 2
    assert doc["weeks"][1]["attended"] == 1
    assert doc["sessions"][0]["activity"] == "0-W1S1.fit"


def test_adherence_tables(files):
    result = runner.invoke(app, _args(files))
    assert result.exit_code == 0, result.output
    assert "adherence 33% (2 of 6 sessions done, 2 completed)" in result.stdout
    assert "interruptions (3+ sessions missed in a row): 0" in result.stdout
    assert "attendance 67% (4 of 6 sessions attended)" in result.stdout
    assert "W1S2" in result.stdout


def test_adherence_csv(files):
    result = runner.invoke(app, _args(files[:3], "--csv"))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 36
    assert rows[0]["session_id"] == "W1S1"
    assert rows[0]["status"] == "completed"
    assert float(rows[0]["score"]) >= 90
    assert rows[1]["status"] == "not_completed"


def test_extra_activity_is_unplanned(files, tmp_path):
    twice = tmp_path / "again.fit"
    twice.write_bytes(files[0].read_bytes())
    result = runner.invoke(app, _args([*files[:3], twice], "--json"))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["summary"]["unplanned_activities"] == 1
    assert doc["unplanned"][0]["reason"] == "extra activity in week 1"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--json", "--csv"], "choose one of --json and --csv"),
        (["--as-of", "yesterday"], "not a date"),
    ],
)
def test_bad_options_exit_2(files, extra, message):
    result = runner.invoke(app, [*_args(files[:1]), *extra])
    assert result.exit_code == 2
    assert message in result.stderr


def test_unknown_program_exits_2(files):
    args = ["adherence", "--program", "no-such-program", "--start", "2026-01-05", str(files[0])]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "built-in" in result.stderr
