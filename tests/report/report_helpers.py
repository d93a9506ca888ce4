"""Shared by the report, web and browser tests: a small program, simulated athletes, a store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from stridecheck.programs import Program, Repeat, Session, Step
from stridecheck.report import AthleteReportData, NoteEntry, athlete_data_from_activities
from stridecheck.simulate import simulate_session

START = dt.date(2026, 1, 5)
#: Week -> (run [s], walk [s]); five repeats keep the simulation fast.
WEEKS = {1: (15, 45), 2: (30, 45), 3: (60, 60)}


def small_program(weeks: int = 3) -> Program:
    """Three sessions a week: walk 2:00, 5 x (run, walk), walk 2:00."""
    sessions = []
    for week in range(1, weeks + 1):
        run_s, walk_s = WEEKS[week]
        for n in range(1, 4):
            sessions.append(
                Session(
                    id=f"W{week}S{n}",
                    week=week,
                    steps=(
                        Step("walk", 120.0, name="warm-up"),
                        Repeat(5, (Step("run", float(run_s)), Step("walk", float(walk_s)))),
                        Step("walk", 120.0, name="cool-down"),
                    ),
                )
            )
    return Program(
        name="Test run-walk", sessions=tuple(sessions), weeks=weeks, sessions_per_week=3
    )


def simulated_athlete(
    name: str,
    skip: tuple[str, ...] = (),
    deviations: dict[str, list[str]] | None = None,
    notes: tuple[NoteEntry, ...] = (),
    weeks: int = 3,
) -> AthleteReportData:
    """Report data of a simulated athlete (truth intervals stand in for segmentation)."""
    program = small_program(weeks)
    activities, truths = [], []
    days = {1: 0, 2: 2, 3: 4}
    for session in program.sessions:
        if session.id in skip:
            continue
        assert session.week is not None
        day = START + dt.timedelta(days=7 * (session.week - 1) + days[int(session.id[-1])])
        sim = simulate_session(
            session.to_plan(),
            start=f"{day.isoformat()}T07:00:00Z",
            deviations=(deviations or {}).get(session.id, []),
            random_state=sum(map(ord, name + session.id)) % 1000,
        )
        activities.append(sim.activity)
        truths.append(sim.truth_intervals)
    return athlete_data_from_activities(
        name,
        program,
        START,
        activities,
        segmentations=truths,
        names=[f"{s}.fit" for s in program.session_ids if s not in skip],
        notes=notes,
    )


def write_store(folder: Path, athletes: dict[str, tuple[str, ...]]) -> Path:
    """A store with athletes enrolled in :func:`small_program` (1 week) and their FIT files.

    ``athletes`` maps a name to the session ids to simulate and import.
    """
    from stridecheck.importer import import_paths
    from stridecheck.simulate import write_session
    from stridecheck.store import Store

    program = small_program(1)
    db = folder / "store.db"
    with Store.open(db) as store:
        for name, sessions in athletes.items():
            store.enroll(name, program, START)
            files = []
            for sid in sessions:
                day = START + dt.timedelta(days={"1": 0, "2": 2, "3": 4}[sid[-1]])
                sim = simulate_session(
                    program.session(sid).to_plan(),
                    start=f"{day.isoformat()}T07:00:00Z",
                    random_state=len(name) * 10 + int(sid[-1]),
                )
                files.append(write_session(sim, folder / f"{name}-{sid}.fit"))
            import_paths(store, files, name)
    return db


def upload_file(folder: Path, session_id: str = "W1S2") -> Path:
    """A FIT file of one session of :func:`small_program` to upload."""
    from stridecheck.simulate import write_session

    program = small_program(1)
    sim = simulate_session(
        program.session(session_id).to_plan(), start="2026-01-07T07:00:00Z", random_state=99
    )
    return write_session(sim, folder / f"upload-{session_id}.fit")
