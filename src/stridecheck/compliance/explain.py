"""Plain-language reasons for a compliance result ("run 4 of 10 cut short: 9 s of 15 s").

Reasons are built from translatable messages (:mod:`stridecheck.messages`):
:func:`explain_messages` gives them as trees (kept on the result, so a report
can word them in German), :func:`explain` words them (English by default).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from stridecheck.i18n import translator_for
from stridecheck.messages import Join, Num, Text, Translator, msg, nmsg, render

if TYPE_CHECKING:
    from stridecheck.compliance.result import SessionCompliance, StepCompliance

__all__ = ["explain", "explain_messages", "format_span", "step_label"]

#: At most this many single-step reasons are listed; the rest are counted.
MAX_STEP_REASONS = 8

#: Step names of the built-in programs, worded in the report's language.
_KNOWN_NAMES: dict[str, Text] = {"warm-up": msg("warm-up"), "cool-down": msg("cool-down")}
_KINDS: dict[str, Text] = {"run": msg("run"), "walk": msg("walk")}
_NUMBERED = re.compile(r"(run|walk) (\d+) of (\d+)")


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


def step_label(label: str, name: str | None = None) -> Text:
    """A step's label (``"run 4 of 10"``, ``"warm-up"``) as translatable text.

    A name the program gave is kept as written (the built-in ``warm-up`` and
    ``cool-down`` are translated); the labels made from the kind and the
    repeat (``"run"``, ``"walk 3 of 8"``) are translated.
    """
    if name:
        return _KNOWN_NAMES.get(name, name)
    numbered = _NUMBERED.fullmatch(label)
    if numbered is not None:
        kind, number, count = numbered.group(1), int(numbered.group(2)), int(numbered.group(3))
        if kind == "run":
            return msg("run %(number)s of %(count)s", number=number, count=count)
        return msg("walk %(number)s of %(count)s", number=number, count=count)
    return _KINDS.get(label, label)


def _label(step: StepCompliance) -> Text:
    return step_label(step.label, step.name)


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


def _walk_break_reasons(result: SessionCompliance) -> tuple[list[Text], set[int]]:
    breaks = [s for s in result.steps if s.walk_break]
    out: list[Text] = []
    used: set[int] = set()
    for group in _runs_of(breaks, lambda s: s.verdict == "wrong_kind"):
        first, last = breaks[group[0]], breaks[group[-1]]
        used.update(breaks[g].index for g in group)
        if len(group) == 1:
            out.append(msg("%(step)s skipped: ran through", step=_label(first)))
        elif group[-1] == len(breaks) - 1:
            out.append(
                msg(
                    "walk breaks skipped from minute %(minute)s: ran continuously",
                    minute=_minute(first),
                )
            )
        else:
            end_minute = int((last.prescribed_start_s + last.start_offset_s + last.window_s) // 60)
            out.append(
                msg(
                    "walk breaks skipped from minute %(minute)s to minute %(end)s: "
                    "ran continuously",
                    minute=_minute(first),
                    end=end_minute,
                )
            )
    return out, used


def _walked_run_reasons(result: SessionCompliance) -> tuple[list[Text], set[int]]:
    runs = [s for s in result.steps if s.kind == "run"]
    out: list[Text] = []
    used: set[int] = set()
    walked = _runs_of(runs, lambda s: s.verdict == "wrong_kind")
    for group in walked:
        used.update(runs[g].index for g in group)
        if len(group) == len(runs) and len(runs) > 1:
            out.append(msg("all %(count)s runs walked: no running", count=len(runs)))
        elif len(group) == 1:
            out.append(msg("%(step)s walked instead", step=_label(runs[group[0]])))
        else:
            out.append(
                msg(
                    "runs %(first)s-%(last)s of %(count)s walked instead (from minute %(minute)s)",
                    first=group[0] + 1,
                    last=group[-1] + 1,
                    count=len(runs),
                    minute=_minute(runs[group[0]]),
                )
            )
    return out, used


def _missed_reason(step: StepCompliance) -> Text:
    label = _label(step)
    if step.window_s <= 0:
        return msg("%(step)s missed (skipped)", step=label)
    if step.stop_s >= step.unknown_s:
        return msg("%(step)s missed (standing still)", step=label)
    return msg("%(step)s missed (no usable data)", step=label)


def _step_reason(step: StepCompliance, extra_break_s: float) -> Text | None:
    label = _label(step)
    done = format_span(step.credited_s)
    asked = format_span(step.prescribed_s)
    if step.verdict == "short":
        if step.kind == "walk" and step.other_s >= (step.prescribed_s - step.credited_s) / 2:
            return msg(
                "%(step)s partly run: %(done)s of %(asked)s walked",
                step=label,
                done=done,
                asked=asked,
            )
        return msg("%(step)s cut short: %(done)s of %(asked)s", step=label, done=done, asked=asked)
    if step.verdict == "wrong_kind":
        if step.kind == "run":
            return msg("%(step)s walked instead", step=label)
        return msg("%(step)s skipped: ran through", step=label)
    if step.verdict == "missed":
        return _missed_reason(step)
    if (
        step.verdict == "done"
        and step.other_s >= extra_break_s
        and step.matched_s >= step.credited_s
    ):
        other = format_span(step.other_s)
        if step.kind == "run":
            return msg("%(step)s: extra walk break of %(span)s", step=label, span=other)
        return msg("%(step)s: ran %(span)s of it", step=label, span=other)
    return None


def _steps_text(steps: list[StepCompliance]) -> Text:
    """``run 3 of 10``, ``runs 2-5 of 10``, ``walks 2-4 of 10`` or a list of labels."""
    if len(steps) == 1:
        return _label(steps[0])
    first = _NUMBERED.fullmatch(steps[0].label) if not steps[0].name else None
    last = _NUMBERED.fullmatch(steps[-1].label) if not steps[-1].name else None
    if (
        first is not None
        and last is not None
        and first.group(1) == last.group(1)
        and first.group(3) == last.group(3)
    ):
        lo, hi, count = int(first.group(2)), int(last.group(2)), int(first.group(3))
        if first.group(1) == "run":
            return msg("runs %(first)s-%(last)s of %(count)s", first=lo, last=hi, count=count)
        return msg("walks %(first)s-%(last)s of %(count)s", first=lo, last=hi, count=count)
    return Join(tuple(_label(step) for step in steps), ", ")


def _speed_gap(result: SessionCompliance) -> tuple[float, str] | None:
    model = (result.evidence or {}).get("speed")
    if not isinstance(model, dict):
        return None
    return float(model["separation"]), str(model["source"])


def _missing_reason(steps: list[StepCompliance], limit: str, result: SessionCompliance) -> Text:
    """What keeps ``steps`` (all uncertain for the same ``limit``) from being confirmed."""
    text = _steps_text(steps)
    gap = _speed_gap(result)
    if limit in ("gps", "speed") and gap is not None:
        separation, source = gap
        mps = Num(max(separation, 0.0), ".1f")
        if limit == "gps":
            if source == "profile":
                return msg(
                    "%(steps)s cannot be confirmed from GPS alone: this athlete's run and "
                    "walk speeds differ by %(gap)s m/s",
                    steps=text,
                    gap=mps,
                )
            if source == "activity":
                return msg(
                    "%(steps)s cannot be confirmed from GPS alone: run and walk speeds in "
                    "this recording differ by %(gap)s m/s",
                    steps=text,
                    gap=mps,
                )
            return msg(
                "%(steps)s cannot be confirmed from GPS alone: without a gait profile of "
                "this athlete, typical run and walk speeds (%(gap)s m/s apart) are assumed",
                steps=text,
                gap=mps,
            )
        if source == "profile":
            return msg(
                "%(steps)s cannot be confirmed from speed alone: this athlete's run and "
                "walk speeds differ by %(gap)s m/s",
                steps=text,
                gap=mps,
            )
        return msg(
            "%(steps)s cannot be confirmed from speed alone: run and walk speeds differ "
            "by %(gap)s m/s",
            steps=text,
            gap=mps,
        )
    if limit == "shifted":
        return msg(
            "%(steps)s cannot be confirmed: they fit the recording only when moved past "
            "steps that were not done",
            steps=text,
        )
    if limit == "standing":
        return msg(
            "%(steps)s cannot be confirmed: part of it looks like standing still", steps=text
        )
    if limit == "borderline":
        return msg(
            "%(steps)s cannot be confirmed: within seconds of done, closer than a change of "
            "gait can be placed",
            steps=text,
        )
    if limit == "heart_rate":
        return msg("%(steps)s cannot be confirmed from heart rate alone", steps=text)
    if limit == "no_data":
        return msg("%(steps)s cannot be confirmed: no usable data there", steps=text)
    if limit == "contradiction":
        return msg(
            "%(steps)s cannot be confirmed: the recording and this athlete's usual gait disagree",
            steps=text,
        )
    return msg(
        "%(steps)s cannot be confirmed: the signals do not tell walking from running "
        "clearly there",
        steps=text,
    )


def _uncertain_reasons(result: SessionCompliance) -> list[Text]:
    """What is missing for the uncertain steps, grouped by kind and by what limits them."""
    if not result.uncertain_steps:
        return []
    out: list[Text] = []
    low = result.score if result.score_low is None else result.score_low
    high = result.score if result.score_high is None else result.score_high
    if round(low) == round(high):
        out.append(
            nmsg(
                "%(n)s step cannot be confirmed",
                "%(n)s steps cannot be confirmed",
                result.uncertain_steps,
            )
        )
    else:
        out.append(
            nmsg(
                "%(n)s step cannot be confirmed: score between %(low)s and %(high)s",
                "%(n)s steps cannot be confirmed: score between %(low)s and %(high)s",
                result.uncertain_steps,
                low=Num(low, ".0f"),
                high=Num(high, ".0f"),
            )
        )
    for kind in ("run", "walk"):
        steps = [s for s in result.steps if s.kind == kind]
        groups: list[list[int]] = []
        for pos, step in enumerate(steps):
            if step.verdict != "uncertain":
                continue
            prev = steps[pos - 1] if pos else None
            if (
                groups
                and groups[-1][-1] == pos - 1
                and prev is not None
                and prev.evidence_limit == step.evidence_limit
            ):
                groups[-1].append(pos)
            else:
                groups.append([pos])
        for group in groups:
            chosen = [steps[g] for g in group]
            out.append(_missing_reason(chosen, chosen[0].evidence_limit or "signals", result))
    return out


def _intensity_reasons(result: SessionCompliance) -> list[Text]:
    threshold = result.params.intensity_pct
    out: list[Text] = []
    if result.intensity_compliance_pct is not None and result.intensity_compliance_pct < threshold:
        out.append(
            msg(
                "intensity targets met %(pct)s%% of the time",
                pct=Num(result.intensity_compliance_pct, ".0f"),
            )
        )
    low = [
        s
        for s in result.steps
        if s.intensity_pct is not None and s.intensity_pct < threshold and s.verdict != "missed"
    ]
    for step in low[:3]:
        parts: list[Text] = []
        if step.hr_in_range_pct is not None:
            parts.append(msg("HR in range %(pct)s%%", pct=Num(step.hr_in_range_pct, ".0f")))
        if step.pace_in_range_pct is not None:
            parts.append(msg("pace in range %(pct)s%%", pct=Num(step.pace_in_range_pct, ".0f")))
        out.append(
            msg(
                "%(step)s: %(ranges)s of the time",
                step=_label(step),
                ranges=Join(tuple(parts), ", "),
            )
        )
    if len(low) > 3:
        out.append(
            nmsg(
                "%(n)s more step off its intensity targets",
                "%(n)s more steps off their intensity targets",
                len(low) - 3,
            )
        )
    return out


def explain_messages(
    result: SessionCompliance, *, lead_stop_s: float, exercise_end_s: float
) -> list[Text]:
    """The reasons of :func:`explain` as translatable text."""
    p = result.params
    reasons: list[Text] = []
    if result.late_start_s >= p.late_start_s:
        span = format_span(result.late_start_s)
        if lead_stop_s >= 0.5 * result.late_start_s:
            reasons.append(msg("started %(span)s late (standing still)", span=span))
        else:
            reasons.append(msg("started %(span)s late (moving before the first step)", span=span))
    if any(step.verdict == "not_reached" for step in result.steps):
        done_min = max(0.0, exercise_end_s - result.late_start_s) / 60.0
        reasons.append(
            msg(
                "stopped after %(done)s of %(total)s minutes",
                done=Num(done_min, ".0f"),
                total=Num(result.prescribed_s / 60.0, ".0f"),
            )
        )
    if result.paused_s >= 10:
        reasons.append(
            msg("timer paused %(span)s in total (left out)", span=format_span(result.paused_s))
        )
    break_reasons, used = _walk_break_reasons(result)
    run_reasons, used_runs = _walked_run_reasons(result)
    reasons.extend(run_reasons)
    reasons.extend(break_reasons)
    reasons.extend(_uncertain_reasons(result))
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
        reasons.append(
            nmsg(
                "%(n)s more step not as prescribed",
                "%(n)s more steps not as prescribed",
                len(singles) - MAX_STEP_REASONS,
            )
        )
    reasons.extend(_intensity_reasons(result))
    if not reasons:
        reasons.append(msg("done as prescribed"))
    return reasons


def explain(
    result: SessionCompliance,
    *,
    lead_stop_s: float,
    exercise_end_s: float,
    lang: str | Translator = "en",
) -> list[str]:
    """Findings for a result, most important first.

    Parameters
    ----------
    result
        The scored session (reasons not yet filled in).
    lead_stop_s
        Time standing still before the first step. [s]
    exercise_end_s
        Active second at which the last walk or run ended. [s]
    lang
        Language code (``"en"``, ``"de"``) or a translator.

    Returns
    -------
    list of str
        E.g. ``["started 3 min late", "run 4 of 10 cut short: 9 s of 15 s"]``;
        ``["done as prescribed"]`` when nothing is worth saying.
    """
    translator = translator_for(lang)
    texts = explain_messages(result, lead_stop_s=lead_stop_s, exercise_end_s=exercise_end_s)
    return [render(text, translator) for text in texts]
