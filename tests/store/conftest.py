"""Fixtures for the store, importer and cohort tests: a short program and simulated files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from stridecheck.programs import Program, loads_program
from stridecheck.simulate import simulate_session, write_session

#: Two weeks, two 4-minute sessions a week: small enough to simulate and score quickly.
SHORT_PROGRAM_TOML = """
name = "Short test program"
sport = "running"
weeks = 2
sessions_per_week = 2

[[sessions]]
id = "W1S1"
week = 1
steps = [ { walk = "1:00" }, { repeat = 3, steps = [ { run = "0:30" }, { walk = "0:30" } ] } ]

[[sessions]]
id = "W1S2"
week = 1
steps = [ { walk = "1:00" }, { repeat = 3, steps = [ { run = "0:30" }, { walk = "0:30" } ] } ]

[[sessions]]
id = "W2S1"
week = 2
steps = [ { walk = "1:00" }, { repeat = 2, steps = [ { run = "1:00" }, { walk = "0:30" } ] } ]

[[sessions]]
id = "W2S2"
week = 2
steps = [ { walk = "1:00" }, { repeat = 2, steps = [ { run = "1:00" }, { walk = "0:30" } ] } ]
"""

START = dt.date(2026, 3, 2)  # a Monday


@pytest.fixture(scope="session")
def short_program() -> Program:
    """The short test program."""
    return loads_program(SHORT_PROGRAM_TOML, source="<short test program>")


def write_activity(
    path: Path,
    program: Program,
    session_id: str,
    day: dt.date,
    seed: int,
    **kwargs: Any,
) -> Path:
    """Simulate a session of ``program`` on ``day`` at 07:00 UTC and write it as FIT."""
    plan = program.session(session_id).to_plan()
    start = dt.datetime.combine(day, dt.time(7, 0), tzinfo=dt.UTC)
    sim = simulate_session(plan, start=start, random_state=seed, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_session(sim, path)
    path.with_name(path.stem + ".truth.csv").unlink()
    return path


@pytest.fixture(scope="session")
def activity_dir(tmp_path_factory: pytest.TempPathFactory, short_program: Program) -> Path:
    """Four simulated FIT files, one per session of the short program, on calendar days."""
    folder = tmp_path_factory.mktemp("acts")
    days = [
        START,
        START + dt.timedelta(days=2),
        START + dt.timedelta(days=7),
        START + dt.timedelta(days=9),
    ]
    for i, (sid, day) in enumerate(zip(short_program.session_ids, days, strict=True)):
        write_activity(folder / f"{sid}.fit", short_program, sid, day, seed=i)
    return folder


@pytest.fixture(scope="session")
def cohort_dir(
    tmp_path_factory: pytest.TempPathFactory, short_program: Program, activity_dir: Path
) -> Path:
    """Three participants: p01 did everything, p02 two sessions and a corrupt file,
    p03 one session and names its program in ``enrollment.toml`` (a local TOML file)."""
    root = tmp_path_factory.mktemp("cohort")
    files = sorted(activity_dir.glob("*.fit"))
    p01 = root / "p01"
    p01.mkdir()
    for f in files:
        (p01 / f.name).write_bytes(f.read_bytes())
    (p01 / "enrollment.toml").write_text("start = 2026-03-02\n")
    p02 = root / "p02"
    p02.mkdir()
    for f in files[:2]:
        (p02 / f.name).write_bytes(f.read_bytes())
    (p02 / "broken.fit").write_bytes(b"\x0e\x10" + b"garbage" * 40)
    (p02 / "enrollment.toml").write_text('start = "2026-03-02"\n')
    p03 = root / "p03"
    p03.mkdir()
    write_activity(p03 / "one.fit", short_program, "W1S1", START + dt.timedelta(days=1), seed=9)
    (p03 / "plan.toml").write_text(SHORT_PROGRAM_TOML)
    (p03 / "enrollment.toml").write_text('start = 2026-03-02\nprogram = "plan.toml"\n')
    return root


@pytest.fixture
def short_program_toml() -> str:
    """The short test program as TOML text (a fixture: conftest modules are not importable
    by name when several test folders have one)."""
    return SHORT_PROGRAM_TOML
