"""Built-in programs: they load, match the JSON Schema, and say what they claim."""

from __future__ import annotations

import tomllib
from pathlib import Path

import jsonschema
import pytest

from stridecheck.errors import ProgramError
from stridecheck.programs import (
    Repeat,
    Step,
    builtin_text,
    list_builtin,
    load_program,
    program_schema,
)
from stridecheck.programs.schema import schema_text

BUILTINS = ["asteroid-12wk", "couch-to-5k", "galloway"]


def _validator() -> jsonschema.Draft202012Validator:
    schema = program_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_list_builtin() -> None:
    assert list_builtin() == BUILTINS


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_loads_and_matches_schema(name: str) -> None:
    program = load_program(name)
    assert program.sessions
    assert program.description and program.source
    errors = list(_validator().iter_errors(tomllib.loads(builtin_text(name))))
    assert errors == []
    for session in program.sessions:
        plan = session.to_plan()
        assert plan and all(kind in ("run", "walk") and d > 0 for kind, d in plan)


def test_schema_rejects_what_the_loader_rejects() -> None:
    validator = _validator()
    good = {"name": "p", "sessions": [{"id": "A", "steps": [{"run": "0:15"}]}]}
    assert validator.is_valid(good)
    bad_steps = [
        {"runn": "0:15"},
        {"run": "0:15", "walk": "0:45"},
        {"name": "x"},
        {"run": "5:75"},
        {"run": 0},
        {"repeat": 0, "steps": [{"run": 15}]},
        {"repeat": 2, "steps": []},
        {"run": 60, "hr_bpm": [120]},
    ]
    for step in bad_steps:
        doc = {"name": "p", "sessions": [{"id": "A", "steps": [step]}]}
        assert not validator.is_valid(doc), step
    assert not validator.is_valid({"name": "p", "sessions": [{"steps": [{"run": 15}]}]})
    assert not validator.is_valid(
        {"name": "p", "sessions": [{"id": "A", "steps": [{"run": 15}]}], "x": 1}
    )


def test_schema_text_is_package_data() -> None:
    import stridecheck.programs

    path = Path(stridecheck.programs.__file__).parent / "program.schema.json"
    assert path.read_text(encoding="utf-8") == schema_text()


def test_asteroid_program() -> None:
    program = load_program("asteroid-12wk")
    text = builtin_text("asteroid-12wk")
    assert text.startswith("# Modelled on the published description, not the trial's own table.")
    assert "not the trial's own table" in (program.description or "")
    assert "Br J Sports Med 2025;59:99-108" in (program.source or "")
    assert "2023;9:e001524" in (program.source or "")
    assert program.n_weeks == 12 and program.sessions_per_week == 3
    assert len(program.sessions) == 36
    longest_run_by_week = []
    for week in range(1, 13):
        sessions = program.sessions_in_week(week)
        assert len(sessions) == 3
        for session in sessions:
            assert abs(session.duration_s - 1800.0) <= 180.0
            flat = session.flatten()
            assert flat[0].kind == "walk" and flat[0].duration_s == 300.0
            assert flat[0].name == "warm-up"
            assert flat[-1].kind == "walk" and flat[-1].duration_s == 300.0
            assert flat[-1].name == "cool-down"
        runs = [s.duration_s for s in sessions[0].flatten() if s.kind == "run"]
        longest_run_by_week.append(max(runs))
    assert longest_run_by_week[0] == 15.0
    assert longest_run_by_week[-1] == 180.0
    assert longest_run_by_week == sorted(longest_run_by_week)
    assert len(set(longest_run_by_week)) == 12  # grows every week


def test_couch_to_5k_week_1_matches_nhs() -> None:
    program = load_program("couch-to-5k")
    assert program.n_weeks == 9 and len(program.sessions) == 27
    assert "NHS" in (program.source or "") and "check the NHS page" in (program.source or "")
    for session in program.sessions_in_week(1):
        assert session.steps == (
            Step("walk", 300.0, name="warm-up"),
            Repeat(8, (Step("run", 60.0), Step("walk", 90.0))),
            Step("walk", 300.0, name="cool-down"),
        )
        intervals = session.flatten()[1:-1]
        assert sum(s.duration_s for s in intervals) == 20 * 60


@pytest.mark.parametrize(
    ("week", "session_index", "runs_min"),
    [
        (2, 0, [1.5] * 6),
        (3, 0, [1.5, 3.0, 1.5, 3.0]),
        (4, 0, [3.0, 5.0, 3.0, 5.0]),
        (5, 0, [5.0, 5.0, 5.0]),
        (5, 1, [8.0, 8.0]),
        (5, 2, [20.0]),
        (6, 0, [5.0, 8.0, 5.0]),
        (6, 1, [10.0, 10.0]),
        (6, 2, [25.0]),
        (7, 2, [25.0]),
        (8, 1, [28.0]),
        (9, 0, [30.0]),
    ],
)
def test_couch_to_5k_later_weeks(week: int, session_index: int, runs_min: list[float]) -> None:
    session = load_program("couch-to-5k").sessions_in_week(week)[session_index]
    runs = [s.duration_s / 60.0 for s in session.flatten() if s.kind == "run"]
    assert runs == runs_min
    flat = session.flatten()
    assert flat[0].name == "warm-up" and flat[-1].name == "cool-down"


def test_galloway_ratios() -> None:
    program = load_program("galloway")
    assert "Galloway" in (program.source or "")
    ratios = []
    for session in program.sessions:
        repeat = session.steps[-1]
        assert isinstance(repeat, Repeat)
        run, walk = repeat.steps
        assert isinstance(run, Step) and isinstance(walk, Step)
        ratios.append((run.duration_s, walk.duration_s))
        assert abs(session.duration_s - 1800.0) <= 180.0
    assert ratios == [(30.0, 30.0), (60.0, 60.0), (120.0, 60.0), (180.0, 60.0), (240.0, 60.0)]


def test_load_program_by_path_and_unknown(tmp_path: Path) -> None:
    path = tmp_path / "c25k.toml"
    path.write_text(builtin_text("couch-to-5k"), encoding="utf-8")
    assert load_program(path) == load_program("couch-to-5k")
    assert load_program(str(path)) == load_program("couch-to-5k")
    with pytest.raises(ProgramError, match="built-ins: asteroid-12wk"):
        load_program("no-such-program")
    with pytest.raises(ProgramError, match="no such built-in"):
        builtin_text("nope")
