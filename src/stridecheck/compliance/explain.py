"""Plain-language reasons for a compliance result ("run 4 of 10 cut short: 9 s of 15 s")."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stridecheck.compliance.result import SessionCompliance, StepCompliance

__all__ = ["explain", "format_span"]

#: At most this many single-step reasons are listed; the rest are counted.
MAX_STEP_REASONS = 8


def format_span(seconds: float) -> str:
    """A duration for people: ``"9 s"``, ``"3 min"``, ``"1:26 min"``."""
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{secs:02d} h"
    return f"{minutes} min" if secs == 0 else f"{minutes}:{secs:02d} min"


def _minute(step: StepCompliance) -> int:
    return int((step.prescribed_start_s + step.start_offset_s) // 60)


def _runs_of(
    steps: list[StepCompliance], pick: Callable[[StepCompliance], bool]
) -> list[list[int]]:
    """Groups of consecutive positions (in ``steps``) where ``pick`` holds."""
    groups: list[list[int]] = []
    for pos, step in enumerate(steps):
        if pick(step):
            if groups and groups[-1][-1] == pos - 1:
                groups[-1].append(pos)
            else:
                groups.append([pos])
    return groups


def _walk_break_reasons(result: SessionCompliance) -> tuple[list[str], set[int]]:
    breaks = [s for s in result.steps if s.walk_break]
    out: list[str] = []
    used: set[int] = set()
    for group in _runs_of(breaks, lambda s: s.verdict == "wrong_kind"):
        first, last = breaks[group[0]], breaks[group[-1]]
        used.update(breaks[g].index for g in group)
        if len(group) == 1:
            out.append(f"{first.label} skipped: ran through")
        elif group[-1] == len(breaks) - 1:
            out.append(f"walk breaks skipped from minute {_minute(first)}: ran continuously")
        else:
            end_minute = int((last.prescribed_start_s + last.start_offset_s + last.window_s) // 60)
            out.append(
                f"walk breaks skipped from minute {_minute(first)} to minute {end_minute}: "
                "ran continuously"
            )
    return out, used


def _walked_run_reasons(result: SessionCompliance) -> tuple[list[str], set[int]]:
    runs = [s for s in result.steps if s.kind == "run"]
    out: list[str] = []
    used: set[int] = set()
    walked = _runs_of(runs, lambda s: s.verdict == "wrong_kind")
    for group in walked:
        used.update(runs[g].index for g in group)
        if len(group) == len(runs) and len(runs) > 1:
            out.append(f"all {len(runs)} runs walked: no running")
        elif len(group) == 1:
            out.append(f"{runs[group[0]].label} walked instead")
        else:
            out.append(
                f"runs {group[0] + 1}-{group[-1] + 1} of {len(runs)} walked instead "
                f"(from minute {_minute(runs[group[0]])})"
            )
    return out, used


def _step_reason(step: StepCompliance, extra_break_s: float) -> str | None:
    done = format_span(step.credited_s)
    asked = format_span(step.prescribed_s)
    if step.verdict == "short":
        if step.kind == "walk" and step.other_s >= (step.prescribed_s - step.credited_s) / 2:
            return f"{step.label} partly run: {done} of {asked} walked"
        return f"{step.label} cut short: {done} of {asked}"
    if step.verdict == "wrong_kind":
        return f"{step.label} " + (
            "walked instead" if step.kind == "run" else "skipped: ran through"
        )
    if step.verdict == "missed":
        if step.window_s <= 0:
            why = "skipped"
        elif step.stop_s >= step.unknown_s:
            why = "standing still"
        else:
            why = "no usable data"
        return f"{step.label} missed ({why})"
    if step.verdict == "done" and step.other_s >= extra_break_s:
        if step.kind == "run":
            return f"{step.label}: extra walk break of {format_span(step.other_s)}"
        return f"{step.label}: ran {format_span(step.other_s)} of it"
    return None


def _intensity_reasons(result: SessionCompliance) -> list[str]:
    threshold = result.params.intensity_pct
    out: list[str] = []
    if result.intensity_compliance_pct is not None and result.intensity_compliance_pct < threshold:
        out.append(f"intensity targets met {result.intensity_compliance_pct:.0f}% of the time")
    low = [
        s
        for s in result.steps
        if s.intensity_pct is not None and s.intensity_pct < threshold and s.verdict != "missed"
    ]
    for step in low[:3]:
        parts = []
        if step.hr_in_range_pct is not None:
            parts.append(f"HR in range {step.hr_in_range_pct:.0f}%")
        if step.pace_in_range_pct is not None:
            parts.append(f"pace in range {step.pace_in_range_pct:.0f}%")
        out.append(f"{step.label}: " + ", ".join(parts) + " of the time")
    if len(low) > 3:
        out.append(f"{len(low) - 3} more steps off their intensity targets")
    return out


def explain(result: SessionCompliance, *, lead_stop_s: float, exercise_end_s: float) -> list[str]:
    """Findings for a result, most important first.

    Parameters
    ----------
    result
        The scored session (reasons not yet filled in).
    lead_stop_s
        Time standing still before the first step. [s]
    exercise_end_s
        Active second at which the last walk or run ended. [s]

    Returns
    -------
    list of str
        E.g. ``["started 3 min late", "run 4 of 10 cut short: 9 s of 15 s"]``;
        ``["done as prescribed"]`` when nothing is worth saying.
    """
    p = result.params
    reasons: list[str] = []
    if result.late_start_s >= p.late_start_s:
        how = (
            " (standing still)"
            if lead_stop_s >= 0.5 * result.late_start_s
            else " (moving before the first step)"
        )
        reasons.append(f"started {format_span(result.late_start_s)} late{how}")
    if any(step.verdict == "not_reached" for step in result.steps):
        done_min = max(0.0, exercise_end_s - result.late_start_s) / 60.0
        reasons.append(f"stopped after {done_min:.0f} of {result.prescribed_s / 60.0:.0f} minutes")
    if result.paused_s >= 10:
        reasons.append(f"timer paused {format_span(result.paused_s)} in total (left out)")
    break_reasons, used = _walk_break_reasons(result)
    run_reasons, used_runs = _walked_run_reasons(result)
    reasons.extend(run_reasons)
    reasons.extend(break_reasons)
    used |= used_runs
    stopped = any(s.verdict == "not_reached" for s in result.steps)
    last_end = exercise_end_s - result.late_start_s

    def cut_by_stop(step: StepCompliance) -> bool:
        end = step.prescribed_start_s + step.start_offset_s + step.window_s
        return stopped and end >= last_end

    singles = [
        text
        for step in result.steps
        if step.index not in used and not cut_by_stop(step)
        for text in [_step_reason(step, p.extra_break_s)]
        if text is not None
    ]
    reasons.extend(singles[:MAX_STEP_REASONS])
    if len(singles) > MAX_STEP_REASONS:
        reasons.append(f"{len(singles) - MAX_STEP_REASONS} more steps not as prescribed")
    reasons.extend(_intensity_reasons(result))
    if not reasons:
        reasons.append("done as prescribed")
    return reasons
