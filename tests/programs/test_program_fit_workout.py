"""FIT workouts: export with garmin-fit-sdk, decode cleanly, import back equal."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

from stridecheck.errors import ProgramError, StrideCheckWarning
from stridecheck.programs import (
    Repeat,
    Session,
    Step,
    Targets,
    fit_workout_to_session,
    list_builtin,
    load_program,
    loads_program,
    session_from_activity_workout,
    session_from_workout_steps,
    session_to_fit_workout,
)

WHEN = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)


def _decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages  # type: ignore[no-any-return]


def _all_sessions() -> list[Any]:
    return [
        pytest.param(name, session.id, id=f"{name}-{session.id}")
        for name in list_builtin()
        for session in load_program(name).sessions
    ]


@pytest.mark.parametrize(("name", "session_id"), _all_sessions())
def test_every_builtin_session_round_trips(name: str, session_id: str) -> None:
    program = load_program(name)
    session = program.session(session_id)
    data = session_to_fit_workout(session, program_name=program.name, time_created=WHEN)
    messages = _decode(data)
    steps = messages["workout_step_mesgs"]
    assert messages["workout_mesgs"][0]["num_valid_steps"] == len(steps)
    assert [m["message_index"] for m in steps] == list(range(len(steps)))
    back = fit_workout_to_session(data, session_id=session.id, errors="raise")
    assert back.id == session.id
    assert back.steps == session.steps
    assert back.to_plan() == session.to_plan()
    assert back.notes is None


def test_messages_of_the_issue_example() -> None:
    session = Session(
        id="W1S1",
        steps=(
            Step("walk", 300.0, name="warm-up"),
            Repeat(8, (Step("run", 15.0), Step("walk", 45.0))),
            Step("walk", 300.0, name="cool-down"),
        ),
    )
    data = session_to_fit_workout(
        session, program_name="Back pain", time_created=WHEN, serial_number=1234
    )
    messages = _decode(data)
    file_id = messages["file_id_mesgs"][0]
    assert file_id["type"] == "workout"
    assert file_id["manufacturer"] == "development"
    assert file_id["serial_number"] == 1234
    assert file_id["time_created"] == WHEN
    workout = messages["workout_mesgs"][0]
    assert workout["sport"] == "running"
    assert workout["wkt_name"] == "Back pain W1S1"
    assert workout["num_valid_steps"] == 5
    steps = messages["workout_step_mesgs"]
    table = [
        (
            m["message_index"],
            m["duration_type"],
            m["duration_value"],
            m.get("intensity"),
            m.get("target_type"),
            m.get("target_value"),
        )
        for m in steps
    ]
    assert table == [
        (0, "time", 300000, "warmup", "open", None),
        (1, "time", 15000, "active", "open", None),
        (2, "time", 45000, "recovery", "open", None),
        (3, "repeat_until_steps_cmplt", 1, None, None, 8),
        (4, "time", 300000, "cooldown", "open", None),
    ]
    # the decoder's sub-field view agrees: seconds, and the repeat fields
    assert steps[1]["duration_time"] == 15.0
    assert steps[3]["duration_step"] == 1 and steps[3]["repeat_steps"] == 8
    assert steps[0]["wkt_step_name"] == "warm-up"
    assert "wkt_step_name" not in steps[1]


def test_export_is_deterministic_given_time_and_serial() -> None:
    session = load_program("couch-to-5k").session("W4S1")
    one = session_to_fit_workout(session, time_created=WHEN, serial_number=7)
    two = session_to_fit_workout(session, time_created=WHEN, serial_number=7)
    assert one == two
    other = load_program("couch-to-5k").session("W5S2")
    default_serials = {
        _decode(session_to_fit_workout(s, time_created=WHEN))["file_id_mesgs"][0]["serial_number"]
        for s in (session, other)
    }
    assert len(default_serials) == 2


def test_targets_round_trip() -> None:
    program = loads_program(
        """
name = "targets"
[[sessions]]
id = "T"
steps = [
  { walk = "5:00", name = "warm-up", hr_bpm = [90, 110] },
  { run = "2:00", pace_per_km = ["6:00", "7:30"] },
  { run = "1:00", hr_bpm = [140, 165], pace_per_km = ["5:15", "5:45"] },
  { walk = "1:00", pace_per_km = ["9:00", "15:00"] },
  { run = "0:20.5" },
]
"""
    )
    session = program.sessions[0]
    data = session_to_fit_workout(session, time_created=WHEN)
    steps = _decode(data)["workout_step_mesgs"]
    assert steps[0]["target_type"] == "heart_rate"
    assert (steps[0]["custom_target_value_low"], steps[0]["custom_target_value_high"]) == (
        190,
        210,
    )
    assert steps[1]["target_type"] == "speed"
    assert steps[1]["custom_target_speed_low"] == pytest.approx(1000 / 450, abs=1e-3)
    assert steps[1]["custom_target_speed_high"] == pytest.approx(1000 / 360, abs=1e-3)
    assert steps[2]["target_type"] == "heart_rate"
    assert steps[2]["secondary_target_type"] == "speed"
    assert steps[4]["duration_value"] == 20500
    assert steps[4]["intensity"] == "active"
    assert steps[3]["intensity"] == "recovery"  # a walk that is not first or last
    back = fit_workout_to_session(data, session_id="T", errors="raise")
    assert back.steps == session.steps


def test_nested_repeats_round_trip() -> None:
    session = Session(
        id="N",
        steps=(
            Step("walk", 120.0),
            Repeat(
                3,
                (
                    Step("run", 60.0, targets=Targets(hr_bpm=(130, 150))),
                    Repeat(2, (Step("walk", 30.0), Step("run", 20.0, name="surge"))),
                    Step("walk", 90.0),
                ),
            ),
            Repeat(2, (Repeat(2, (Step("run", 10.0), Step("walk", 10.0))), Step("walk", 60.0))),
            Step("walk", 120.0),
        ),
    )
    data = session_to_fit_workout(session, time_created=WHEN)
    steps = _decode(data)["workout_step_mesgs"]
    repeats = [
        (m["message_index"], m["duration_step"], m["repeat_steps"])
        for m in steps
        if m["duration_type"] == "repeat_until_steps_cmplt"
    ]
    # inner repeat (index 4) goes back to 2; the outer (6) to 1; then the second block
    assert repeats == [(4, 2, 2), (6, 1, 3), (9, 7, 2), (11, 7, 2)]
    back = fit_workout_to_session(data, session_id="N", errors="raise")
    assert back.steps == session.steps
    assert len(back.flatten()) == len(session.flatten()) == 1 + 3 * (1 + 4 + 1) + 2 * (4 + 1) + 1


def test_export_refuses_naive_time() -> None:
    session = load_program("galloway").sessions[0]
    with pytest.raises(ProgramError, match="timezone-aware"):
        session_to_fit_workout(session, time_created=dt.datetime(2025, 1, 1))


def test_import_rejects_non_fit_and_damaged() -> None:
    with pytest.raises(ProgramError, match="not a FIT file"):
        fit_workout_to_session(b"hello world, not fit at all")
    session = load_program("galloway").sessions[0]
    data = bytearray(session_to_fit_workout(session, time_created=WHEN))
    data[-5] ^= 0xFF
    with pytest.raises(ProgramError, match="damaged"):
        fit_workout_to_session(bytes(data))


def _fit(*messages: dict[str, Any]) -> bytes:
    encoder = Encoder()
    encoder.write_mesg(
        {
            "mesg_num": Profile["mesg_num"]["FILE_ID"],
            "type": "workout",
            "manufacturer": "development",
            "product": 1,
            "serial_number": 5,
            "time_created": WHEN,
        }
    )
    for message in messages:
        encoder.write_mesg(message)
    return bytes(encoder.close())


def _step(index: int, **fields: Any) -> dict[str, Any]:
    return {"mesg_num": Profile["mesg_num"]["WORKOUT_STEP"], "message_index": index, **fields}


def test_import_without_steps() -> None:
    with pytest.raises(ProgramError, match="no workout_step"):
        fit_workout_to_session(_fit())


def test_import_repeat_pointing_forward_is_an_error() -> None:
    data = _fit(
        _step(0, duration_type="time", duration_value=1000, intensity="active"),
        _step(1, duration_type="repeat_until_steps_cmplt", duration_value=3, target_value=2),
    )
    with pytest.raises(ProgramError, match="not an earlier step"):
        fit_workout_to_session(data)


def test_import_unsupported_steps_follow_the_policy() -> None:
    data = _fit(
        _step(0, duration_type="time", duration_value=60000, intensity="warmup"),
        _step(1, duration_type="distance", duration_value=50000, intensity="active"),
        _step(
            2,
            duration_type="time",
            duration_value=30000,
            intensity="active",
            target_type="power",
            target_value=0,
            custom_target_value_low=1200,
            custom_target_value_high=1250,
        ),
        _step(
            3,
            duration_type="time",
            duration_value=30000,
            target_type="heart_rate",
            target_value=3,
            intensity="rest",
        ),
        _step(4, duration_type="open", intensity="cooldown"),
    )
    with pytest.raises(ProgramError, match="duration type 'distance'"):
        fit_workout_to_session(data, errors="raise")
    with pytest.warns(StrideCheckWarning):
        session = fit_workout_to_session(data, errors="warn", session_id="S")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = fit_workout_to_session(data, errors="ignore", session_id="S")
    assert quiet == session
    assert session.steps == (Step("walk", 60.0), Step("run", 30.0), Step("walk", 30.0))
    notes = session.notes or ""
    assert "distance" in notes and "'open'" in notes
    assert "power targets (workout steps 2)" in notes
    assert "heart_rate zone targets (workout steps 3)" in notes


def test_sdk_sample_workout_file(corpus_dir: Path) -> None:
    data = (corpus_dir / "fit/python-fitparse/WorkoutRepeatSteps.fit").read_bytes()
    with pytest.raises(ProgramError):
        fit_workout_to_session(data, errors="raise")
    session = fit_workout_to_session(data, errors="ignore")
    assert session.id == "Example 2"
    # only the time step survives; the repeat over distance steps is left out, with notes
    assert session.steps == (Step("walk", 60.0, name="_A_"),)
    assert "distance" in (session.notes or "")


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A workout frame as the FIT reader builds it: floats with NaN, objects with None."""
    frame = pd.DataFrame(rows)
    for column in (
        "duration_value",
        "duration_time",
        "duration_step",
        "repeat_steps",
        "target_value",
        "custom_target_value_low",
        "custom_target_value_high",
    ):
        if column in frame:
            frame[column] = frame[column].astype("float64")
    return frame


def test_session_from_activity_workout_frame() -> None:
    nan = math.nan
    frame = _frame(
        [
            {
                "message_index": 0,
                "wkt_step_name": "Warm up",
                "duration_type": "time",
                "duration_value": 300000,
                "duration_time": 300.0,
                "intensity": "warmup",
                "target_type": "open",
                "duration_step": nan,
                "repeat_steps": nan,
            },
            {
                "message_index": 1,
                "wkt_step_name": None,
                "duration_type": "time",
                "duration_value": 15000,
                "duration_time": 15.0,
                "intensity": "active",
                "target_type": "heart_rate",
                "target_value": 0,
                "custom_target_value_low": 240,
                "custom_target_value_high": 260,
                "duration_step": nan,
                "repeat_steps": nan,
            },
            {
                "message_index": 2,
                "wkt_step_name": None,
                "duration_type": "time",
                "duration_value": nan,
                "duration_time": 45.0,
                "intensity": "recovery",
                "target_type": "open",
                "duration_step": nan,
                "repeat_steps": nan,
            },
            {
                "message_index": 3,
                "wkt_step_name": None,
                "duration_type": "repeat_until_steps_cmplt",
                "duration_value": nan,
                "duration_time": nan,
                "intensity": None,
                "target_type": None,
                "duration_step": 1,
                "repeat_steps": 10,
            },
            {
                "message_index": 4,
                "wkt_step_name": "Cool down",
                "duration_type": "time",
                "duration_value": 300000,
                "duration_time": 300.0,
                "intensity": "cooldown",
                "target_type": "open",
                "duration_step": nan,
                "repeat_steps": nan,
            },
        ]
    )
    frame.attrs["name"] = "Back pain W1S1"
    session = session_from_activity_workout(frame)
    assert session.id == "Back pain W1S1" and session.name == "Back pain W1S1"
    assert session.steps == (
        Step("walk", 300.0, name="Warm up"),
        Repeat(10, (Step("run", 15.0, targets=Targets(hr_bpm=(140, 160))), Step("walk", 45.0))),
        Step("walk", 300.0, name="Cool down"),
    )
    # the same rows as SDK dicts give the same session
    records = [
        {
            k: v
            for k, v in row.items()
            if v is not None and not (isinstance(v, float) and math.isnan(v))
        }
        for row in frame.to_dict(orient="records")
    ]
    assert session_from_workout_steps(records, session_id="x").steps == session.steps
    with pytest.raises(ProgramError, match="no workout steps"):
        session_from_activity_workout(frame.iloc[0:0])


def _check_indoor_workout(session: Session) -> None:
    flat = session.flatten()
    assert len(flat) == 27 + 2 * 5  # 27 single steps, 2 steps repeated 5 times
    assert session.duration_s == 45 * 60
    assert flat[0].name == "Warm up" and flat[0].kind == "walk" and flat[0].duration_s == 780.0
    assert flat[-1].name == "Cool down" and flat[-1].kind == "walk"
    repeat = session.steps[25]
    assert isinstance(repeat, Repeat) and repeat.count == 5 and len(repeat.steps) == 2
    assert "power targets" in (session.notes or "")


@pytest.mark.corpus
def test_indoor_workout_corpus_file(corpus_dir: Path) -> None:
    path = corpus_dir / "fit/computationalfitness/IndoorWorkout.fit"
    session = fit_workout_to_session(path.read_bytes(), errors="ignore")
    assert session.id == "45 Minute PZ Max - Matt Wilpers - 08/08/19 @ 6:00A"
    _check_indoor_workout(session)
    try:
        from stridecheck.io import read
    except ImportError:  # pragma: no cover - depends on the FIT reader being present
        pytest.skip("stridecheck.io.read is not available yet")
    activity = read(path, errors="ignore")
    if activity.workout is None:
        pytest.skip("the FIT reader does not fill Activity.workout yet")
    from_activity = session_from_activity_workout(activity, errors="ignore")
    _check_indoor_workout(from_activity)
    assert from_activity.steps == session.steps


def test_whole_second_paces_round_trip_up_to_1000_s_per_km() -> None:
    steps = tuple(
        Step("run", 10.0, targets=Targets(pace_s_per_km=(float(p), float(p + 1))))
        for p in range(120, 1000)
    )
    session = Session(id="paces", steps=steps)
    data = session_to_fit_workout(session, time_created=WHEN)
    assert fit_workout_to_session(data, session_id="paces", errors="raise").steps == steps
