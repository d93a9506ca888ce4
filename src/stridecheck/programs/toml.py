"""Program files: load and validate TOML, write it back.

The form is a public contract (extend it, never break it)::

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

A step is exactly one of ``run`` / ``walk`` with a duration (``"M:SS"``,
``"H:MM:SS"`` or a number of seconds), an optional ``name`` and optional
targets ``hr_bpm = [low, high]`` and ``pace_per_km = ["7:00", "8:30"]`` (faster
pace first); or ``repeat = N`` with nested ``steps``. Sessions may also carry
``day`` (1-7), ``name`` and ``notes``; the program ``description``,
``source``, ``weeks`` and ``sessions_per_week``.

An optional ``[progression]`` table says when a week is ready for
progression (see :class:`~stridecheck.programs.model.ProgressionRules`; every
key optional)::

    [progression]
    model = "silbernagel-2007"      # pain-monitoring defaults, or "none"
    min_sessions_completed = 2      # per week (default: two thirds, rounded up)
    max_pain_after = 50             # 0-100 visual analogue scale (false: no limit)
    pain_settled = true             # pain back to its level before the next session
    pain_not_rising = true          # week's highest pain not above last week's
    adverse_event_blocks = true     # until a coach records a clearance note

Every problem is a :class:`~stridecheck.errors.ProgramError` naming the file,
the line and the problem.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stridecheck.errors import ProgramError
from stridecheck.programs._locate import SourceMap
from stridecheck.programs.durations import format_duration, parse_duration, parse_pace
from stridecheck.programs.model import (
    PAIN_MODELS,
    Program,
    ProgressionRules,
    Repeat,
    Session,
    Step,
    StepNode,
    Targets,
)

__all__ = [
    "MAX_CONCRETE_STEPS",
    "MAX_NESTING",
    "dumps_program",
    "load_program_file",
    "loads_program",
    "program_from_dict",
]

#: Most bouts a session may unroll to (guards against ``repeat = 1000000``).
MAX_CONCRETE_STEPS = 10_000
#: Deepest nesting of repeats.
MAX_NESTING = 8

_PROGRAM_KEYS = (
    "name",
    "sport",
    "description",
    "source",
    "weeks",
    "sessions_per_week",
    "sessions",
    "progression",
)
_PROGRESSION_KEYS = (
    "model",
    "min_sessions_completed",
    "max_pain_after",
    "pain_settled",
    "pain_not_rising",
    "adverse_event_blocks",
)
_SESSION_KEYS = ("id", "week", "day", "name", "notes", "steps")
_STEP_KEYS = ("run", "walk", "name", "hr_bpm", "pace_per_km")
_REPEAT_KEYS = ("repeat", "steps")
_HR_MIN_BPM = 30
_HR_MAX_BPM = 250
_LINE_IN_MESSAGE = re.compile(r"\(at line (\d+), column \d+\)")


def load_program_file(path: str | os.PathLike[str]) -> Program:
    """Load and validate a program file.

    Parameters
    ----------
    path
        A TOML program file.

    Raises
    ------
    ProgramError
        When the file cannot be read or is not a valid program (file, line and problem).
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ProgramError(path, None, f"cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ProgramError(path, line, "is not UTF-8 text") from None
    return loads_program(text, source=path)


def loads_program(text: str, *, source: str | os.PathLike[str] | None = None) -> Program:
    """Parse and validate a program from TOML text.

    Parameters
    ----------
    text
        The TOML document.
    source
        File name used in error messages (``None``: ``<string>``).

    Raises
    ------
    ProgramError
        When the text is not TOML or not a valid program.
    """
    where = source if source is not None else "<string>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _LINE_IN_MESSAGE.search(message)
        line = int(match.group(1)) if match else getattr(exc, "lineno", None)
        problem = _LINE_IN_MESSAGE.sub("", message).strip()
        raise ProgramError(where, line, f"TOML syntax error: {problem}") from None
    return program_from_dict(data, source=where, source_map=SourceMap(text))


def program_from_dict(
    data: Mapping[str, Any],
    *,
    source: str | os.PathLike[str] | None = None,
    source_map: SourceMap | None = None,
) -> Program:
    """Validate a parsed program document (as ``tomllib`` returns it).

    Parameters
    ----------
    data
        The document.
    source
        File name used in error messages.
    source_map
        The document's text, to give line numbers in error messages.

    Raises
    ------
    ProgramError
        At the first problem.
    """
    return _Validator(source if source is not None else "<data>", source_map).program(data)


class _Validator:
    """Walks a parsed document, turning it into model objects or a located error."""

    def __init__(self, source: str | os.PathLike[str], source_map: SourceMap | None) -> None:
        self.source = source
        self.map = source_map

    # -- errors -------------------------------------------------------------

    def fail(self, line: int | None, problem: str) -> ProgramError:
        return ProgramError(self.source, line, problem)

    def top_line(self, key: str) -> int | None:
        return self.map.top_key(key) if self.map else None

    def session_line(self, index: int, key: str | None = None) -> int | None:
        if self.map is None:
            return None
        return self.map.session(index) if key is None else self.map.session_key(index, key)

    def step_line(self, session_index: int, ordinal: int) -> int | None:
        return self.map.step(session_index, ordinal) if self.map else None

    # -- program ------------------------------------------------------------

    def program(self, data: Mapping[str, Any]) -> Program:
        for key in data:
            if key not in _PROGRAM_KEYS:
                raise self.fail(
                    self.top_line(key),
                    f"unknown key {key!r} at the top of the program; allowed: "
                    + ", ".join(_PROGRAM_KEYS),
                )
        name = self.text(data, "name", self.top_line("name"), required=True, what="the program")
        sport = self.text(data, "sport", self.top_line("sport"), what="the program") or "running"
        weeks = self.count(data, "weeks", self.top_line("weeks"), "the program")
        per_week = self.count(
            data, "sessions_per_week", self.top_line("sessions_per_week"), "the program"
        )
        raw_sessions = data.get("sessions")
        if raw_sessions is None:
            raise self.fail(None, "the program has no sessions; add [[sessions]] tables")
        if not isinstance(raw_sessions, list) or not raw_sessions:
            raise self.fail(
                self.top_line("sessions"), "'sessions' must be a non-empty array of tables"
            )
        sessions: list[Session] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(raw_sessions):
            session = self.session(index, raw)
            if session.id in seen:
                raise self.fail(
                    self.session_line(index, "id"),
                    f"duplicate session id {session.id!r} (first used by session "
                    f"{seen[session.id] + 1})",
                )
            if weeks is not None and session.week is not None and session.week > weeks:
                raise self.fail(
                    self.session_line(index, "week"),
                    f"session {session.id!r} is in week {session.week} but the program "
                    f"declares weeks = {weeks}",
                )
            seen[session.id] = index
            sessions.append(session)
        return Program(
            name=name or "",
            sessions=tuple(sessions),
            sport=sport,
            description=self.text(data, "description", self.top_line("description"), "program"),
            source=self.text(data, "source", self.top_line("source"), "program"),
            weeks=weeks,
            sessions_per_week=per_week,
            progression=self.progression(data.get("progression", None), "progression" in data),
        )

    # -- progression ----------------------------------------------------------

    def progression_line(self, key: str | None = None) -> int | None:
        if self.map is None:
            return None
        return self.map.table_key("progression", key)

    def progression(self, raw: object, present: bool) -> ProgressionRules | None:
        if not present:
            return None
        if not isinstance(raw, dict):
            raise self.fail(
                self.progression_line() or self.top_line("progression"),
                "'progression' must be a table ([progression])",
            )
        for key in raw:
            if key not in _PROGRESSION_KEYS:
                raise self.fail(
                    self.progression_line(key),
                    f"unknown key {key!r} in [progression]; allowed: "
                    + ", ".join(_PROGRESSION_KEYS),
                )
        model = raw.get("model", "silbernagel-2007")
        if model not in PAIN_MODELS:
            raise self.fail(
                self.progression_line("model"),
                f"[progression] model must be one of {', '.join(map(repr, PAIN_MODELS))}, "
                f"got {model!r}",
            )
        base = ProgressionRules.for_model(str(model))
        needed = self.count(
            raw,
            "min_sessions_completed",
            self.progression_line("min_sessions_completed"),
            "[progression]",
        )
        pain: float | None = base.max_pain_after
        if "max_pain_after" in raw:
            value = raw["max_pain_after"]
            if value is False:
                pain = None
            elif (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 <= float(value) <= 100
            ):
                raise self.fail(
                    self.progression_line("max_pain_after"),
                    "[progression] max_pain_after must be a number from 0 to 100 (visual "
                    f"analogue scale; 50 = 5 of 10) or false, got {value!r}",
                )
            else:
                pain = float(value)
        flags: dict[str, bool] = {}
        for key in ("pain_settled", "pain_not_rising", "adverse_event_blocks"):
            value = raw.get(key, getattr(base, key))
            if not isinstance(value, bool):
                raise self.fail(
                    self.progression_line(key),
                    f"[progression] {key} must be true or false, got {value!r}",
                )
            flags[key] = value
        return ProgressionRules(
            model=base.model,
            min_sessions_completed=needed,
            max_pain_after=pain,
            pain_settled=flags["pain_settled"],
            pain_not_rising=flags["pain_not_rising"],
            adverse_event_blocks=flags["adverse_event_blocks"],
        )

    # -- session ------------------------------------------------------------

    def session(self, index: int, raw: object) -> Session:
        line = self.session_line(index)
        label = f"session {index + 1}"
        if not isinstance(raw, dict):
            raise self.fail(line, f"{label} must be a table ([[sessions]])")
        for key in raw:
            if key not in _SESSION_KEYS:
                raise self.fail(
                    self.session_line(index, key),
                    f"unknown key {key!r} in {label}; allowed: " + ", ".join(_SESSION_KEYS),
                )
        if "id" not in raw:
            raise self.fail(line, f"{label} has no 'id' (e.g. id = \"W1S1\")")
        session_id = self.text(raw, "id", self.session_line(index, "id"), label, required=True)
        label = f"session {session_id!r}"
        week = self.count(raw, "week", self.session_line(index, "week"), label)
        day = self.count(raw, "day", self.session_line(index, "day"), label)
        if day is not None and not 1 <= day <= 7:
            raise self.fail(
                self.session_line(index, "day"), f"{label}: day must be 1 to 7, got {day}"
            )
        raw_steps = raw.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise self.fail(
                self.session_line(index, "steps"),
                f"{label} needs a non-empty 'steps' array",
            )
        ordinal = [0]
        steps = self.steps(index, label, raw_steps, (), ordinal)
        session = Session(
            id=session_id or "",
            steps=steps,
            week=week,
            day=day,
            name=self.text(raw, "name", self.session_line(index, "name"), label),
            notes=self.text(raw, "notes", self.session_line(index, "notes"), label),
        )
        n_bouts = _count_concrete(session.steps)
        if n_bouts > MAX_CONCRETE_STEPS:
            raise self.fail(
                self.session_line(index, "steps"),
                f"{label} unrolls to {n_bouts} bouts (at most {MAX_CONCRETE_STEPS})",
            )
        return session

    # -- steps --------------------------------------------------------------

    def steps(
        self,
        session_index: int,
        label: str,
        raw_steps: list[Any],
        path: tuple[int, ...],
        ordinal: list[int],
    ) -> tuple[StepNode, ...]:
        if len(path) > MAX_NESTING:
            raise self.fail(
                self.step_line(session_index, ordinal[0] - 1),
                f"{label}: repeats nest deeper than {MAX_NESTING} levels",
            )
        nodes: list[StepNode] = []
        for position, raw in enumerate(raw_steps):
            here = (*path, position)
            line = self.step_line(session_index, ordinal[0])
            ordinal[0] += 1
            where = f"{label}, step {'.'.join(str(i + 1) for i in here)}"
            if not isinstance(raw, dict):
                raise self.fail(
                    line, f'{where} must be a table like {{ run = "0:15" }}, got {raw!r}'
                )
            if "repeat" in raw:
                nodes.append(
                    self.repeat(
                        session_index,
                        label,
                        where=where,
                        line=line,
                        raw=raw,
                        path=here,
                        ordinal=ordinal,
                    )
                )
            else:
                nodes.append(self.step(where, line, raw))
        return tuple(nodes)

    def repeat(
        self,
        session_index: int,
        label: str,
        *,
        where: str,
        line: int | None,
        raw: dict[str, Any],
        path: tuple[int, ...],
        ordinal: list[int],
    ) -> Repeat:
        for key in raw:
            if key not in _REPEAT_KEYS:
                raise self.fail(
                    line,
                    f"{where}: a repeat takes only 'repeat' and 'steps', not {key!r}",
                )
        count = raw["repeat"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise self.fail(line, f"{where}: repeat must be a whole number >= 1, got {count!r}")
        inner = raw.get("steps")
        if not isinstance(inner, list) or not inner:
            raise self.fail(line, f"{where}: a repeat needs a non-empty 'steps' array")
        return Repeat(count=count, steps=self.steps(session_index, label, inner, path, ordinal))

    def step(self, where: str, line: int | None, raw: dict[str, Any]) -> Step:
        for key in raw:
            if key not in _STEP_KEYS:
                raise self.fail(
                    line,
                    f"{where}: unknown key {key!r}; a step has 'run' or 'walk' (a duration), "
                    "'name', 'hr_bpm', 'pace_per_km'; or 'repeat' and 'steps'",
                )
        kinds = [k for k in ("run", "walk") if k in raw]
        if len(kinds) == 2:
            raise self.fail(line, f"{where} has both 'run' and 'walk'; give exactly one")
        if not kinds:
            raise self.fail(
                line, f"{where} has no duration: give 'run' or 'walk', e.g. {{ walk = \"5:00\" }}"
            )
        kind = kinds[0]
        try:
            duration_s = parse_duration(raw[kind])
        except ValueError as exc:
            raise self.fail(line, f"{where}: {kind}: {exc}") from None
        name = raw.get("name")
        if name is not None and not isinstance(name, str):
            raise self.fail(line, f"{where}: name must be a string, got {name!r}")
        return Step(
            kind="run" if kind == "run" else "walk",
            duration_s=duration_s,
            name=name,
            targets=Targets(
                hr_bpm=self.hr_range(where, line, raw.get("hr_bpm")),
                pace_s_per_km=self.pace_range(where, line, raw.get("pace_per_km")),
            ),
        )

    def hr_range(self, where: str, line: int | None, raw: object) -> tuple[int, int] | None:
        if raw is None:
            return None
        if (
            not isinstance(raw, list)
            or len(raw) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in raw)
        ):
            raise self.fail(
                line, f"{where}: hr_bpm must be two whole numbers [low, high], got {raw!r}"
            )
        low, high = int(raw[0]), int(raw[1])
        if low >= high:
            raise self.fail(line, f"{where}: hr_bpm range [{low}, {high}]: low must be below high")
        if low < _HR_MIN_BPM or high > _HR_MAX_BPM:
            raise self.fail(
                line,
                f"{where}: hr_bpm range [{low}, {high}] is outside "
                f"{_HR_MIN_BPM}-{_HR_MAX_BPM} bpm",
            )
        return low, high

    def pace_range(self, where: str, line: int | None, raw: object) -> tuple[float, float] | None:
        if raw is None:
            return None
        if not isinstance(raw, list) or len(raw) != 2:
            raise self.fail(
                line, f'{where}: pace_per_km must be [fast, slow], e.g. ["7:00", "8:30"]'
            )
        try:
            fast, slow = parse_pace(raw[0]), parse_pace(raw[1])
        except ValueError as exc:
            raise self.fail(line, f"{where}: pace_per_km: {exc}") from None
        if fast >= slow:
            raise self.fail(
                line,
                f"{where}: pace_per_km range {raw!r} is reversed or empty: give the faster "
                '(smaller) pace first, e.g. ["7:00", "8:30"]',
            )
        return fast, slow

    # -- scalars ------------------------------------------------------------

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        line: int | None,
        what: str,
        *,
        required: bool = False,
    ) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(line, f"{what} has no {key!r}")
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(line, f"{what}: {key} must be a non-empty string, got {value!r}")
        return value

    def count(self, data: Mapping[str, Any], key: str, line: int | None, what: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(line, f"{what}: {key} must be a whole number >= 1, got {value!r}")
        return value


def _count_concrete(nodes: tuple[StepNode, ...]) -> int:
    total = 0
    for node in nodes:
        total += 1 if isinstance(node, Step) else node.count * _count_concrete(node.steps)
    return total


# -- writing ------------------------------------------------------------------


def dumps_program(program: Program, *, header: str | None = None) -> str:
    """Write a program as TOML in the contract form (loads back to an equal program).

    Parameters
    ----------
    program
        The program.
    header
        Optional comment text put at the top (each line prefixed with ``# ``).
    """
    lines: list[str] = []
    if header:
        lines.extend(f"# {line}".rstrip() for line in header.splitlines())
        lines.append("")
    lines.append(f"name = {_string(program.name)}")
    lines.append(f"sport = {_string(program.sport)}")
    for key in ("description", "source"):
        value = getattr(program, key)
        if value is not None:
            lines.append(f"{key} = {_string(value)}")
    for key in ("weeks", "sessions_per_week"):
        value = getattr(program, key)
        if value is not None:
            lines.append(f"{key} = {value}")
    if program.progression is not None:
        rules = program.progression
        lines.append("")
        lines.append("[progression]")
        lines.append(f"model = {_string(rules.model)}")
        if rules.min_sessions_completed is not None:
            lines.append(f"min_sessions_completed = {rules.min_sessions_completed}")
        if rules.max_pain_after is not None:
            lines.append(f"max_pain_after = {float(rules.max_pain_after)!r}")
        else:
            lines.append("max_pain_after = false")
        for key in ("pain_settled", "pain_not_rising", "adverse_event_blocks"):
            lines.append(f"{key} = {'true' if getattr(rules, key) else 'false'}")
    for session in program.sessions:
        lines.append("")
        lines.append("[[sessions]]")
        lines.append(f"id = {_string(session.id)}")
        for key in ("week", "day"):
            value = getattr(session, key)
            if value is not None:
                lines.append(f"{key} = {value}")
        for key in ("name", "notes"):
            value = getattr(session, key)
            if value is not None:
                lines.append(f"{key} = {_string(value)}")
        lines.append("steps = [")
        lines.extend(f"  {_node(node)}," for node in session.steps)
        lines.append("]")
    return "\n".join(lines) + "\n"


def _node(node: StepNode) -> str:
    if isinstance(node, Repeat):
        inner = ", ".join(_node(child) for child in node.steps)
        return f"{{ repeat = {node.count}, steps = [ {inner} ] }}"
    parts = [f"{node.kind} = {_duration(node.duration_s)}"]
    if node.name is not None:
        parts.append(f"name = {_string(node.name)}")
    if node.targets.hr_bpm is not None:
        low, high = node.targets.hr_bpm
        parts.append(f"hr_bpm = [{low}, {high}]")
    if node.targets.pace_s_per_km is not None:
        fast, slow = node.targets.pace_s_per_km
        parts.append(f"pace_per_km = [{_duration(fast)}, {_duration(slow)}]")
    return "{ " + ", ".join(parts) + " }"


def _duration(seconds: float) -> str:
    text = format_duration(seconds)
    if parse_duration(text) == seconds:  # exactly: otherwise write the number itself
        return _string(text)
    return repr(float(seconds))


def _string(value: str) -> str:
    """A TOML basic string (JSON escapes are valid TOML escapes)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
