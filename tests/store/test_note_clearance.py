"""Adverse events block progression until a coach records a clearance note (#17)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stridecheck.cli import app
from stridecheck.store import Store
from stridecheck.store.db import connect
from stridecheck.store.migrations import MIGRATIONS, SCHEMA_VERSION, _statements, schema_version


def _adherence(runner: CliRunner, db: str) -> Any:
    res = runner.invoke(
        app, ["adherence", "--athlete", "ana", "--db", db, "--as-of", "2026-03-20", "--json"]
    )
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_adverse_event_then_clearance_on_the_command_line(
    tmp_path: Path, activity_dir: Path, short_program_toml: str
) -> None:
    runner = CliRunner()
    db = str(tmp_path / "ae.db")
    program = tmp_path / "short.toml"
    program.write_text(short_program_toml)
    res = runner.invoke(
        app, ["enroll", "ana", "--program", str(program), "--start", "2026-03-02", "--db", db]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["import", str(activity_dir), "--athlete", "ana", "--db", db])
    assert res.exit_code == 0, res.output
    before = _adherence(runner, db)
    assert [w["progression_ready"] for w in before["weeks"]] == [True, True]
    res = runner.invoke(
        app, ["note", "ana", "fell on ice", "--session", "W1S2", "--adverse", "--db", db]
    )
    assert res.exit_code == 0, res.output
    blocked = _adherence(runner, db)
    weeks = blocked["weeks"]
    assert [w["progression_ready"] for w in weeks] == [False, False]
    assert "adverse event reported for session W1S2" in weeks[0]["progression_reason"]
    assert "not yet cleared by a coach" in weeks[1]["progression_reason"]
    assert blocked["summary"]["adverse_events_uncleared"] == 1
    session = next(s for s in blocked["sessions"] if s["session_id"] == "W1S2")
    assert session["adverse_event"] is True
    # a clearance needs a text, and is not itself an adverse event
    res = runner.invoke(app, ["note", "ana", "--session", "W1S2", "--clear", "--db", db])
    assert res.exit_code == 2 and "clearance needs a text" in res.output
    res = runner.invoke(
        app, ["note", "ana", "ok", "--session", "W1S2", "--clear", "--adverse", "--db", db]
    )
    assert res.exit_code == 2 and "not both" in res.output
    res = runner.invoke(
        app,
        ["note", "ana", "physio: wrist fine", "--session", "W1S2", "--clear", "--db", db],
    )
    assert res.exit_code == 0 and "(clearance)" in res.output
    cleared = _adherence(runner, db)
    assert [w["progression_ready"] for w in cleared["weeks"]] == [False, True]
    assert cleared["summary"]["adverse_events_uncleared"] == 0
    res = runner.invoke(
        app, ["adherence", "--athlete", "ana", "--db", db, "--as-of", "2026-03-20"]
    )
    assert res.exit_code == 0, res.output
    assert "adverse events: 1 (0 not yet cleared by a coach)" in res.stdout


def test_notes_stored_before_clearances_migrate_as_not_clearances(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    conn = connect(path)
    for script in MIGRATIONS[:2]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO athletes (name, created_at) VALUES ('ana', '2026-03-01')")
    conn.execute(
        "INSERT INTO session_notes (athlete_id, session_id, adverse_event, text, created_at)"
        " VALUES (1, 'W1S1', 1, 'fell', '2026-03-02T10:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert schema_version(store.conn) == SCHEMA_VERSION
        notes = store.notes_frame(store.athlete("ana").id)
        assert notes["clearance"].tolist() == [False]
        assert notes["adverse_event"].tolist() == [True]
        with pytest.raises(Exception, match="CHECK"):
            store.conn.execute("UPDATE session_notes SET clearance = 2")
