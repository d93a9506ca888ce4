"""The store: migrations, re-opening, athletes, enrolments, notes."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from stridecheck.errors import InputError
from stridecheck.programs import Program, load_program
from stridecheck.store import (
    DB_ENV,
    SCHEMA_VERSION,
    Store,
    connect,
    default_db_path,
    migrate,
    resolve_db_path,
    schema_version,
    validate_note,
)

TABLES = {
    "athletes",
    "programs",
    "enrolments",
    "activities",
    "analyses",
    "intervals",
    "compliance",
    "session_notes",
}


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrate_empty_db_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "store.db"
    with Store.open(path) as store:
        assert schema_version(store.conn) == SCHEMA_VERSION
        assert _tables(store.conn) >= TABLES
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        store.ensure_athlete("ana")
    with Store.open(path) as store:  # re-open: no migration re-run, data kept
        assert schema_version(store.conn) == SCHEMA_VERSION
        assert store.athlete("ana").name == "ana"
        assert migrate(store.conn) == SCHEMA_VERSION


def test_version_1_database_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    from stridecheck.store.migrations import MIGRATIONS, _statements

    path = tmp_path / "v1.db"
    conn = connect(path)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO athletes (name, created_at) VALUES ('ana', '2026-03-01')")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert schema_version(store.conn) == SCHEMA_VERSION >= 2
        assert store.athlete("ana").name == "ana"
        columns = {r[1] for r in store.conn.execute("PRAGMA table_info(analyses)")}
        assert "methods_json" in columns


def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(InputError, match="newer"):
        Store.open(path)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="database"):
        Store.open(path)


def test_db_path_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DB_ENV, str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    assert resolve_db_path(tmp_path / "opt.db") == tmp_path / "opt.db"
    assert resolve_db_path(None) == tmp_path / "env.db"
    monkeypatch.delenv(DB_ENV)
    assert default_db_path().name == "stridecheck.db"
    assert "stridecheck" in str(default_db_path().parent)


def test_foreign_keys_enforced(tmp_path: Path) -> None:
    with Store.open(tmp_path / "fk.db") as store, pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO enrolments (athlete_id, program_id, start_date, created_at)"
            " VALUES (99, 99, '2026-03-02', 'now')"
        )


def test_athletes_and_enrolment(tmp_path: Path, short_program: Program) -> None:
    with Store.open(tmp_path / "s.db") as store:
        with pytest.raises(InputError, match="no such athlete"):
            store.athlete("nobody")
        with pytest.raises(InputError, match="empty"):
            store.ensure_athlete("  ")
        first = store.ensure_athlete("ana")
        assert store.ensure_athlete("ana") == first  # idempotent
        assert store.current_enrolment(first.id) is None
        enrolment = store.enroll("ana", short_program, dt.date(2026, 3, 2))
        assert enrolment.program() == short_program
        again = store.enroll("ana", short_program, dt.date(2026, 3, 2))
        assert again.id == enrolment.id
        n_programs = store.conn.execute("SELECT count(*) FROM programs").fetchone()[0]
        assert n_programs == 1  # the same program text is stored once
        c25k = load_program("couch-to-5k")
        later = store.enroll("ana", c25k, dt.date(2026, 5, 4))
        assert store.current_enrolment(first.id) == later
        assert later.program_sha256 != enrolment.program_sha256
        rows = store.athletes_summary()
        assert rows[0]["athlete"] == "ana"
        assert rows[0]["program"] == c25k.name


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pain_before": -1.0}, "0-100"),
        ({"pain_after": 100.5}, "0-100"),
        ({"pain_before": float("nan")}, "0-100"),
        ({"rpe": 5}, "6-20"),
        ({"rpe": 21}, "6-20"),
        ({}, "at least one"),
    ],
)
def test_note_validation(kwargs: dict[str, float], message: str) -> None:
    args = {"pain_before": None, "pain_after": None, "rpe": None, "text": ""} | kwargs
    with pytest.raises(InputError, match=message):
        validate_note(**args)  # type: ignore[arg-type]


def test_notes(tmp_path: Path, short_program: Program) -> None:
    with Store.open(tmp_path / "n.db") as store:
        store.ensure_athlete("bo")
        with pytest.raises(InputError, match="not enrolled"):
            store.add_note("bo", "W1S1", rpe=12)
        store.enroll("bo", short_program, dt.date(2026, 3, 2))
        with pytest.raises(InputError, match="no session 'W9S9'"):
            store.add_note("bo", "W9S9", rpe=12)
        note_id = store.add_note(
            "bo", "W1S1", pain_before=40, pain_after=30, rpe=13, adverse_event=True, text="knee"
        )
        notes = store.notes_frame(store.athlete("bo").id)
        assert notes["id"].tolist() == [note_id]
        row = notes.iloc[0]
        assert (row["pain_before"], row["pain_after"], row["rpe"]) == (40, 30, 13)
        assert bool(row["adverse_event"]) and row["text"] == "knee"
        # the database refuses out-of-range values even past the Python checks
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute(
                "INSERT INTO session_notes (athlete_id, session_id, rpe, created_at)"
                " VALUES (1, 'W1S1', 30, 'now')"
            )
        assert store.athletes_summary()[0]["adverse_events"] == 1
