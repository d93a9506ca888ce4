"""Adherence over a program: calendar, matching, trial measures."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from stridecheck.compliance import adherence, match_week, program_calendar, score_activity
from stridecheck.compliance.adherence import adherence_measures
from stridecheck.programs import Program, Repeat, Session, Step, load_program
from stridecheck.simulate import simulate_session


def _program(per_week: int = 3, weeks: int = 2, days: dict[str, int] | None = None) -> Program:
    steps = (Step("walk", 60.0), Repeat(3, (Step("run", 60.0), Step("walk", 60.0))))
    sessions = tuple(
        Session(id=f"W{w}S{k}", steps=steps, week=w, day=(days or {}).get(f"W{w}S{k}"))
        for w in range(1, weeks + 1)
        for k in range(1, per_week + 1)
    )
    return Program(name="test", sessions=sessions, weeks=weeks, sessions_per_week=per_week)


def test_calendar_spreads_three_sessions_mon_wed_fri():
    cal = program_calendar(load_program("asteroid-12wk"), "2026-01-05")  # a Monday
    assert len(cal) == 36
    week1 = cal[cal["week"] == 1]
    assert week1["weekday"].tolist() == ["Mon", "Wed", "Fri"]
    assert week1["date"].tolist() == [
        dt.date(2026, 1, 5),
        dt.date(2026, 1, 7),
        dt.date(2026, 1, 9),
    ]
    assert cal.loc[cal["session_id"] == "W12S3", "date"].item() == dt.date(2026, 3, 27)
    assert cal["slot"].tolist()[:4] == [1, 2, 3, 1]


def test_calendar_uses_given_days_and_other_counts():
    program = _program(per_week=2, days={"W1S2": 7})
    cal = program_calendar(program, dt.date(2026, 1, 7))  # a Wednesday
    assert cal["weekday"].tolist()[:2] == ["Wed", "Sun"]
    assert cal["date"].tolist()[2] == dt.date(2026, 1, 14)
    with pytest.raises(ValueError, match="not a date"):
        program_calendar(program, "next monday")


def test_calendar_without_weeks_fills_weeks_in_order():
    steps = (Step("run", 60.0),)
    program = Program(name="p", sessions=tuple(Session(id=f"S{i}", steps=steps) for i in range(5)))
    cal = program_calendar(program, "2026-01-05")
    assert cal["week"].tolist() == [1, 1, 1, 2, 2]
    assert cal["slot"].tolist() == [1, 2, 3, 1, 2]


def test_match_week_keeps_order_matches_most_then_best_fit():
    scores = np.array([[90.0, 20.0, 20.0], [95.0, 30.0, 92.0]])
    assert match_week(scores) == [(0, 0), (1, 2)]
    # more activities than sessions: the worse fit is left over
    assert match_week(np.array([[10.0], [80.0]])) == [(1, 0)]
    # ties go to the earliest sessions
    assert match_week(np.array([[50.0, 50.0, 50.0]])) == [(0, 0)]
    assert match_week(np.zeros((0, 3))) == []


def _sessions_frame(statuses: list[str], per_week: int = 3) -> pd.DataFrame:
    rows = []
    for i, status in enumerate(statuses):
        score = {"completed": 90.0, "partial": 60.0, "not_completed": 20.0}.get(status, math.nan)
        rows.append(
            {
                "order": i,
                "week": i // per_week + 1,
                "session_id": f"S{i}",
                "date": dt.date(2026, 1, 5) + dt.timedelta(days=2 * i),
                "due": status != "upcoming",
                "done": status in ("completed", "partial"),
                "status": status,
                "score": score,
            }
        )
    return pd.DataFrame(rows)


def test_measures_from_made_up_results():
    statuses = [
        "completed", "completed", "missed",          # week 1: ready (2 of 3 completed)
        "partial", "completed", "missed",            # week 2: not ready (1 completed)
        "missed", "not_completed", "missed",         # week 3: 0 done
        "completed", "upcoming", "upcoming",         # week 4: not over
    ]  # fmt: skip
    sessions = _sessions_frame(statuses)
    acts = pd.DataFrame(
        {"week": [1, 1, 2, 2, 3, 4], "run_s": [600.0] * 6, "run_distance_m": [1500.0] * 6}
    )
    weeks, interruptions, summary = adherence_measures(sessions, acts, n_weeks=4)
    assert weeks["done"].tolist() == [2, 2, 0, 1]
    assert weeks["due"].tolist() == [3, 3, 3, 1]
    assert weeks["progression_ready"].tolist() == [True, False, False, None]
    assert weeks["run_km"].tolist() == [3.0, 3.0, 1.5, 1.5]
    assert weeks["run_min"].tolist() == [20.0, 20.0, 10.0, 10.0]
    assert weeks.loc[1, "mean_score"] == pytest.approx(75.0)
    # S5 missed, S6 missed, S7 attended but not done (20), S8 missed: interruptions count
    # attendance (#17), so no run of 3 sessions without any activity
    assert interruptions.empty
    assert summary["longest_not_done_run"] == 4
    assert summary["sessions_attended"] == 6
    assert summary["attendance_pct"] == pytest.approx(60.0)
    assert summary["sessions_prescribed"] == 10
    assert summary["sessions_done"] == 5
    assert summary["adherence_pct"] == pytest.approx(50.0)
    assert summary["sessions_completed"] == 4
    assert summary["sessions_per_week"] == pytest.approx(5 / 4)
    assert summary["weekly_run_km"] == pytest.approx(9.0 / 4)
    assert summary["interruptions"] == 0
    assert summary["longest_missed_run"] == 2
    assert summary["weeks_progression_ready"] == 1
    assert summary["weeks_assessed"] == 3


def test_two_missed_in_a_row_is_not_an_interruption():
    sessions = _sessions_frame(["missed", "missed", "completed", "missed", "missed", "partial"])
    empty = pd.DataFrame(columns=["week", "run_s", "run_distance_m"])
    _, interruptions, summary = adherence_measures(sessions, empty, n_weeks=2)
    assert interruptions.empty
    assert summary["interruptions"] == 0
    assert summary["longest_missed_run"] == 2
    assert summary["total_run_km"] == 0.0


def _activity(program: Program, session_id: str, start: str, seed: int, deviations=()):
    sim = simulate_session(
        program.session(session_id).to_plan(),
        start=start,
        deviations=deviations,
        random_state=seed,
    )
    return score_activity(
        sim.activity, name=f"{session_id}-{seed}", segmentation=sim.truth_intervals
    )


def test_adherence_end_to_end_on_simulated_activities():
    program = _program(per_week=3, weeks=3)
    acts = [
        _activity(program, "W1S1", "2026-01-05T07:00Z", 1),
        _activity(program, "W1S2", "2026-01-07T07:00Z", 2),
        _activity(program, "W1S3", "2026-01-10T07:00Z", 3, ("walked_everything",)),
        _activity(program, "W2S1", "2026-01-13T07:00Z", 4),
        _activity(program, "W3S1", "2026-01-19T07:00Z", 5),
        _activity(program, "W3S1", "2026-01-20T07:00Z", 6),
        _activity(program, "W3S1", "2026-01-21T07:00Z", 7),
        _activity(program, "W3S1", "2026-01-22T07:00Z", 8),  # a fourth in week 3: unplanned
        _activity(program, "W1S1", "2026-01-01T07:00Z", 9),  # before the start
    ]
    report = adherence(program, "2026-01-05", list(reversed(acts)), as_of="2026-01-25")
    s = report.sessions
    assert s["status"].tolist() == [
        "completed", "completed", "not_completed",
        "completed", "missed", "missed",
        "completed", "completed", "completed",
    ]  # fmt: skip
    assert s.loc[2, "run_compliance_pct"] < 10
    assert report.summary["sessions_done"] == 6
    assert report.summary["adherence_pct"] == pytest.approx(100 * 6 / 9)
    assert report.summary["interruptions"] == 0  # W2S2, W2S3: only 2 in a row
    assert report.summary["longest_missed_run"] == 2
    assert report.weeks["progression_ready"].tolist() == [True, False, True]
    assert sorted(report.unplanned["reason"]) == [
        "before the program start", "extra activity in week 3",
    ]  # fmt: skip
    # equal scores in week 3: the activities nearest Mon/Wed/Fri are kept, Tuesday's is extra
    extra = report.unplanned[report.unplanned["week"] == 3]
    assert extra["activity"].tolist() == ["W3S1-6"]
    assert report.weeks.loc[0, "run_km"] > 0
    assert set(report.results) == {"W1S1", "W1S2", "W1S3", "W2S1", "W3S1", "W3S2", "W3S3"}
    doc = report.to_dict()
    assert doc["summary"]["sessions_prescribed"] == 9
    assert doc["sessions"][0]["date"] == "2026-01-05"
    assert doc["sessions"][5]["score"] is None
    assert "interruption" in doc["methods_text"]


def test_as_of_leaves_later_sessions_upcoming():
    program = _program(per_week=3, weeks=2)
    acts = [_activity(program, "W1S1", "2026-01-05T07:00Z", 1)]
    report = adherence(program, "2026-01-05", acts, as_of="2026-01-08")
    assert report.sessions["status"].tolist() == ["completed", "missed"] + ["upcoming"] * 4
    assert report.summary["sessions_prescribed"] == 2
    assert report.summary["adherence_pct"] == pytest.approx(50.0)
    full = adherence(program, "2026-01-05", acts)
    assert full.summary["sessions_prescribed"] == 6
