"""Program files: the contract form, validation errors with lines, writing back."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from stridecheck.errors import ProgramError, StrideCheckError
from stridecheck.programs import (
    Program,
    Repeat,
    Session,
    Step,
    Targets,
    dumps_program,
    load_program_file,
    loads_program,
    parse_duration,
)

ISSUE_EXAMPLE = """\
name = "Run-walk for back pain, 12 weeks"
sport = "running"

[[sessions]]
id = "W1S1"
week = 1
steps = [
  { walk = "5:00", name = "warm-up" },
  { repeat = 10, steps = [ { run = "0:15" }, { walk = "0:45" } ] },
  { walk = "5:00", name = "cool-down" },
]
"""


def test_issue_example_parses_exactly(tmp_path: Path) -> None:
    path = tmp_path / "back.toml"
    path.write_text(ISSUE_EXAMPLE, encoding="utf-8")
    program = load_program_file(path)
    expected = Program(
        name="Run-walk for back pain, 12 weeks",
        sport="running",
        sessions=(
            Session(
                id="W1S1",
                week=1,
                steps=(
                    Step("walk", 300.0, name="warm-up"),
                    Repeat(10, (Step("run", 15.0), Step("walk", 45.0))),
                    Step("walk", 300.0, name="cool-down"),
                ),
            ),
        ),
    )
    assert program == expected
    session = program.session("W1S1")
    assert session.duration_s == 1200.0
    assert session.run_s == 150.0
    assert session.walk_s == 1050.0


def test_flatten_and_plan() -> None:
    session = loads_program(ISSUE_EXAMPLE).sessions[0]
    flat = session.flatten()
    assert len(flat) == 22
    assert [s.index for s in flat] == list(range(22))
    assert flat[0].name == "warm-up" and flat[0].start_s == 0.0 and not flat[0].in_repeat
    fourth_run = flat[7]
    assert fourth_run.kind == "run"
    assert fourth_run.path == (1, 0)
    assert fourth_run.iterations == (4,) and fourth_run.counts == (10,)
    assert fourth_run.iteration == 4 and fourth_run.repeat_index == 1
    assert fourth_run.label == "run 4 of 10"
    assert fourth_run.start_s == 300.0 + 3 * 60.0
    assert fourth_run.end_s == fourth_run.start_s + 15.0
    assert flat[-1].path == (2,) and flat[-1].end_s == 1200.0
    plan = session.to_plan()
    assert plan[:3] == [("walk", 300.0), ("run", 15.0), ("walk", 45.0)]
    assert plan[-1] == ("walk", 300.0)
    assert len(plan) == 22
    assert sum(d for _, d in plan) == session.duration_s


def test_nested_repeats_flatten() -> None:
    text = """
name = "nested"
[[sessions]]
id = "n"
steps = [
  { repeat = 2, steps = [
    { run = 60 }, { repeat = 3, steps = [ { walk = 10 }, { run = 5 } ] } ] },
]
"""
    flat = loads_program(text).sessions[0].flatten()
    assert len(flat) == 2 * (1 + 3 * 2)
    inner = flat[3]  # second pass of the inner repeat, its walk
    assert inner.path == (0, 1, 0)
    assert inner.iterations == (1, 2) and inner.counts == (2, 3)
    assert flat[7].iterations == (2,) and flat[7].kind == "run" and flat[7].duration_s == 60.0


def test_optional_keys_and_targets() -> None:
    text = """
name = "p"
sport = "running"
description = "d"
source = "s"
weeks = 2
sessions_per_week = 1

[[sessions]]
id = "A"
week = 2
day = 3
name = "Intervals"
notes = "easy"
steps = [
  { run = "1:02:30", name = "long", hr_bpm = [120, 140], pace_per_km = ["7:00", "8:30"] },
  { walk = 90 },
  { walk = 12.5 },
]
"""
    program = loads_program(text)
    assert (program.description, program.source, program.weeks) == ("d", "s", 2)
    assert program.sessions_per_week == 1
    session = program.sessions[0]
    assert (session.week, session.day, session.name, session.notes) == (2, 3, "Intervals", "easy")
    first = session.steps[0]
    assert isinstance(first, Step)
    assert first.duration_s == 3750.0
    assert first.targets == Targets(hr_bpm=(120, 140), pace_s_per_km=(420.0, 510.0))
    assert session.to_plan()[1:] == [("walk", 90.0), ("walk", 12.5)]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0:15", 15.0),
        ("5:00", 300.0),
        ("90:00", 5400.0),
        ("1:02:03", 3723.0),
        (45, 45.0),
        (2.5, 2.5),
        ("90", 90.0),
        ("0:12.5", 12.5),
        ("90s", 90.0),
    ],
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_parse_duration_zero_only_when_allowed() -> None:
    assert parse_duration("0:00", allow_zero=True) == 0.0
    with pytest.raises(ValueError, match="positive"):
        parse_duration("0:00")
    with pytest.raises(ValueError, match=">= 0"):
        parse_duration(-1, allow_zero=True)


@pytest.mark.parametrize("bad", ["5:75", "1:60:00", "-5", "0", 0, -3, True, "abc", "5:5", None])
def test_parse_duration_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def _error(text: str, tmp_path: Path) -> ProgramError:
    path = tmp_path / "program.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ProgramError) as info:
        load_program_file(path)
    error = info.value
    assert isinstance(error, StrideCheckError)
    assert error.path == path
    assert str(path) in str(error)
    if error.line is not None:
        assert f"line {error.line}" in str(error)
    return error


HEAD = 'name = "p"\n'

# (case, document, expected line, words expected in the problem)
ERROR_CASES = [
    (
        "unknown key in step",
        HEAD
        + '[[sessions]]\nid = "A"\nsteps = [\n  { walk = "5:00" },\n  { runn = "0:15" },\n]\n',
        6,
        ["unknown key 'runn'", "step 2"],
    ),
    (
        "both run and walk",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [\n  { run = "1:00", walk = "1:00" },\n]\n',
        5,
        ["both 'run' and 'walk'"],
    ),
    (
        "no duration",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [\n  { walk = "1:00" },\n  { name = "x" },\n]\n',
        6,
        ["no duration"],
    ),
    (
        "bad duration string",
        HEAD + '\n[[sessions]]\nid = "A"\nweek = 1\nsteps = [\n  { walk = "5:00" },\n'
        '  { repeat = 3, steps = [ { run = "0:15" },\n    { walk = "5:75" } ] },\n]\n',
        9,
        ["'5:75'", "step 2.2"],
    ),
    (
        "zero repeat",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [\n  { walk = 60 },\n'
        "  { repeat = 0, steps = [ { run = 15 } ] },\n]\n",
        6,
        ["repeat must be a whole number >= 1", "got 0"],
    ),
    (
        "negative repeat",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [ { repeat = -2, steps = [ { run = 15 } ] } ]\n',
        4,
        ["got -2"],
    ),
    (
        "duplicate session id",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [ { run = 15 } ]\n\n'
        '[[sessions]]\nweek = 1\nid = "A"\nsteps = [ { run = 15 } ]\n',
        8,
        ["duplicate session id 'A'"],
    ),
    (
        "hr range low >= high",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [\n  { run = 15 },\n'
        "  { run = 60, hr_bpm = [150, 120] },\n]\n",
        6,
        ["hr_bpm", "low must be below high"],
    ),
    (
        "hr range equal",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [ { run = 60, hr_bpm = [150, 150] } ]\n',
        4,
        ["low must be below high"],
    ),
    (
        "pace range reversed",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [\n'
        '  { run = 60, pace_per_km = ["8:30", "7:00"] },\n]\n',
        5,
        ["pace_per_km", "reversed"],
    ),
    (
        "missing id",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [ { run = 15 } ]\n\n'
        "[[sessions]]\nweek = 1\nsteps = [ { run = 15 } ]\n",
        6,
        ["session 2 has no 'id'"],
    ),
    (
        "toml syntax error",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [ { run = 15 }\n  { walk = 10 } ]\n',
        5,
        ["TOML syntax error"],
    ),
    (
        "unknown session key",
        HEAD + '[[sessions]]\nid = "A"\nweeek = 1\nsteps = [ { run = 15 } ]\n',
        4,
        ["unknown key 'weeek'"],
    ),
    (
        "unknown program key",
        HEAD + 'sports = "running"\n[[sessions]]\nid = "A"\nsteps = [ { run = 15 } ]\n',
        2,
        ["unknown key 'sports'"],
    ),
    (
        "day out of range",
        HEAD + '[[sessions]]\nid = "A"\nday = 8\nsteps = [ { run = 15 } ]\n',
        4,
        ["day must be 1 to 7"],
    ),
    (
        "empty steps",
        HEAD + '[[sessions]]\nid = "A"\nsteps = []\n',
        4,
        ["non-empty 'steps'"],
    ),
    (
        "repeat with a run key",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [ { repeat = 2, run = 15 } ]\n',
        4,
        ["a repeat takes only"],
    ),
    (
        "week beyond declared weeks",
        HEAD + 'weeks = 2\n[[sessions]]\nid = "A"\nweek = 3\nsteps = [ { run = 15 } ]\n',
        5,
        ["week 3", "weeks = 2"],
    ),
    (
        "step in array-of-tables form",
        HEAD + '[[sessions]]\nid = "A"\n\n[[sessions.steps]]\nwalk = "5:00"\n\n'
        '[[sessions.steps]]\nrun = "0:99"\n',
        8,
        ["'0:99'"],
    ),
    (
        "later session, comment with braces",
        HEAD + '[[sessions]]\nid = "A"\nsteps = [ { run = 15 } ]  # { not a step }\n\n'
        '[[sessions]]\nid = "B"\nnotes = "a { brace"\nsteps = [\n  { run = 15 },\n'
        '  { walk = "x" },\n]\n',
        11,
        ["session 'B', step 2"],
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [pytest.param(t, n, w, id=case) for case, t, n, w in ERROR_CASES],
)
def test_validation_errors_name_file_line_problem(
    text: str, line: int, words: list[str], tmp_path: Path
) -> None:
    error = _error(text, tmp_path)
    assert error.line == line, str(error)
    for word in words:
        assert word in error.problem, str(error)


def test_error_for_missing_file_and_bad_utf8(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="cannot be read"):
        load_program_file(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'name = "p"\n# \xff\n')
    with pytest.raises(ProgramError, match="UTF-8") as info:
        load_program_file(bad)
    assert info.value.line == 2


def test_error_without_sessions() -> None:
    with pytest.raises(ProgramError, match="no sessions"):
        loads_program('name = "p"\n')
    with pytest.raises(ProgramError, match="has no 'name'"):
        loads_program('[[sessions]]\nid = "A"\nsteps = [ { run = 15 } ]\n')


def test_excessive_unrolling_is_refused() -> None:
    text = (
        HEAD + '[[sessions]]\nid = "A"\nsteps = [ { repeat = 100000, steps = [ { run = 1 } ] } ]\n'
    )
    with pytest.raises(ProgramError, match="unrolls to 100000 bouts"):
        loads_program(text)


def test_dump_round_trip() -> None:
    text = """
name = "Quotes \\" and unicode é"
description = "line1\\nline2"
[[sessions]]
id = "A"
week = 1
day = 2
name = "n"
notes = "x"
steps = [
  { walk = "1:05:00", name = "long walk", hr_bpm = [90, 110] },
  { repeat = 2, steps = [ { run = 12.25, pace_per_km = ["6:00", "7:15"] },
                          { repeat = 3, steps = [ { walk = 5 }, { run = 7 } ] } ] },
]
"""
    program = loads_program(text)
    dumped = dumps_program(program, header="a header\nsecond line")
    assert dumped.startswith("# a header\n# second line\n")
    assert loads_program(dumped) == program
