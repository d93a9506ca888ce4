"""The store commands on the command line: import, athletes, enroll, note, adherence, cohort."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stridecheck.cli import app
from stridecheck.store import DB_ENV


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def program_file(tmp_path: Path, short_program_toml: str) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(short_program_toml)
    return path


def test_store_workflow(
    runner: CliRunner, tmp_path: Path, activity_dir: Path, program_file: Path
) -> None:
    db = str(tmp_path / "cli.db")
    res = runner.invoke(
        app, ["enroll", "ana", "--program", str(program_file), "--start", "2026-03-02", "--db", db]
    )
    assert res.exit_code == 0, res.output
    assert "Enrolled ana" in res.output
    res = runner.invoke(
        app, ["import", str(activity_dir), "--athlete", "ana", "--db", db, "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["imported"] == 4
    res = runner.invoke(app, ["import", str(activity_dir), "--athlete", "ana", "--db", db])
    assert res.exit_code == 0, res.output
    assert "imported 0, duplicates 4, rejected 0" in res.output
    res = runner.invoke(app, ["athletes", "--db", db, "--json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)[0]["activities"] == 4
    res = runner.invoke(
        app,
        [
            "note",
            "ana",
            "--session",
            "W1S1",
            "--pain-before",
            "40",
            "--pain-after",
            "30",
            "--rpe",
            "13",
            "--adverse",
            "sore knee",
            "--db",
            db,
        ],
    )
    assert res.exit_code == 0, res.output
    assert "adverse event" in res.output
    res = runner.invoke(
        app,
        ["adherence", "--athlete", "ana", "--db", db, "--as-of", "2026-03-20", "--json"],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["summary"]["sessions_done"] == 4
    assert doc["summary"]["adherence_pct"] == 100.0
    res = runner.invoke(app, ["adherence", "--athlete", "ana", "--db", db, "--csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("order,week,slot,session_id")
    res = runner.invoke(app, ["adherence", "--athlete", "ana", "--db", db])
    assert res.exit_code == 0, res.output
    assert "adherence 100%" in res.output


def test_db_from_environment(
    runner: CliRunner, tmp_path: Path, activity_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DB_ENV, str(tmp_path / "env.db"))
    res = runner.invoke(app, ["import", str(activity_dir / "W1S1.fit"), "--athlete", "bo"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "env.db").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--session", "W1S1", "--rpe", "25"], "--rpe: RPE must be 6-20"),
        (["--session", "W1S1", "--pain-before", "101"], "--pain-before: pain must be 0-100"),
        (["--session", "W9S9", "--rpe", "12"], "no session 'W9S9'"),
        (["--rpe", "12"], "--session"),
    ],
)
def test_note_errors(
    runner: CliRunner, tmp_path: Path, program_file: Path, args: list[str], message: str
) -> None:
    db = str(tmp_path / "n.db")
    runner.invoke(
        app, ["enroll", "cy", "--program", str(program_file), "--start", "2026-03-02", "--db", db]
    )
    res = runner.invoke(app, ["note", "cy", *args, "--db", db])
    assert res.exit_code == 2
    assert message in res.output


def test_input_errors(runner: CliRunner, tmp_path: Path, activity_dir: Path) -> None:
    db = str(tmp_path / "e.db")
    res = runner.invoke(
        app, ["enroll", "x", "--program", "couch-to-5k", "--start", "soon", "--db", db]
    )
    assert res.exit_code == 2 and "not a date" in res.output
    res = runner.invoke(app, ["adherence", "--athlete", "nobody", "--db", db])
    assert res.exit_code == 2 and "no store here yet" in res.output  # nothing imported yet
    runner.invoke(app, ["import", str(activity_dir / "W1S1.fit"), "--athlete", "x", "--db", db])
    res = runner.invoke(app, ["adherence", "--athlete", "nobody", "--db", db])
    assert res.exit_code == 2 and "no such athlete" in res.output
    res = runner.invoke(app, ["adherence", "--athlete", "x", "--db", db])
    assert res.exit_code == 2 and "not enrolled" in res.output
    res = runner.invoke(app, ["adherence", "--athlete", "x", "--start", "2026-03-02", "--db", db])
    assert res.exit_code == 2 and "either --athlete or FILES" in res.output
    res = runner.invoke(app, ["adherence"])
    assert res.exit_code == 2


def test_adherence_files_mode_still_works(
    runner: CliRunner, activity_dir: Path, program_file: Path
) -> None:
    files = [str(p) for p in sorted(activity_dir.glob("*.fit"))]
    res = runner.invoke(
        app,
        [
            "adherence",
            *files,
            "--program",
            str(program_file),
            "--start",
            "2026-03-02",
            "--as-of",
            "2026-03-20",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["summary"]["sessions_done"] == 4


def test_cohort_command(
    runner: CliRunner, tmp_path: Path, cohort_dir: Path, program_file: Path
) -> None:
    out = tmp_path / "tables"
    res = runner.invoke(
        app,
        [
            "cohort",
            str(cohort_dir),
            "--program",
            str(program_file),
            "--out",
            str(out),
            "--format",
            "parquet",
            "--workers",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "3 participants" in res.output and "1 errors" in res.output
    assert "broken.fit" in res.output
    parts = pd.read_parquet(out / "participants.parquet")
    assert parts["participant"].tolist() == ["p01", "p02", "p03"]
    assert {p.name for p in out.iterdir()} == {
        "sessions.parquet",
        "weekly.parquet",
        "participants.parquet",
        "errors.parquet",
        "interruptions.parquet",
        "consort.parquet",
        "datapackage.json",
    }
    assert "datapackage.json" in res.output
    out = tmp_path / "tables-csv"  # one data package (datapackage.json) per folder
    res = runner.invoke(app, ["cohort", str(cohort_dir), "--out", str(out), "--workers", "1"])
    # without --program, p01 and p02 (whose enrollment.toml names none) are errors
    assert res.exit_code == 0, res.output
    assert "names no program" in res.output
    errors = pd.read_csv(out / "errors.csv")
    assert errors["participant"].tolist() == ["p01", "p02"]
    res = runner.invoke(
        app, ["cohort", str(cohort_dir), "--out", str(out), "--workers", "2", "--dask", "x"]
    )
    assert res.exit_code == 2 and "either --workers or --dask" in res.output


# --- import: rejected files, duplicates of other athletes, progress total ------------


def test_import_with_a_rejected_file_exits_2_and_keeps_the_good_ones(
    runner: CliRunner, tmp_path: Path, activity_dir: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = sorted(activity_dir.glob("*.fit"))[:2]
    for path in good:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "broken.fit").write_bytes(b"not a fit file at all")
    db = str(tmp_path / "mixed.db")
    res = runner.invoke(app, ["import", str(folder), "--athlete", "ana", "--db", db])
    assert res.exit_code == 2, res.output
    assert "imported 2, duplicates 0, rejected 1" in res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"stridecheck: error: {folder / 'broken.fit'}: rejected: ")
    assert "Traceback" not in res.output
    listing = runner.invoke(app, ["athletes", "--db", db, "--json"])
    assert json.loads(listing.stdout)[0]["activities"] == 2
    as_json = runner.invoke(app, ["import", str(folder), "--athlete", "ana", "--db", db, "--json"])
    assert as_json.exit_code == 2
    doc = json.loads(as_json.stdout)
    assert doc["duplicates"] == 2
    assert [r["file"] for r in doc["rejected"]] == [str(folder / "broken.fit")]


def test_import_names_the_athlete_a_duplicate_belongs_to(
    runner: CliRunner, tmp_path: Path, activity_dir: Path
) -> None:
    db = str(tmp_path / "owners.db")
    one = str(sorted(activity_dir.glob("*.fit"))[0])
    assert runner.invoke(app, ["import", one, "-a", "ana", "--db", db]).exit_code == 0
    res = runner.invoke(app, ["import", one, "-a", "bo", "--db", db])
    assert res.exit_code == 0, res.output
    assert "imported 0, duplicates 1" in res.stdout
    assert res.stderr.strip() == (
        f"stridecheck: warning: {one}: duplicate: already stored for athlete 'ana'; not added"
    )
    doc = json.loads(runner.invoke(app, ["import", one, "-a", "bo", "--db", db, "--json"]).stdout)
    assert doc["duplicate_files"] == [{"file": one, "athlete": "ana"}]
    # the athlete's own re-import is not worth a line
    again = runner.invoke(app, ["import", one, "-a", "ana", "--db", db])
    assert again.exit_code == 0 and again.stderr == ""


def test_count_candidates_estimates_the_progress_total(tmp_path: Path, activity_dir: Path) -> None:
    import zipfile

    from stridecheck.importer import count_candidates

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(activity_dir.glob("*.fit")):
            zf.write(path, f"activities/{path.name}")
        zf.writestr("README.txt", "not an activity")
    assert count_candidates([activity_dir]) == 4
    assert count_candidates([archive]) == 4
    assert count_candidates([activity_dir, archive, tmp_path / "missing.fit"]) == 9


def test_cohort_json(
    runner: CliRunner, tmp_path: Path, cohort_dir: Path, program_file: Path
) -> None:
    out = tmp_path / "tables"
    res = runner.invoke(
        app,
        ["cohort", str(cohort_dir), "-p", str(program_file), "-o", str(out), "-j", "1", "--json"],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["participants"] == 3
    assert doc["files"] >= 1
    assert {Path(p).name for p in doc["tables"]} >= {"sessions.csv", "participants.csv"}
    assert all(Path(p).is_file() for p in doc["tables"])
    assert [e["file"] for e in doc["errors"]] == ["broken.fit"]
    assert set(doc["errors"][0]) == {"participant", "file", "error", "reason"}


def test_files_read_from_memory_are_named_by_their_label(
    runner: CliRunner, tmp_path: Path, activity_dir: Path
) -> None:
    """Zip members and uploads are read as bytes: errors and warnings name them, not <bytes>."""
    import zipfile

    from stridecheck.importer import content_sha256, prepare

    good = sorted(activity_dir.glob("*.fit"))[0].read_bytes()
    bad_crc = good[:-2] + b"\x00\x00"
    outcome = prepare("export.zip!run.fit", bad_crc, content_sha256(bad_crc))
    meta = json.loads(outcome.record.meta_json)  # type: ignore[union-attr]
    assert meta["warnings"], "a wrong file CRC is a warning"
    assert all("<bytes>" not in w for w in meta["warnings"])
    assert any("export.zip!run.fit" in w for w in meta["warnings"])
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("run.fit", bad_crc)
        zf.writestr("cut.fit", good[:300])
        zf.writestr("junk.fit", b"\x0e\x10" + b"\x00" * 40)
    res = runner.invoke(app, ["import", str(archive), "-a", "ana", "--db", str(tmp_path / "z.db")])
    assert res.exit_code == 2
    assert "<bytes>" not in res.output
    assert f"{archive}!junk.fit: rejected" in res.stderr


def test_read_only_commands_create_no_store(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "nothing-yet" / "store.db"
    res = runner.invoke(app, ["athletes", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "Athletes (0)" in res.stdout
    assert runner.invoke(app, ["athletes", "--db", str(db), "--json"]).stdout.strip() == "[]"
    for args in (
        ["adherence", "--athlete", "ana", "--db", str(db)],
        ["report", "--athlete", "ana", "--out", str(tmp_path / "r.html"), "--db", str(db)],
        ["note", "ana", "--session", "W1S1", "--rpe", "12", "--db", str(db)],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert res.stderr.strip() == (
            f"stridecheck: error: {db}: no store here yet; 'stridecheck import FILES --athlete "
            "NAME' creates it (or give --db / $STRIDECHECK_DB)"
        )
    assert not db.exists() and not db.parent.exists()
