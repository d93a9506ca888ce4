"""Gait profiles in the store: versioned, with the sessions they came from, used on import."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
import warnings
from pathlib import Path

import pytest

from stridecheck.compliance.profile_learning import ProfileSession, learn_profile
from stridecheck.errors import InputError
from stridecheck.importer import import_paths
from stridecheck.pipeline import algorithm_version, update_gait_profile
from stridecheck.programs import Program
from stridecheck.segment import segment
from stridecheck.segment.profile import GaitProfile, GaitStats
from stridecheck.simulate import simulate_session
from stridecheck.store import Store
from stridecheck.store.migrations import MIGRATIONS, SCHEMA_VERSION, _statements, schema_version

PROFILE = GaitProfile(
    walk_cadence_spm=GaitStats(112.0, 3.0, 600.0),
    run_cadence_spm=GaitStats(158.0, 3.0, 300.0),
    walk_speed_mps=GaitStats(1.4, 0.1, 600.0),
    run_speed_mps=GaitStats(2.6, 0.15, 300.0),
    sessions=("aaa", "bbb"),
)


def test_put_and_get_versions(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        store.ensure_athlete("ana")
        assert store.get_gait_profile("ana") is None
        first = store.put_gait_profile("ana", PROFILE)
        second = store.put_gait_profile("ana", PROFILE)
        assert (first.version, second.version) == (1, 2)
        assert first.athlete == "ana"
        newest = store.get_gait_profile("ana")
        assert newest == second
        assert store.get_gait_profile("ana", version=1) == first
        assert store.gait_profile_versions("ana") == [(1, ("aaa", "bbb")), (2, ("aaa", "bbb"))]
        with pytest.raises(InputError):
            store.get_gait_profile("nobody")


def test_migration_adds_the_table_to_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[: SCHEMA_VERSION - 1]:
        if isinstance(migration, str):
            for statement in _statements(migration):
                conn.execute(statement)
        else:
            migration(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert schema_version(store.conn) == SCHEMA_VERSION
        store.ensure_athlete("ben")
        assert store.put_gait_profile("ben", PROFILE).version == 1


def _sessions(n: int, **kwargs) -> list[ProfileSession]:
    plan = [("walk", 300)] + [("run", 60), ("walk", 90)] * 8 + [("walk", 300)]
    out = []
    for seed in range(n):
        sim = simulate_session(plan, random_state=seed, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seg = segment(sim.activity)
        out.append(ProfileSession(sim.activity, seg.intervals, f"s{seed}"))
    return out


def test_learn_profile_finds_the_athletes_gait() -> None:
    profile = learn_profile(_sessions(3, athlete="slow_jogger"), athlete="b")
    # slow_jogger: walks at 1.35 m/s and 108 steps/min, jogs at 2.05 m/s and 147
    assert profile.walk_cadence_spm is not None and profile.run_cadence_spm is not None
    assert abs(profile.walk_cadence_spm.mean - 108) < 4
    assert abs(profile.run_cadence_spm.mean - 147) < 4
    assert profile.walk_speed_mps is not None and profile.run_speed_mps is not None
    assert abs(profile.run_speed_mps.mean - profile.walk_speed_mps.mean - 0.7) < 0.2
    assert profile.sessions == ("s0", "s1", "s2")
    assert profile.version == 1
    again = learn_profile(_sessions(1, athlete="slow_jogger"), previous=profile)
    assert again.version == 2 and again.athlete == "b"
    round_trip = GaitProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert round_trip == profile


def test_learn_profile_claims_nothing_without_confident_data() -> None:
    empty = learn_profile([], athlete="x")
    assert empty.is_empty and empty.sessions == ()
    with pytest.raises(TypeError):
        learn_profile(["not a session"])


def test_learning_from_36_sessions_is_quick() -> None:
    sessions = _sessions(4) * 9
    started = time.perf_counter()
    learn_profile(sessions)
    # a generous bound for a shared machine; the benchmark reports the real figure
    assert time.perf_counter() - started < 5.0


def test_import_learns_and_uses_the_profile(
    tmp_path: Path, activity_dir: Path, short_program: Program
) -> None:
    with Store.open(tmp_path / "s.db") as store:
        store.enroll("ana", short_program, dt.date(2026, 3, 2))
        summary = import_paths(store, [activity_dir], "ana")
        profile = store.get_gait_profile("ana")
        assert profile is not None and summary.profile_version == profile.version == 1
        assert len(profile.sessions) == 4
        rows = store.conn.execute("SELECT algorithm_version, result_json FROM compliance")
        for version, result_json in rows:
            assert version == algorithm_version(profile_version=1)
            assert json.loads(result_json)["profile_version"] == 1
        # nothing new: the profile stays as it is
        assert update_gait_profile(store, "ana") == profile
        assert len(store.gait_profile_versions("ana")) == 1
