"""Properties: sessions survive TOML and FIT round trips; bad input raises only ProgramError."""

from __future__ import annotations

import contextlib
import datetime as dt
import doctest
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stridecheck.programs
from stridecheck.errors import ProgramError
from stridecheck.programs import (
    Program,
    Repeat,
    Session,
    Step,
    StepNode,
    Targets,
    dumps_program,
    fit_workout_to_session,
    load_program,
    loads_program,
    session_to_fit_workout,
)
from stridecheck.programs.toml import program_from_dict

WHEN = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)

names = st.none() | st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)
hr = st.none() | st.tuples(st.integers(30, 200), st.integers(1, 50)).map(
    lambda t: (t[0], t[0] + t[1])
)
# whole-second paces survive FIT (speed in mm/s) up to 1000 s/km
pace = st.none() | st.tuples(st.integers(150, 899), st.integers(1, 101)).map(
    lambda t: (float(t[0]), float(t[0] + t[1]))
)
steps = st.builds(
    Step,
    kind=st.sampled_from(["run", "walk"]),
    duration_s=st.integers(1, 4 * 3600 * 1000).map(lambda ms: ms / 1000.0),
    name=names,
    targets=st.builds(Targets, hr_bpm=hr, pace_s_per_km=pace),
)
nodes: st.SearchStrategy[StepNode] = st.recursive(
    steps,
    lambda inner: st.builds(
        Repeat, count=st.integers(1, 4), steps=st.lists(inner, min_size=1, max_size=3).map(tuple)
    ),
    max_leaves=8,
)
sessions = st.builds(
    Session,
    id=st.text(min_size=1, max_size=8).filter(lambda s: s.strip() != ""),
    steps=st.lists(nodes, min_size=1, max_size=5).map(tuple),
    week=st.none() | st.integers(1, 12),
    day=st.none() | st.integers(1, 7),
)


@settings(max_examples=60)
@given(sessions)
def test_any_session_round_trips_through_toml(session: Session) -> None:
    program = Program(name="p", sessions=(session,))
    assert loads_program(dumps_program(program)) == program


@settings(max_examples=60)
@given(sessions)
def test_any_session_round_trips_through_fit(session: Session) -> None:
    data = session_to_fit_workout(session, time_created=WHEN)
    back = fit_workout_to_session(data, session_id=session.id, errors="raise")
    assert back.steps == session.steps
    assert back.to_plan() == session.to_plan()


toml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 20)
    | st.sampled_from(["0:15", "5:75", "x", "7:00", "8:30", "", "W1"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["run", "walk", "repeat", "steps", "name", "hr_bpm", "pace_per_km", "id"]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "name": toml_values,
        "sport": toml_values,
        "weeks": toml_values,
        "sessions": st.lists(
            st.dictionaries(
                st.sampled_from(["id", "week", "day", "steps", "notes", "bogus"]),
                toml_values,
                max_size=4,
            ),
            max_size=3,
        )
        | toml_values,
    },
)


@settings(max_examples=200)
@given(documents)
def test_bad_documents_raise_only_program_error(document: dict[str, Any]) -> None:
    with contextlib.suppress(ProgramError):
        program_from_dict({k: v for k, v in document.items() if v is not None})


@settings(max_examples=200)
@given(st.text(alphabet="[]{}\"'#=,\n abcdefgmnprstuwkiy0123456789:.-", max_size=200))
def test_any_text_raises_only_program_error(text: str) -> None:
    try:
        loads_program(text)
    except ProgramError as exc:
        assert exc.line is None or exc.line >= 1


def test_package_doctest() -> None:
    failures, _ = doctest.testmod(stridecheck.programs, verbose=False)
    assert failures == 0


def test_plan_is_what_the_simulator_takes() -> None:
    simulate = pytest.importorskip("stridecheck.simulate")
    session = load_program("couch-to-5k").session("W1S1")
    simulated = simulate.simulate_session(session.to_plan())
    merged: list[tuple[str, float]] = []  # the truth joins a bout with a same-kind neighbour
    for kind, duration_s in session.to_plan():
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + duration_s)
        else:
            merged.append((kind, duration_s))
    truth = simulated.truth_intervals
    assert list(zip(truth["kind"], truth["duration_s"], strict=True)) == merged
