"""One orchestration (pipeline.analyse_activity), the analysis' error policy, enrolment files."""

from __future__ import annotations

import ast
import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import stridecheck
from stridecheck.activity import Activity, ActivityMeta, finalize_samples
from stridecheck.compliance import best_session, comply, score_activity
from stridecheck.enrollment import ENROLLMENT_FILE, EnrollmentFile, read_enrollment
from stridecheck.errors import InputError, StrideCheckWarning
from stridecheck.pipeline import Analysis, analyse_activity, scored_activity
from stridecheck.programs import load_program
from stridecheck.segment import segment

SRC = Path(stridecheck.__file__).parent
START = pd.Timestamp("2026-03-02T07:00:00Z")


def noted_activity(n: int = 300) -> Activity:
    """A steady walk with one impossible cadence value: the segmenter notes it."""
    index = START + pd.to_timedelta(np.arange(n), unit="s")
    cadence = np.full(n, 112.0)
    cadence[10] = 900.0
    samples = finalize_samples(
        pd.DataFrame({"cadence_spm": cadence, "speed_mps": np.full(n, 1.4)}, index=index)
    )
    return Activity(samples=samples, meta=ActivityMeta(source_format="simulated"))


def recorded(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, [str(w.message) for w in caught if issubclass(w.category, StrideCheckWarning)]


# --- the segmenter's error policy ---------------------------------------------------------


def test_segment_warns_by_default_and_keeps_the_notes_under_every_policy() -> None:
    activity = noted_activity()
    seg, emitted = recorded(segment, activity)
    assert seg.warnings and emitted == seg.warnings
    quiet, emitted = recorded(segment, activity, errors="ignore")
    assert emitted == [] and quiet.warnings == seg.warnings
    pd.testing.assert_frame_equal(quiet.intervals, seg.intervals)


def test_segment_raises_the_first_note_with_errors_raise() -> None:
    activity = noted_activity()
    activity.meta.source_path = "walk.fit"
    first = segment(activity, errors="ignore").warnings[0]
    with pytest.raises(InputError, match=r"walk\.fit") as info:
        segment(activity, errors="raise")
    assert info.value.reason == first


def test_segment_rejects_an_unknown_policy() -> None:
    with pytest.raises(ValueError, match="errors="):
        segment(noted_activity(), errors="loud")


def test_compliance_segments_quietly_unless_asked() -> None:
    session = [("walk", 40), ("run", 30), ("walk", 30), ("run", 20)]
    activity = noted_activity()
    _, emitted = recorded(comply, activity, session)
    assert emitted == []
    _, emitted = recorded(comply, activity, session, errors="warn")
    assert emitted
    _, emitted = recorded(best_session, activity, [load_program("couch-to-5k").sessions[0]])
    assert emitted == []
    _, emitted = recorded(score_activity, activity)
    assert emitted == []
    with pytest.raises(InputError):
        score_activity(activity, errors="raise")


# --- analyse_activity ---------------------------------------------------------------------


def test_analyse_activity_segments_and_scores_a_session(simulated_activity: Activity) -> None:
    program = load_program("couch-to-5k")
    session = program.session("W1S1")
    analysis, emitted = recorded(analyse_activity, simulated_activity, session=session)
    assert isinstance(analysis, Analysis)
    assert analysis.activity is simulated_activity
    assert analysis.session_id == "W1S1"
    expected = comply(simulated_activity, session, segmentation=analysis.segmentation)
    assert analysis.session_compliance is not None
    assert analysis.session_compliance.score == expected.score
    assert analysis.compliance is not None and analysis.compliance["score"] == expected.score
    assert emitted == analysis.segmentation.warnings
    pd.testing.assert_frame_equal(
        analysis.segmentation.intervals, segment(simulated_activity, errors="ignore").intervals
    )


def test_analyse_activity_best_session_and_segmentation_only(simulated_activity: Activity) -> None:
    program = load_program("couch-to-5k")
    analysis = analyse_activity(simulated_activity, program, errors="ignore")
    session_id, result = best_session(
        simulated_activity, program, segmentation=analysis.segmentation
    )
    assert analysis.session_id == session_id
    assert analysis.session_compliance is not None
    assert analysis.session_compliance.score == result.score
    alone = analyse_activity(simulated_activity, errors="ignore")
    assert alone.session_id is None and alone.compliance is None
    assert alone.to_record().compliance is None
    baseline = analyse_activity(simulated_activity, method="threshold", errors="ignore")
    assert baseline.segmentation.method == "threshold"
    with pytest.raises(ValueError, match="not both"):
        analyse_activity(simulated_activity, program, session=program.session("W1S1"))


def test_analysis_policy_and_warnings() -> None:
    activity = noted_activity()
    activity.meta.warnings.append("read: something was off")
    analysis, emitted = recorded(analyse_activity, activity, errors="ignore")
    assert emitted == []
    assert analysis.warnings == ["read: something was off", *analysis.segmentation.warnings]
    with pytest.raises(InputError):
        analyse_activity(activity, errors="raise")
    scored = scored_activity(activity, "walk.fit")
    assert scored.name == "walk.fit"
    pd.testing.assert_frame_equal(scored.intervals, analysis.segmentation.intervals)


def test_no_module_silences_warnings_by_hand() -> None:
    """The analysis has an error policy; nothing wraps it in ``simplefilter("ignore")``."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"simplefilter", "filterwarnings"}
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def test_only_the_pipeline_segments() -> None:
    """``segment()`` is called by the pipeline, and by compliance's activity-only convenience."""
    allowed = {"pipeline.py", "compliance/session.py", "compliance/adherence.py"}
    callers = set()
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("segment/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "segment":
                callers.add(rel)
    assert callers <= allowed, callers - allowed


# --- enrolment files ----------------------------------------------------------------------


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ENROLLMENT_FILE).write_text(text, encoding="utf-8")
    return folder


def test_read_enrollment_forms(tmp_path: Path) -> None:
    for text in ("start = 2026-01-05", 'start = " 2026-01-05 "', "start = 2026-01-05T06:00:00Z"):
        enrollment = read_enrollment(write(tmp_path / "a", text + "\n"))
        assert enrollment == EnrollmentFile(tmp_path / "a" / ENROLLMENT_FILE, dt.date(2026, 1, 5))
    default = load_program("couch-to-5k")
    assert enrollment.program(default) is default
    with pytest.raises(InputError, match="names no program"):
        enrollment.program()


def test_read_enrollment_program(tmp_path: Path) -> None:
    folder = write(tmp_path / "b", 'start = 2026-01-05\nprogram = "couch-to-5k"\n')
    enrollment = read_enrollment(folder)
    assert enrollment.program_ref == "couch-to-5k"
    assert enrollment.program().name == load_program("couch-to-5k").name
    (folder / "mine.toml").write_text(
        'name = "mine"\n[[sessions]]\nid = "S1"\nweek = 1\nsteps = [{run = "1:00"}]\n',
        encoding="utf-8",
    )
    write(folder, 'start = 2026-01-05\nprogram = "mine.toml"\n')
    assert read_enrollment(folder).program().name == "mine"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "missing"),
        ("start = [1\n", "cannot be read"),
        ('start = "next monday"\n', "not a date"),
        ('start = "next monday"\n', "start = YYYY-MM-DD"),
        ("program = 'x'\n", "start = YYYY-MM-DD"),
        ("start = 2026-01-05\nprogram = 3\n", "'program' must be"),
    ],
)
def test_read_enrollment_errors(tmp_path: Path, text: str | None, reason: str) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    if text is not None:
        write(folder, text)
    with pytest.raises(InputError, match=reason.replace("[", r"\[")) as info:
        read_enrollment(folder)
    assert info.value.path == folder / ENROLLMENT_FILE
