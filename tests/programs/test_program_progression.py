"""The optional ``[progression]`` table of program files (#17)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import jsonschema
import pytest

from stridecheck.errors import ProgramError
from stridecheck.programs import (
    ProgressionRules,
    dumps_program,
    load_program,
    load_program_file,
    loads_program,
    program_schema,
)

SESSION = '\n[[sessions]]\nid = "A"\nweek = 1\nsteps = [ { walk = "5:00" }, { run = "1:00" } ]\n'
HEAD = 'name = "p"\nsessions_per_week = 3\n'


def test_absent_table_means_the_stated_defaults() -> None:
    program = loads_program(HEAD + SESSION)
    assert program.progression is None
    rules = program.progression_rules
    assert rules == ProgressionRules()
    assert rules.model == "silbernagel-2007"
    assert rules.max_pain_after == 50.0  # 5 of 10
    assert rules.pain_settled and rules.pain_not_rising and rules.adverse_event_blocks
    assert [rules.sessions_needed(k) for k in (1, 2, 3, 4)] == [1, 2, 2, 3]
    # the file form of existing programs is unchanged (same text, same store hash)
    assert "[progression]" not in dumps_program(program)
    assert load_program("asteroid-12wk").progression is None


def test_table_overrides_and_round_trip() -> None:
    text = (
        HEAD
        + "\n[progression]\nmin_sessions_completed = 3\nmax_pain_after = 30\n"
        + "pain_settled = false\n"
        + SESSION
    )
    program = loads_program(text)
    rules = program.progression
    assert rules == ProgressionRules(
        min_sessions_completed=3, max_pain_after=30.0, pain_settled=False
    )
    assert loads_program(dumps_program(program)) == program
    off = loads_program(HEAD + '\n[progression]\nmodel = "none"\n' + SESSION).progression
    assert off == ProgressionRules.for_model("none")
    assert off is not None and off.max_pain_after is None and off.adverse_event_blocks
    no_limit = loads_program(HEAD + "\n[progression]\nmax_pain_after = false\n" + SESSION)
    assert no_limit.progression is not None and no_limit.progression.max_pain_after is None
    assert loads_program(dumps_program(no_limit)) == no_limit


@pytest.mark.parametrize(
    ("table", "line", "words"),
    [
        ("[progression]\nmax_pain = 40\n", 5, ["unknown key 'max_pain'", "max_pain_after"]),
        ("[progression]\n\nmax_pain_after = 140\n", 6, ["0 to 100", "140"]),
        ('[progression]\nmodel = "mine"\n', 5, ["model must be one of", "'mine'"]),
        ("[progression]\nmin_sessions_completed = 0\n", 5, ["whole number >= 1"]),
        ('[progression]\npain_settled = "yes"\n', 5, ["true or false"]),
        ("progression = 3\n", 4, ["must be a table"]),
    ],
)
def test_errors_name_file_and_line(
    table: str, line: int, words: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(HEAD + "\n" + table + SESSION)
    with pytest.raises(ProgramError) as info:
        load_program_file(path)
    error = info.value
    assert error.line == line, str(error)
    assert str(path) in str(error)
    for word in words:
        assert word in error.problem, str(error)


def test_json_schema_accepts_and_refuses_the_same() -> None:
    validator = jsonschema.Draft202012Validator(program_schema())
    good = HEAD + '\n[progression]\nmodel = "none"\nmax_pain_after = 40\n' + SESSION
    assert not list(validator.iter_errors(tomllib.loads(good)))
    for bad in ("max_pain_after = 140", "max_pain = 1", 'model = "x"', "pain_settled = 1"):
        doc = tomllib.loads(HEAD + "\n[progression]\n" + bad + "\n" + SESSION)
        assert list(validator.iter_errors(doc)), bad
        with pytest.raises(ProgramError):
            loads_program(HEAD + "\n[progression]\n" + bad + "\n" + SESSION)
