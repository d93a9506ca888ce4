"""Sessions as FIT workout files, and back.

Export
------
:func:`session_to_fit_workout` writes a FIT workout file (``file_id`` type
workout, one ``workout`` message, one ``workout_step`` per step) that a watch
can load to cue the session, using garmin-fit-sdk's ``Encoder``:

- a run or walk is a step of ``duration_type`` ``time`` with ``duration_value``
  in raw milliseconds (the Encoder ignores sub-field names such as
  ``duration_time``, so the main field is set with its raw value);
- ``intensity`` is ``active`` for runs; for walks ``warmup`` (the first
  top-level step), ``cooldown`` (the last top-level step) or ``recovery``
  (anywhere else, e.g. inside repeats);
- the step name is ``wkt_step_name``;
- a heart-rate target is ``target_type`` ``heart_rate`` with custom values
  ``bpm + 100`` (values up to 100 mean % of maximum HR in FIT); a pace target
  is ``target_type`` ``speed`` with custom values in mm/s (m/s x 1000); a step
  with both puts the pace in the ``secondary_target_*`` fields;
- a repeat is a ``repeat_until_steps_cmplt`` step after its body, whose
  ``duration_value`` is the message index of the body's first step and whose
  ``target_value`` is the total number of passes. Repeats may nest: an outer
  repeat step points back past the inner one.

Import
------
:func:`fit_workout_to_session` reads such a file back (garmin-fit-sdk's
``Decoder``, which expands ``duration_value`` into ``duration_time`` in seconds
and ``target_value`` into ``repeat_steps``; the raw main fields are preferred),
and :func:`session_from_activity_workout` reads the ``workout_step`` rows an
activity file carries (``Activity.workout``). Steps whose intensity is
``warmup``, ``cooldown``, ``recovery`` or ``rest`` become walks, others runs.
What a session cannot hold (distance or open-ended steps, power or cadence
targets, zone targets) is a problem handled by the error policy and listed in
the session's ``notes``; with ``errors="raise"`` it is a
:class:`~stridecheck.errors.ProgramError`.

Pace targets survive a round trip to the whole second for paces up to
16:40 min/km (1000 s/km); FIT stores speed in mm/s, so slower paces may come
back a second off.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

from stridecheck.activity import Activity
from stridecheck.errors import ErrorPolicy, ProgramError, handle_problem
from stridecheck.programs.model import Repeat, Session, Step, StepKind, StepNode, Targets

__all__ = [
    "fit_workout_to_session",
    "session_from_activity_workout",
    "session_from_workout_steps",
    "session_to_fit_workout",
    "workout_step_messages",
]

_MESG_FILE_ID = int(Profile["mesg_num"]["FILE_ID"])
_MESG_WORKOUT = int(Profile["mesg_num"]["WORKOUT"])
_MESG_WORKOUT_STEP = int(Profile["mesg_num"]["WORKOUT_STEP"])
_UINT32_MAX = 0xFFFFFFFE  # 0xFFFFFFFF is FIT's invalid value
_HR_OFFSET_BPM = 100
_WALK_INTENSITIES = frozenset({"warmup", "cooldown", "recovery", "rest"})
_RUN_INTENSITIES = frozenset({"active", "interval"})
_REPEAT_STEPS = "repeat_until_steps_cmplt"
_DEFAULT_PRODUCT = 1


# -- export ---------------------------------------------------------------------


def workout_step_messages(session: Session) -> list[dict[str, Any]]:
    """The ``workout_step`` messages of a session, as the Encoder takes them.

    Values are raw where the Encoder would otherwise misread them
    (``duration_value`` in ms, custom targets as FIT stores them).

    Raises
    ------
    ProgramError
        When a duration or target does not fit a FIT field.
    """
    messages: list[dict[str, Any]] = []
    top = session.steps

    def emit(nodes: tuple[StepNode, ...], top_level: bool) -> None:
        for position, node in enumerate(nodes):
            if isinstance(node, Repeat):
                first = len(messages)
                emit(node.steps, top_level=False)
                messages.append(
                    {
                        "mesg_num": _MESG_WORKOUT_STEP,
                        "message_index": len(messages),
                        "duration_type": _REPEAT_STEPS,
                        "duration_value": first,
                        "target_value": _checked_uint32(node.count, "repeat count", session),
                    }
                )
                continue
            message: dict[str, Any] = {
                "mesg_num": _MESG_WORKOUT_STEP,
                "message_index": len(messages),
                "duration_type": "time",
                "duration_value": _checked_uint32(
                    round(node.duration_s * 1000.0), "duration in ms", session
                ),
                "intensity": _intensity(node.kind, top_level, position, len(top)),
            }
            if node.name is not None:
                message["wkt_step_name"] = node.name
            message.update(_target_fields(node.targets))
            messages.append(message)

    emit(top, top_level=True)
    return messages


def session_to_fit_workout(
    session: Session,
    *,
    program_name: str | None = None,
    time_created: datetime | None = None,
    serial_number: int | None = None,
    product: int = _DEFAULT_PRODUCT,
) -> bytes:
    """Write a session as a FIT workout file.

    Parameters
    ----------
    session
        The session.
    program_name
        Program title; the workout is named ``"<program_name> <session id>"``
        (else the session's name, else its id).
    time_created
        Creation time written to ``file_id`` (aware; default: now, UTC).
    serial_number
        ``file_id`` serial number (default: a checksum of the workout, so that
        different workouts get different ``file_id`` combinations on a device).
    product
        ``file_id`` product number (manufacturer is ``development``).

    Returns
    -------
    bytes
        The FIT file.

    Raises
    ------
    ProgramError
        When a value does not fit its FIT field, or ``time_created`` is naive.
    """
    if time_created is None:
        time_created = datetime.now(UTC)
    if time_created.tzinfo is None:
        raise ProgramError(None, None, "time_created must be timezone-aware (UTC)")
    steps = workout_step_messages(session)
    name = f"{program_name} {session.id}" if program_name else (session.name or session.id)
    if serial_number is None:
        digest = zlib.crc32(repr((name, steps)).encode("utf-8"))
        serial_number = digest or 1
    encoder = Encoder()
    encoder.write_mesg(
        {
            "mesg_num": _MESG_FILE_ID,
            "type": "workout",
            "manufacturer": "development",
            "product": product,
            "serial_number": serial_number,
            "time_created": time_created.astimezone(UTC),
        }
    )
    encoder.write_mesg(
        {
            "mesg_num": _MESG_WORKOUT,
            "sport": "running",
            "wkt_name": name,
            "num_valid_steps": len(steps),
        }
    )
    for message in steps:
        encoder.write_mesg(message)
    data: bytes = bytes(encoder.close())
    return data


def _intensity(kind: StepKind, top_level: bool, position: int, n_top: int) -> str:
    if kind == "run":
        return "active"
    if top_level and position == 0:
        return "warmup"
    if top_level and position == n_top - 1:
        return "cooldown"
    return "recovery"


def _target_fields(targets: Targets) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    prefixes = ["", "secondary_"]
    if targets.hr_bpm is not None:
        low, high = targets.hr_bpm
        prefix = prefixes.pop(0)
        fields.update(
            {
                f"{prefix}target_type": "heart_rate",
                f"{prefix}target_value": 0,
                f"{prefix}custom_target_value_low": low + _HR_OFFSET_BPM,
                f"{prefix}custom_target_value_high": high + _HR_OFFSET_BPM,
            }
        )
    if targets.pace_s_per_km is not None:
        fast, slow = targets.pace_s_per_km
        prefix = prefixes.pop(0)
        fields.update(
            {
                f"{prefix}target_type": "speed",
                f"{prefix}target_value": 0,
                f"{prefix}custom_target_value_low": round(1e6 / slow),
                f"{prefix}custom_target_value_high": round(1e6 / fast),
            }
        )
    if not fields:
        fields["target_type"] = "open"
    return fields


def _checked_uint32(value: int, what: str, session: Session) -> int:
    if not 0 <= value <= _UINT32_MAX:
        raise ProgramError(None, None, f"session {session.id!r}: {what} {value} does not fit FIT")
    return value


# -- import ---------------------------------------------------------------------


def fit_workout_to_session(
    data: bytes,
    *,
    session_id: str | None = None,
    week: int | None = None,
    errors: ErrorPolicy | str = "warn",
    source_path: str | None = None,
) -> Session:
    """Read a FIT file's workout steps (a workout file, or an activity carrying them).

    Parameters
    ----------
    data
        The FIT file.
    session_id
        Id of the session (default: the workout's name, else ``"workout"``).
    week
        Week to put the session in.
    errors
        Policy for steps or targets a session cannot hold (see module docs).
    source_path
        File name used in messages.

    Raises
    ------
    ProgramError
        When the bytes are not a clean FIT file or carry no workout steps; with
        ``errors="raise"``, at the first step a session cannot hold.
    """
    policy = ErrorPolicy.coerce(errors)
    stream = Stream.from_byte_array(bytearray(data))
    decoder = Decoder(stream)
    if not decoder.is_fit():
        raise ProgramError(source_path, None, "is not a FIT file")
    if not decoder.check_integrity():
        raise ProgramError(source_path, None, "FIT file is damaged (header or CRC check failed)")
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    messages, decode_errors = decoder.read()
    if decode_errors:
        raise ProgramError(source_path, None, f"FIT file cannot be decoded: {decode_errors[0]}")
    steps = messages.get("workout_step_mesgs", [])
    if not steps:
        raise ProgramError(source_path, None, "FIT file has no workout_step messages")
    workouts = messages.get("workout_mesgs", [])
    name = _workout_name(workouts[0].get("wkt_name") if workouts else None)
    return session_from_workout_steps(
        steps,
        session_id=session_id or name or "workout",
        name=name,
        week=week,
        errors=policy,
        source=source_path,
    )


def _workout_name(value: object) -> str | None:
    """The workout's name when the file gives a non-empty one."""
    return value if isinstance(value, str) and value else None


def session_from_activity_workout(
    activity: Activity | pd.DataFrame,
    *,
    session_id: str | None = None,
    week: int | None = None,
    errors: ErrorPolicy | str = "warn",
) -> Session:
    """Turn the workout steps an activity file carried into a session.

    Parameters
    ----------
    activity
        An activity (its ``workout`` frame is used) or such a frame directly:
        one row per FIT ``workout_step``, columns named as garmin-fit-sdk names
        the fields (NaN / ``None`` where absent); the workout's name may be in
        the frame's ``attrs["name"]``.
    session_id
        Id of the session (default: the workout's name, else ``"workout"``).
    week
        Week to put the session in.
    errors
        Policy for steps or targets a session cannot hold (see module docs).

    Raises
    ------
    ProgramError
        When there are no workout steps, or the steps are malformed.
    """
    frame = activity.workout if isinstance(activity, Activity) else activity
    source = activity.meta.source_path if isinstance(activity, Activity) else None
    if frame is None or len(frame) == 0:
        raise ProgramError(source, None, "the activity carries no workout steps")
    records = [_present(row) for row in frame.to_dict(orient="records")]
    name = _workout_name(frame.attrs.get("name"))
    return session_from_workout_steps(
        records,
        session_id=session_id or name or "workout",
        name=name,
        week=week,
        errors=errors,
        source=source,
    )


def session_from_workout_steps(
    steps: Iterable[Mapping[str, Any]],
    *,
    session_id: str,
    name: str | None = None,
    week: int | None = None,
    errors: ErrorPolicy | str = "warn",
    source: str | None = None,
) -> Session:
    """Build a session from ``workout_step`` messages (dicts as garmin-fit-sdk decodes them).

    Raises
    ------
    ProgramError
        When the steps are malformed or empty; with ``errors="raise"``, at the
        first step or target a session cannot hold.
    """
    builder = _Builder(ErrorPolicy.coerce(errors), source)
    ordered = sorted(
        enumerate(steps), key=lambda item: (_int(item[1].get("message_index"), item[0]), item[0])
    )
    for position, record in ordered:
        builder.add(_int(record.get("message_index"), position), record)
    nodes = builder.finish()
    if not nodes:
        raise ProgramError(source, None, "no workout step could be read as a run or walk")
    return Session(
        id=session_id,
        steps=nodes,
        week=week,
        name=name,
        notes="\n".join(builder.notes) if builder.notes else None,
    )


@dataclass
class _Placed:
    first: int
    last: int
    node: StepNode


class _Builder:
    """Folds workout steps, in message-index order, into a step tree."""

    def __init__(self, policy: ErrorPolicy, source: str | None) -> None:
        self.policy = policy
        self.source = source
        self.stack: list[_Placed] = []
        self.notes: list[str] = []
        self.dropped_targets: dict[str, list[int]] = {}

    def problem(self, text: str) -> None:
        handle_problem(self.policy, ProgramError(self.source, None, text))
        self.notes.append(text)

    def finish(self) -> tuple[StepNode, ...]:
        for target_type, indices in self.dropped_targets.items():
            self.problem(
                f"{target_type} targets (workout steps {_ranges(indices)}) are not carried over"
            )
        return tuple(placed.node for placed in self.stack)

    def add(self, index: int, record: Mapping[str, Any]) -> None:
        duration_type = record.get("duration_type")
        if duration_type == _REPEAT_STEPS:
            self.add_repeat(index, record)
        elif isinstance(duration_type, str) and duration_type.startswith("repeat_until"):
            self.problem(
                f"workout step {index}: {duration_type} is not supported; "
                "the steps it repeats are kept once"
            )
        elif duration_type == "time" and _duration_ms(record) is not None:
            self.add_step(index, record)
        else:
            self.problem(
                f"workout step {index}: duration type {duration_type!r} is not a time; "
                "step left out"
            )

    def add_step(self, index: int, record: Mapping[str, Any]) -> None:
        ms = _duration_ms(record)
        if ms is None or ms <= 0:
            self.problem(f"workout step {index}: no positive duration; step left out")
            return
        intensity = record.get("intensity")
        kind: StepKind
        if intensity in _WALK_INTENSITIES:
            kind = "walk"
        elif intensity is None or intensity in _RUN_INTENSITIES:
            kind = "run"
        else:
            self.problem(f"workout step {index}: intensity {intensity!r} read as a run")
            kind = "run"
        name = record.get("wkt_step_name")
        step = Step(
            kind=kind,
            duration_s=ms / 1000.0,
            name=name if isinstance(name, str) and name else None,
            targets=self.targets(index, record),
        )
        self.stack.append(_Placed(index, index, step))

    def add_repeat(self, index: int, record: Mapping[str, Any]) -> None:
        first = _int(_first_present(record, "duration_step", "duration_value"), -1)
        count = _int(_first_present(record, "repeat_steps", "target_value"), 0)
        if not 0 <= first < index:
            raise ProgramError(
                self.source,
                None,
                f"workout step {index}: repeat points to step {first}, not an earlier step",
            )
        if count < 1:
            self.problem(f"workout step {index}: repeat count {count} < 1; repeat left out")
            return
        body: list[_Placed] = []
        while self.stack and self.stack[-1].first >= first:
            body.insert(0, self.stack.pop())
        if self.stack and self.stack[-1].last >= first:
            raise ProgramError(
                self.source,
                None,
                f"workout step {index}: repeat from step {first} cuts into an earlier repeat",
            )
        if not body:
            self.problem(f"workout step {index}: repeat of no readable steps left out")
            return
        repeat = Repeat(count=count, steps=tuple(placed.node for placed in body))
        self.stack.append(_Placed(first, index, repeat))

    def targets(self, index: int, record: Mapping[str, Any]) -> Targets:
        hr: tuple[int, int] | None = None
        pace: tuple[float, float] | None = None
        for prefix in ("", "secondary_"):
            target_type = record.get(f"{prefix}target_type")
            if target_type in (None, "open"):
                continue
            low = _int(record.get(f"{prefix}custom_target_value_low"), 0)
            high = _int(record.get(f"{prefix}custom_target_value_high"), 0)
            zone = _int(record.get(f"{prefix}target_value"), 0)
            if target_type == "heart_rate" and zone == 0 and min(low, high) > _HR_OFFSET_BPM:
                hr = (low - _HR_OFFSET_BPM, high - _HR_OFFSET_BPM)
            elif target_type == "speed" and zone == 0 and min(low, high) > 0:
                pace = (_pace_from_mm_s(high), _pace_from_mm_s(low))
            else:
                kind = f"{target_type} zone" if zone else str(target_type)
                self.dropped_targets.setdefault(kind, []).append(index)
        return Targets(hr_bpm=hr, pace_s_per_km=pace)


def _ranges(indices: list[int]) -> str:
    """``[0, 1, 2, 5]`` as ``"0-2, 5"``."""
    parts: list[str] = []
    start = prev = indices[0]
    for index in [*indices[1:], None]:
        if index is not None and index == prev + 1:
            prev = index
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if index is not None:
            start = prev = index
    return ", ".join(parts)


def _pace_from_mm_s(speed_mm_s: int) -> float:
    """Pace from a FIT speed in mm/s, to the whole second. [s/km]"""
    return float(round(1e6 / speed_mm_s))


def _duration_ms(record: Mapping[str, Any]) -> int | None:
    raw = record.get("duration_value")
    if raw is not None and _is_number(raw):
        return int(raw)
    seconds = record.get("duration_time")
    if seconds is not None and _is_number(seconds):
        return round(float(seconds) * 1000.0)
    return None


def _first_present(record: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = record.get(key)
        if value is not None:
            return value
    return None


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _int(value: Any, default: int) -> int:
    return int(value) if _is_number(value) else default


def _present(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A frame row as a dict without absent values (NaN, NA, None)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or value is pd.NA or value is pd.NaT:
            continue
        if isinstance(value, float) and math.isnan(value):
            continue
        out[str(key)] = value.item() if hasattr(value, "item") else value
    return out
