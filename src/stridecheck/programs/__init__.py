"""Prescribed programs: TOML program files, built-in programs, FIT workouts.

>>> from stridecheck.programs import load_program
>>> program = load_program("couch-to-5k")
>>> session = program.session("W1S1")
>>> session.to_plan()[:3]
[('walk', 300.0), ('run', 60.0), ('walk', 90.0)]
"""

from stridecheck.programs.catalog import builtin_text, list_builtin, load_builtin, load_program
from stridecheck.programs.durations import format_duration, parse_duration, parse_pace
from stridecheck.programs.fit_workout import (
    fit_workout_to_session,
    session_from_activity_workout,
    session_from_workout_steps,
    session_to_fit_workout,
)
from stridecheck.programs.model import (
    ConcreteStep,
    Program,
    ProgressionRules,
    Repeat,
    Session,
    Step,
    StepKind,
    StepNode,
    Targets,
)
from stridecheck.programs.schema import program_schema
from stridecheck.programs.toml import dumps_program, load_program_file, loads_program

__all__ = [
    "ConcreteStep",
    "Program",
    "ProgressionRules",
    "Repeat",
    "Session",
    "Step",
    "StepKind",
    "StepNode",
    "Targets",
    "builtin_text",
    "dumps_program",
    "fit_workout_to_session",
    "format_duration",
    "list_builtin",
    "load_builtin",
    "load_program",
    "load_program_file",
    "loads_program",
    "parse_duration",
    "parse_pace",
    "program_schema",
    "session_from_activity_workout",
    "session_from_workout_steps",
    "session_to_fit_workout",
]
