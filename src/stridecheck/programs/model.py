"""Prescribed programs: a program holds sessions, a session holds steps.

A step is one bout of running or walking for a time (:class:`Step`), or a
block of steps done several times (:class:`Repeat`, which may nest). Whatever
the nesting, :meth:`Session.flatten` turns a session into the list of concrete
bouts a person is asked to do, in order (:class:`ConcreteStep`): that list is
what compliance scoring aligns an activity to, and :meth:`Session.to_plan` is
the same list as ``(kind, seconds)`` pairs for the simulator.

All objects are frozen dataclasses, so two sessions compare equal when their
structure, durations, names and targets are equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from stridecheck.programs.durations import format_duration, format_pace

__all__ = [
    "PAIN_MODELS",
    "STEP_KINDS",
    "ConcreteStep",
    "Program",
    "ProgressionRules",
    "Repeat",
    "Session",
    "Step",
    "StepKind",
    "StepNode",
    "Targets",
]

#: What a step prescribes.
StepKind = Literal["run", "walk"]
#: The step kinds, in the order program files mention them.
STEP_KINDS: tuple[StepKind, ...] = ("run", "walk")


@dataclass(frozen=True)
class Targets:
    """Intensity targets of a step (each optional).

    Attributes
    ----------
    hr_bpm
        Heart-rate range ``(low, high)``, low < high. [bpm]
    pace_s_per_km
        Pace range ``(fast, slow)``: the faster (smaller) pace first. [s/km]
    """

    hr_bpm: tuple[int, int] | None = None
    pace_s_per_km: tuple[float, float] | None = None

    @property
    def is_empty(self) -> bool:
        """True when the step sets no target."""
        return self.hr_bpm is None and self.pace_s_per_km is None

    def describe(self) -> str:
        """The targets in words, e.g. ``"HR 120-140 bpm, pace 7:00-8:30 /km"``."""
        parts: list[str] = []
        if self.hr_bpm is not None:
            parts.append(f"HR {self.hr_bpm[0]}-{self.hr_bpm[1]} bpm")
        if self.pace_s_per_km is not None:
            fast, slow = self.pace_s_per_km
            parts.append(f"pace {format_pace(fast)}-{format_pace(slow)} /km")
        return ", ".join(parts)


@dataclass(frozen=True)
class Step:
    """One bout: run or walk for a time.

    Attributes
    ----------
    kind
        ``"run"`` or ``"walk"``.
    duration_s
        Prescribed duration, > 0. [s]
    name
        Optional label (``"warm-up"``, ``"cool-down"``, ...).
    targets
        Optional intensity targets.
    """

    kind: StepKind
    duration_s: float
    name: str | None = None
    targets: Targets = field(default_factory=Targets)

    def describe(self) -> str:
        """The step in words, e.g. ``"walk 5:00 (warm-up)"``."""
        text = f"{self.kind} {format_duration(self.duration_s)}"
        extras = [x for x in (self.name, self.targets.describe()) if x]
        return f"{text} ({'; '.join(extras)})" if extras else text


@dataclass(frozen=True)
class Repeat:
    """A block of steps done ``count`` times in a row.

    Attributes
    ----------
    count
        Number of passes through ``steps`` (total, not extra), >= 1.
    steps
        The steps of one pass (steps or nested repeats), at least one.
    """

    count: int
    steps: tuple[StepNode, ...]

    @property
    def duration_s(self) -> float:
        """Duration of all passes. [s]"""
        return self.count * sum(node.duration_s for node in self.steps)

    def describe(self) -> str:
        """The block in words, e.g. ``"10 x (run 0:15, walk 0:45)"``."""
        inner = ", ".join(node.describe() for node in self.steps)
        return f"{self.count} x ({inner})"


#: A node of a session's step tree.
StepNode = Step | Repeat


@dataclass(frozen=True)
class ConcreteStep:
    """One bout of a flattened session, as the person is asked to do it.

    Attributes
    ----------
    index
        Position in the flattened session, from 0.
    kind
        ``"run"`` or ``"walk"``.
    duration_s
        Prescribed duration. [s]
    start_s
        Prescribed start, counted from the start of the session. [s]
    name
        The step's label, if any.
    targets
        The step's intensity targets.
    path
        Where the step sits in the nested steps: indices from the session's
        top-level ``steps`` down to this step (``(1, 0)`` is the first step
        inside the repeat at top-level position 1).
    iterations
        For each enclosing repeat, outermost first, which pass this is (from 1).
    counts
        For each enclosing repeat, outermost first, its number of passes.
    """

    index: int
    kind: StepKind
    duration_s: float
    start_s: float
    name: str | None
    targets: Targets
    path: tuple[int, ...]
    iterations: tuple[int, ...] = ()
    counts: tuple[int, ...] = ()

    @property
    def end_s(self) -> float:
        """Prescribed end, counted from the start of the session. [s]"""
        return self.start_s + self.duration_s

    @property
    def in_repeat(self) -> bool:
        """True when the step belongs to a repeat block."""
        return bool(self.iterations)

    @property
    def repeat_index(self) -> int | None:
        """Top-level position of the outermost repeat holding the step (``None`` if none)."""
        return self.path[0] if self.in_repeat else None

    @property
    def iteration(self) -> int | None:
        """Pass of the innermost enclosing repeat, from 1 (``None`` outside repeats)."""
        return self.iterations[-1] if self.iterations else None

    @property
    def label(self) -> str:
        """A short human label: the name, or e.g. ``"run 4 of 10"`` inside a repeat."""
        if self.name:
            return self.name
        if self.iterations:
            return f"{self.kind} {self.iterations[-1]} of {self.counts[-1]}"
        return self.kind


@dataclass(frozen=True)
class Session:
    """One prescribed session.

    Attributes
    ----------
    id
        Identifier, unique in its program (``"W1S1"``).
    steps
        The steps, in order.
    week
        Program week the session belongs to, from 1 (``None`` when the program
        is not organised by weeks).
    day
        Suggested day of the week, 1 (Monday) to 7, if given.
    name
        Optional title.
    notes
        Optional free text for the person doing it.
    """

    id: str
    steps: tuple[StepNode, ...]
    week: int | None = None
    day: int | None = None
    name: str | None = None
    notes: str | None = None

    def iter_concrete(self) -> Iterator[ConcreteStep]:
        """Yield the concrete steps in order (see :meth:`flatten`)."""
        index = 0
        clock_s = 0.0

        def walk(
            nodes: tuple[StepNode, ...],
            path: tuple[int, ...],
            iterations: tuple[int, ...],
            counts: tuple[int, ...],
        ) -> Iterator[ConcreteStep]:
            nonlocal index, clock_s
            for position, node in enumerate(nodes):
                here = (*path, position)
                if isinstance(node, Step):
                    yield ConcreteStep(
                        index=index,
                        kind=node.kind,
                        duration_s=node.duration_s,
                        start_s=clock_s,
                        name=node.name,
                        targets=node.targets,
                        path=here,
                        iterations=iterations,
                        counts=counts,
                    )
                    index += 1
                    clock_s += node.duration_s
                else:
                    for n in range(1, node.count + 1):
                        yield from walk(node.steps, here, (*iterations, n), (*counts, node.count))

        yield from walk(self.steps, (), (), ())

    def flatten(self) -> list[ConcreteStep]:
        """The session as the ordered list of bouts to do, repeats unrolled."""
        return list(self.iter_concrete())

    def to_plan(self) -> list[tuple[str, float]]:
        """The session as ``("walk" | "run", duration_s)`` pairs, one per concrete step.

        This is the plan :func:`stridecheck.simulate.simulate_session` accepts.
        """
        return [(step.kind, step.duration_s) for step in self.iter_concrete()]

    @property
    def duration_s(self) -> float:
        """Total prescribed duration. [s]"""
        return sum(node.duration_s for node in self.steps)

    def time_in(self, kind: StepKind) -> float:
        """Total prescribed time of one kind (``"run"`` or ``"walk"``). [s]"""
        return sum(s.duration_s for s in self.iter_concrete() if s.kind == kind)

    @property
    def run_s(self) -> float:
        """Total prescribed running time. [s]"""
        return self.time_in("run")

    @property
    def walk_s(self) -> float:
        """Total prescribed walking time (warm-up and cool-down included). [s]"""
        return self.time_in("walk")

    def describe(self) -> str:
        """The steps in words, e.g. ``"walk 5:00 (warm-up), 10 x (run 0:15, walk 0:45), ..."``."""
        return ", ".join(node.describe() for node in self.steps)


#: Pain-monitoring models a ``[progression]`` table may name as its starting point.
PAIN_MODELS: tuple[str, ...] = ("silbernagel-2007", "none")


@dataclass(frozen=True)
class ProgressionRules:
    """When a week is ready for progression (the optional ``[progression]`` table).

    The defaults are the pain-monitoring model of Silbernagel et al. (Am J
    Sports Med 2007;35:897-906), offered as a sensible starting point, not as
    a rule of this programme's authors: pain during and after exercise allowed
    up to 5 of 10 (50 on the 0-100 visual analogue scale), settled by the next
    morning (here: before the next session), and not rising from week to week.
    ``model = "none"`` switches the pain rules off unless set one by one.

    Attributes
    ----------
    model
        ``"silbernagel-2007"`` (default) or ``"none"``: where the pain defaults
        come from.
    min_sessions_completed
        Sessions completed (score >= 80) a week needs; ``None``: two thirds of
        the week's prescribed sessions, rounded up (2 of 3).
    max_pain_after
        Highest pain after a session that still allows progression, 0-100
        (``None``: no limit). [0-100 VAS]
    pain_settled
        Pain before the next session must be back at or below the pain before
        the session (the "settled by the next morning" rule, with the next
        session's pain-before as the morning's value).
    pain_not_rising
        The week's highest pain after a session must not exceed the previous
        week's.
    adverse_event_blocks
        An adverse event blocks progression: its week is never ready, and later
        weeks only once a coach has recorded a clearance note after it.
    """

    model: str = "silbernagel-2007"
    min_sessions_completed: int | None = None
    max_pain_after: float | None = 50.0
    pain_settled: bool = True
    pain_not_rising: bool = True
    adverse_event_blocks: bool = True

    @classmethod
    def for_model(cls, model: str) -> ProgressionRules:
        """The defaults of a pain model (``"silbernagel-2007"`` or ``"none"``)."""
        if model == "none":
            return cls(
                model="none", max_pain_after=None, pain_settled=False, pain_not_rising=False
            )
        if model != "silbernagel-2007":
            raise ValueError(f"unknown pain model {model!r}; choose {', '.join(PAIN_MODELS)}")
        return cls()

    def sessions_needed(self, prescribed: int) -> int:
        """Sessions completed a week of ``prescribed`` sessions needs to be ready."""
        if self.min_sessions_completed is not None:
            return min(self.min_sessions_completed, max(prescribed, 1))
        return max(1, -(-2 * prescribed // 3))


@dataclass(frozen=True)
class Program:
    """A prescribed program: named sessions, usually organised by weeks.

    Attributes
    ----------
    name
        Title of the program.
    sessions
        The sessions, in the order they are to be done; ids are unique.
    sport
        Sport of the sessions (``"running"``).
    description
        What the program is, for people.
    source
        Where it comes from (publication, web page) and how faithfully.
    weeks
        Declared number of weeks (``None``: not declared; see :attr:`n_weeks`).
    sessions_per_week
        Declared sessions per week, if any.
    progression
        The ``[progression]`` table, when the file has one (``None``: the
        defaults of :class:`ProgressionRules`).
    """

    name: str
    sessions: tuple[Session, ...]
    sport: str = "running"
    description: str | None = None
    source: str | None = None
    weeks: int | None = None
    sessions_per_week: int | None = None
    progression: ProgressionRules | None = None

    @property
    def progression_rules(self) -> ProgressionRules:
        """The rules in force: the file's ``[progression]`` table or the defaults."""
        return self.progression if self.progression is not None else ProgressionRules()

    def session(self, session_id: str) -> Session:
        """The session with this id.

        Raises
        ------
        KeyError
            When no session has this id (the message lists the ids).
        """
        for session in self.sessions:
            if session.id == session_id:
                return session
        known = ", ".join(s.id for s in self.sessions)
        raise KeyError(f"no session {session_id!r} in {self.name!r}; sessions: {known}")

    @property
    def session_ids(self) -> list[str]:
        """Ids of the sessions, in order."""
        return [s.id for s in self.sessions]

    @property
    def n_weeks(self) -> int | None:
        """Number of weeks: the declared ``weeks``, else the highest session week."""
        if self.weeks is not None:
            return self.weeks
        weeks = [s.week for s in self.sessions if s.week is not None]
        return max(weeks) if weeks else None

    def sessions_in_week(self, week: int) -> list[Session]:
        """The sessions of one week, in order."""
        return [s for s in self.sessions if s.week == week]
