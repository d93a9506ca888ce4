"""Trial-grade adherence on a simulated cohort of known truth (#17).

Every participant follows a random pattern over a 3-week, 3-sessions-a-week
program: a session is done as prescribed, walked all through, run at half of
each prescribed run, or missed. The activities go through the real segmenter;
the truth (what was simulated) checks attendance, sessions done,
interruptions, discontinuation, the relative dose intensity and the FITT
fidelity.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from stridecheck.compliance import ScoredActivity, adherence, score_activity
from stridecheck.programs import Program, ProgressionRules, loads_program
from stridecheck.simulate import simulate_session

START = dt.date(2026, 1, 5)  # a Monday
SESSION_STEPS = (
    'steps = [ { walk = "3:00" }, { repeat = 6, steps = [ { run = "1:00" }, { walk = "1:00" } ] },'
    ' { walk = "2:00" } ]'
)
PROGRAM_TOML = 'name = "Trial test program"\nweeks = 3\nsessions_per_week = 3\n' + "".join(
    f'\n[[sessions]]\nid = "W{w}S{s}"\nweek = {w}\n{SESSION_STEPS}\n'
    for w in (1, 2, 3)
    for s in (1, 2, 3)
)
PRESCRIBED_RUN_S = 6 * 60.0
HALF = {"cut_short": {"fraction": 1.0, "keep_min": 0.5, "keep_max": 0.5}}
DEVIATIONS = {"done": (), "walked": ("walked_everything",), "half": HALF}
ATHLETES = ("typical", "slow_jogger", "brisk_walker", "fit_runner")


@dataclass
class Participant:
    """A simulated participant: what they did in each session and what the files say."""

    pattern: list[str]
    scored: list[ScoredActivity] = field(default_factory=list)
    truth_run_s: float = 0.0


def _program() -> Program:
    return loads_program(PROGRAM_TOML)


def _simulate(pattern: list[str], seed: int) -> Participant:
    program = _program()
    out = Participant(pattern)
    for i, (session, kind) in enumerate(zip(program.sessions, pattern, strict=True)):
        if kind == "missed":
            continue
        day = START + dt.timedelta(days=7 * (i // 3) + 2 * (i % 3))
        sim = simulate_session(
            session.to_plan(),
            athlete=ATHLETES[seed % len(ATHLETES)],
            deviations=DEVIATIONS[kind],
            start=f"{day.isoformat()}T07:00Z",
            random_state=seed * 100 + i,
        )
        truth = sim.truth_intervals
        run = truth["kind"] == "run"
        out.truth_run_s += float((truth["end"] - truth["start"])[run].dt.total_seconds().sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.scored.append(score_activity(sim.activity, name=f"{session.id}.fit"))
    return out


def _patterns(n: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    kinds = ["done", "walked", "half", "missed"]
    patterns = [list(rng.choice(kinds, size=9, p=[0.55, 0.15, 0.15, 0.15])) for _ in range(n)]
    # the case: two walked sessions next to a missed one are no interruption
    patterns[0] = ["done", "walked", "walked", "missed", "done", "done", "half", "done", "done"]
    # a drop-out: nothing after week 2's first session
    patterns[1] = [
        "done",
        "done",
        "half",
        "done",
        "missed",
        "missed",
        "missed",
        "missed",
        "missed",
    ]
    # a true interruption in the middle
    patterns[2] = ["done", "missed", "missed", "missed", "done", "walked", "done", "done", "done"]
    return [[str(k) for k in p] for p in patterns]


@pytest.fixture(scope="module")
def cohort() -> list[Participant]:
    return [_simulate(p, seed) for seed, p in enumerate(_patterns(10, seed=17))]


def _truth_interruptions(pattern: list[str]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, kind in enumerate([*pattern, "end"]):
        if kind == "missed":
            start = i if start is None else start
            continue
        if start is not None and i - start >= 3:
            runs.append((start, i - 1))
        start = None
    return runs


def test_attendance_and_fidelity_are_separate(cohort: list[Participant]) -> None:
    program = _program()
    for who in cohort:
        report = adherence(program, START, who.scored)
        sessions = report.sessions
        pattern = pd.Series(who.pattern)
        # walked sessions are attended but not done; missed ones are neither
        assert sessions["attended"].tolist() == (pattern != "missed").tolist(), who.pattern
        walked = (pattern == "walked").to_numpy()
        assert not sessions.loc[walked, "done"].any()
        assert sessions.loc[walked, "attended"].all()
        assert sessions["done"].tolist() == pattern.isin(["done", "half"]).tolist(), who.pattern
        s = report.summary
        assert s["sessions_attended"] == int((pattern != "missed").sum())
        assert s["attendance_pct"] == pytest.approx(100 * (pattern != "missed").mean())
        assert s["sessions_done"] == int(pattern.isin(["done", "half"]).sum())
        # run steps at the prescribed duration: all six in a done session, none otherwise
        attended = int((pattern != "missed").sum())
        if attended:
            expected = 100 * (pattern == "done").sum() / attended
            assert s["run_steps_done_pct"] == pytest.approx(expected, abs=100 / (6 * attended))
            assert s["walk_breaks_kept_pct"] >= 95


def test_interruptions_only_on_missed_sessions(cohort: list[Participant]) -> None:
    program = _program()
    ids = program.session_ids
    for who in cohort:
        report = adherence(program, START, who.scored)
        truth = _truth_interruptions(who.pattern)
        found = [
            (ids.index(r["first_session"]), ids.index(r["last_session"]))
            for r in report.interruptions.to_dict(orient="records")
        ]
        assert found == truth, who.pattern
        assert report.summary["interruptions"] == len(truth)
    # the case: walked, walked, missed is not an interruption ...
    first = adherence(program, START, cohort[0].scored)
    assert first.summary["interruptions"] == 0
    assert first.summary["longest_not_done_run"] == 3
    # ... and a real one carries its dates
    third = adherence(program, START, cohort[2].scored)
    row = third.interruptions.iloc[0]
    assert (row["first_date"], row["last_date"]) == (dt.date(2026, 1, 7), dt.date(2026, 1, 12))


def test_discontinuation_and_early_termination(cohort: list[Participant]) -> None:
    program = _program()
    dropout = adherence(program, START, cohort[1].scored).summary
    assert dropout["discontinued"] and dropout["early_termination"]
    assert dropout["discontinuation_date"] == dt.date(2026, 1, 12)  # W2S1, the last attended
    # while the program runs, the same person is discontinued but not (yet) terminated early
    running = adherence(program, START, cohort[1].scored, as_of="2026-01-22").summary
    assert running["discontinued"] and not running["early_termination"]
    steady = adherence(program, START, cohort[0].scored).summary
    assert not steady["discontinued"] and steady["discontinuation_date"] is None


def test_relative_dose_intensity_matches_the_truth(cohort: list[Participant]) -> None:
    program = _program()
    errors = []
    for who in cohort:
        report = adherence(program, START, who.scored)
        truth = 100 * who.truth_run_s / (9 * PRESCRIBED_RUN_S)
        assert report.summary["prescribed_run_min"] == pytest.approx(9 * 6.0)
        errors.append(report.summary["rdi_pct"] - truth)
        # per week as well
        for week in (1, 2, 3):
            row = report.weeks[report.weeks["week"] == week].iloc[0]
            assert row["prescribed_run_min"] == pytest.approx(18.0)
            assert row["rdi_pct"] == pytest.approx(
                100 * row["performed_run_min"] / row["prescribed_run_min"]
            )
    assert max(abs(e) for e in errors) <= 1.0, errors
    # a person who attends everything but runs half of each run: attendance 100 %, RDI 50 %
    half = _simulate(["half"] * 9, seed=3)
    report = adherence(program, START, half.scored)
    assert report.summary["attendance_pct"] == pytest.approx(100.0)
    assert report.summary["rdi_pct"] == pytest.approx(50.0, abs=1.0)


def _notes(*rows: tuple[str, dict[str, object]]) -> pd.DataFrame:
    base = pd.Timestamp("2026-01-05T20:00Z")
    return pd.DataFrame(
        [
            {"session_id": sid, "created_at": base + pd.Timedelta(hours=i)} | values
            for i, (sid, values) in enumerate(rows)
        ]
    )


def test_adverse_event_blocks_progression_until_cleared(cohort: list[Participant]) -> None:
    program = _program()
    everything = _simulate(["done"] * 9, seed=5)
    plain = adherence(program, START, everything.scored)
    assert plain.weeks["progression_ready"].tolist() == [True, True, True]
    assert plain.weeks["progression_reason"].iloc[0].startswith("Ready to progress: 3 of 3")
    notes = _notes(("W2S2", {"adverse_event": True, "pain_after": 30.0}))
    blocked = adherence(program, START, everything.scored, notes=notes)
    assert blocked.weeks["progression_ready"].tolist() == [True, False, False]
    assert "adverse event reported for session W2S2" in blocked.weeks["progression_reason"][1]
    assert "not yet cleared" in blocked.weeks["progression_reason"][2]
    assert blocked.summary["adverse_events_uncleared"] == 1
    assert blocked.sessions.set_index("session_id").loc["W2S2", "adverse_event"]
    cleared = adherence(
        program,
        START,
        everything.scored,
        notes=_notes(
            ("W2S2", {"adverse_event": True}),
            ("W2S2", {"clearance": True, "text": "physio: ankle fine"}),
        ),
    )
    # its own week stays not ready; the later week is free again
    assert cleared.weeks["progression_ready"].tolist() == [True, False, True]
    assert cleared.summary["adverse_events_uncleared"] == 0
    # an adverse event decides at once, before its week is over
    early = adherence(program, START, everything.scored[:5], notes=notes, as_of="2026-01-14")
    assert early.weeks["progression_ready"].tolist() == [True, False, None]
    doc = blocked.to_dict()
    assert doc["weeks"][1]["progression_ready"] is False
    assert doc["weeks"][1]["progression_reason"].startswith("Not ready to progress:")


def test_pain_rules_silbernagel_defaults_and_model_none() -> None:
    program = _program()
    everything = _simulate(["done"] * 9, seed=7)
    notes = _notes(
        ("W1S1", {"pain_before": 10.0, "pain_after": 30.0}),
        ("W1S2", {"pain_before": 10.0, "pain_after": 60.0}),  # above 5 of 10
        ("W2S1", {"pain_before": 10.0, "pain_after": 20.0}),
        ("W2S2", {"pain_before": 25.0, "pain_after": 20.0}),  # not settled since W2S1
        ("W3S1", {"pain_before": 10.0, "pain_after": 40.0}),  # rose from week 2's 20
    )
    report = adherence(program, START, everything.scored, notes=notes)
    reasons = report.weeks["progression_reason"].tolist()
    assert report.weeks["progression_ready"].tolist() == [False, False, False]
    assert "pain after session W1S2 was 60 of 100, above the limit of 50" in reasons[0]
    assert "pain had not settled before session W2S2" in reasons[1]
    assert "rose from 20 to 40 of 100" in reasons[2]
    assert report.weeks["max_pain_after"].tolist() == [60.0, 20.0, 40.0]
    assert "Silbernagel" in report.methods_text
    off = adherence(
        program,
        START,
        everything.scored,
        notes=notes,
        rules=ProgressionRules.for_model("none"),
    )
    assert off.weeks["progression_ready"].tolist() == [True, True, True]
    assert "Silbernagel" not in off.methods_text
