"""``stridecheck programs``: on a small app of its own, and through the real app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from stridecheck.cli.programs import register
from stridecheck.programs import (
    builtin_text,
    fit_workout_to_session,
    load_program,
    load_program_file,
    loads_program,
    session_to_fit_workout,
)

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    register(app)
    return app


APP = _app()


def test_list() -> None:
    result = runner.invoke(APP, ["programs", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("asteroid-12wk", "couch-to-5k", "galloway"):
        assert name in result.output
    as_json = runner.invoke(APP, ["programs", "list", "--json"])
    rows = json.loads(as_json.output)
    assert [(r["name"], r["weeks"], r["sessions"]) for r in rows] == [
        ("asteroid-12wk", 12, 36),
        ("couch-to-5k", 9, 27),
        ("galloway", None, 5),
    ]
    assert all(r["description"] for r in rows)


def test_show_program_and_session() -> None:
    result = runner.invoke(APP, ["programs", "show", "couch-to-5k"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "NHS Couch to 5K" in result.output
    assert "8 x (run 1:00, walk 1:30)" in result.output
    one = runner.invoke(
        APP, ["programs", "show", "asteroid-12wk", "--session", "W1S1"], env={"COLUMNS": "200"}
    )
    assert one.exit_code == 0, one.output
    assert "run 20 of 20" in one.output and "cool-down" in one.output


def test_show_json() -> None:
    result = runner.invoke(APP, ["programs", "show", "couch-to-5k", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    program = load_program("couch-to-5k")
    assert doc["name"] == program.name
    assert doc["weeks"] == 9
    assert [s["id"] for s in doc["sessions"]] == list(program.session_ids)
    first = doc["sessions"][0]
    assert first["duration_s"] == first["run_s"] + first["walk_s"]
    assert "8 x (run 1:00, walk 1:30)" in first["steps"]
    one = runner.invoke(APP, ["programs", "show", "asteroid-12wk", "--session", "W1S1", "--json"])
    assert one.exit_code == 0, one.output
    session = json.loads(one.stdout)
    assert session["id"] == "W1S1" and session["week"] == 1
    bouts = session["bouts"]
    assert bouts[0]["index"] == 1 and bouts[-1]["step"] == "cool-down"
    assert sum(b["duration_s"] for b in bouts) == session["duration_s"]
    assert all(b["kind"] in {"run", "walk"} for b in bouts)


def test_show_errors_exit_2() -> None:
    result = runner.invoke(APP, ["programs", "show", "nope"])
    assert result.exit_code == 2
    assert "stridecheck: error: nope" in result.output
    bad_session = runner.invoke(APP, ["programs", "show", "galloway", "--session", "W9"])
    assert bad_session.exit_code == 2
    assert "run30s-walk30s" in bad_session.output


def test_export_builtin_keeps_comments(tmp_path: Path) -> None:
    out = tmp_path / "asteroid.toml"
    result = runner.invoke(APP, ["programs", "export", "asteroid-12wk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == builtin_text("asteroid-12wk")
    assert load_program_file(out) == load_program("asteroid-12wk")
    again = runner.invoke(APP, ["programs", "export", "asteroid-12wk", "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output
    forced = runner.invoke(
        APP, ["programs", "export", "asteroid-12wk", "--out", str(out), "--force"]
    )
    assert forced.exit_code == 0


def test_export_to_stdout_and_one_session() -> None:
    result = runner.invoke(APP, ["programs", "export", "galloway"])
    assert result.exit_code == 0
    assert loads_program(result.output) == load_program("galloway")
    one = runner.invoke(APP, ["programs", "export", "couch-to-5k", "--session", "W5S3"])
    program = loads_program(one.output)
    assert program.session_ids == ["W5S3"]
    assert program.sessions[0] == load_program("couch-to-5k").session("W5S3")


def test_export_fit_and_import_fit(tmp_path: Path) -> None:
    fit = tmp_path / "w1s1.fit"
    result = runner.invoke(
        APP, ["programs", "export", "couch-to-5k", "--session", "W1S1", "--fit", str(fit)]
    )
    assert result.exit_code == 0, result.output
    original = load_program("couch-to-5k").session("W1S1")
    assert fit_workout_to_session(fit.read_bytes(), errors="raise").steps == original.steps
    imported = runner.invoke(APP, ["programs", "import-fit", str(fit), "--session-id", "W1S1"])
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("# Imported from the FIT workout w1s1.fit")
    program = loads_program(imported.output)
    assert program.sessions[0].id == "W1S1"
    assert program.sessions[0].steps == original.steps
    toml_out = tmp_path / "w1s1.toml"
    runner.invoke(APP, ["programs", "import-fit", str(fit), "--out", str(toml_out)])
    assert load_program_file(toml_out).sessions[0].steps == original.steps


def test_export_fit_needs_session(tmp_path: Path) -> None:
    result = runner.invoke(
        APP, ["programs", "export", "galloway", "--fit", str(tmp_path / "x.fit")]
    )
    assert result.exit_code == 2
    assert "--fit needs --session" in result.output
    assert not (tmp_path / "x.fit").exists()


def test_import_fit_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.fit"
    junk.write_bytes(b"not a fit file")
    result = runner.invoke(APP, ["programs", "import-fit", str(junk)])
    assert result.exit_code == 2 and "not a FIT file" in result.output
    missing = runner.invoke(APP, ["programs", "import-fit", str(tmp_path / "absent.fit")])
    assert missing.exit_code == 2 and "cannot be read" in missing.output


def test_import_fit_reports_what_is_left_out(tmp_path: Path) -> None:
    session = loads_program('name = "p"\n[[sessions]]\nid = "A"\nsteps = [ { run = 60 } ]\n')
    data = session_to_fit_workout(session.sessions[0])
    path = tmp_path / "ok.fit"
    path.write_bytes(data)
    result = runner.invoke(APP, ["programs", "import-fit", str(path)])
    assert result.exit_code == 0
    assert "warning" not in result.output


def test_validate(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(builtin_text("galloway"), encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "p"\n[[sessions]]\nid = "A"\nsteps = [\n  { run = "5:75" },\n]\n')
    result = runner.invoke(APP, ["programs", "validate", str(good)])
    assert result.exit_code == 0 and "ok" in result.output
    result = runner.invoke(APP, ["programs", "validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"{bad}, line 5:" in result.output
    assert "'5:75'" in result.output


def test_schema(tmp_path: Path) -> None:
    result = runner.invoke(APP, ["programs", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "stridecheck program"
    out = tmp_path / "program.schema.json"
    assert runner.invoke(APP, ["programs", "schema", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["required"] == ["name", "sessions"]


def test_through_the_real_app() -> None:
    try:
        from stridecheck.cli import app
    except ImportError:  # pragma: no cover - depends on the shared CLI module
        pytest.skip("stridecheck.cli.app is not available")
    result = runner.invoke(app, ["programs", "list", "--json"])
    if result.exit_code != 0 and "No such command" in result.output:
        pytest.skip("the programs command group is not registered in stridecheck.cli")
    assert result.exit_code == 0, result.output
    assert [row["name"] for row in json.loads(result.output)] == [
        "asteroid-12wk",
        "couch-to-5k",
        "galloway",
    ]
