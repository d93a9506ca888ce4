"""A SIGKILL in the middle of an import leaves only whole activities (real subprocess)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from stridecheck.importer import import_paths
from stridecheck.io.fit_write import write_fit
from stridecheck.programs import Program
from stridecheck.simulate import simulate_session
from stridecheck.store import Store

N_FILES = 14


def _many_files(folder: Path, program: Program) -> list[Path]:
    """``N_FILES`` distinct FIT files: one simulated session shifted by a day each."""
    base = simulate_session(
        program.session("W1S1").to_plan(), start="2026-03-02T07:00:00+00:00", random_state=3
    ).activity
    paths = []
    for k in range(N_FILES):
        samples = base.samples.copy()
        samples.index = samples.index + pd.Timedelta(days=k % 14, minutes=k)
        meta = dataclasses.replace(base.meta, start_time=samples.index[0].to_pydatetime())
        path = folder / f"s{k:03d}.fit"
        write_fit(dataclasses.replace(base, samples=samples, meta=meta), path)
        paths.append(path)
    return paths


def _count(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return int(conn.execute("SELECT count(*) FROM activities").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def _check_whole(store: Store, enrolment_id: int) -> int:
    conn = store.conn
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    rows = conn.execute(
        """
        SELECT v.id, a.n_intervals,
               (SELECT count(*) FROM intervals i WHERE i.activity_id = v.id),
               (SELECT count(*) FROM compliance c WHERE c.activity_id = v.id
                AND c.enrolment_id = ?)
        FROM activities v LEFT JOIN analyses a ON a.activity_id = v.id
        """,
        (enrolment_id,),
    ).fetchall()
    for activity_id, n_intervals, n_rows, n_compliance in rows:
        assert n_intervals is not None, f"activity {activity_id} has no analysis"
        assert n_intervals == n_rows > 0, f"activity {activity_id}: {n_rows} of {n_intervals}"
        assert n_compliance == 1, f"activity {activity_id} has no compliance"
    return len(rows)


@pytest.mark.slow
def test_sigkill_mid_import_leaves_whole_activities(
    tmp_path: Path, short_program: Program
) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    _many_files(folder, short_program)
    db = tmp_path / "kill.db"
    with Store.open(db) as store:
        enrolment = store.enroll("ana", short_program, dt.date(2026, 3, 2))
    env = dict(os.environ, STRIDECHECK_DEBUG="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stridecheck",
            "import",
            str(folder),
            "--athlete",
            "ana",
            "--db",
            str(db),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    try:
        while _count(db) < 3:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "import made no progress"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with Store.open(db) as store:
        stored = _check_whole(store, enrolment.id)
        assert 3 <= stored < N_FILES
        summary = import_paths(store, [folder], "ana")
        assert len(summary.duplicates) == stored
        assert len(summary.imported) == N_FILES - stored
        assert _check_whole(store, enrolment.id) == N_FILES
