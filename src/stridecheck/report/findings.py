"""Plain-language findings for the coach: what stands out in an athlete's weeks.

:func:`derive_findings` looks at the report data and returns
:class:`~stridecheck.report.model.Finding` codes with their numbers;
:func:`finding_text` words them in the report's language through the message
catalogs.

Rules (most important first):

- ``adverse``: a note flags an adverse event not yet cleared by a coach (alert);
  ``adverse_cleared``: one a coach has cleared (warning);
- ``interruption``: 3 or more prescribed sessions in a row not done
  (Nilsen et al. 2018) (alert);
- ``pain_rise``: pain after a session at least :data:`PAIN_RISE` points above
  pain before it, on the 0-100 scale (warning);
- ``low_adherence`` / ``good_adherence``: adherence below / at least
  :data:`ADHERENCE_TARGET_PCT` (warning / good);
- ``missed_week``: sessions missed in a week outside any interruption (info);
- ``ready`` / ``not_ready``: progression readiness of the last assessed week by
  the program's progression rules, with the reasons in words (good / warning;
  ``alert`` when an adverse event or pain blocks it);
- ``no_activity``: nothing recorded yet (info).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stridecheck.report.model import AthleteReportData, Finding, Severity

__all__ = ["ADHERENCE_TARGET_PCT", "PAIN_RISE", "derive_findings", "finding_text"]

#: Adherence below this is flagged (ASTEROID's mean adherence). [%]
ADHERENCE_TARGET_PCT = 70.0
#: A rise in pain from before to after a session of at least this is flagged. [0-100 scale]
PAIN_RISE = 20.0

_ORDER: dict[Severity, int] = {"alert": 0, "warning": 1, "info": 2, "good": 3}


def _interrupted_sessions(data: AthleteReportData) -> set[str]:
    ids = [s.session_id for s in data.sessions]
    out: set[str] = set()
    for item in data.interruptions:
        if item["first_session"] in ids and item["last_session"] in ids:
            lo, hi = ids.index(item["first_session"]), ids.index(item["last_session"])
            out.update(ids[lo : hi + 1])
    return out


def _week_ids(data: AthleteReportData, week: int) -> set[str]:
    return {s.session_id for s in data.sessions if s.week == week}


def derive_findings(data: AthleteReportData) -> list[Finding]:
    """The findings of one athlete's report, most important first."""
    found: list[Finding] = []
    for i, note in enumerate(data.notes):
        if note.adverse_event:
            if any(n.clearance for n in data.notes[i + 1 :]):
                found.append(Finding("adverse_cleared", "warning", {"session": note.session_id}))
            else:
                found.append(Finding("adverse", "alert", {"session": note.session_id}))
    for item in data.interruptions:
        found.append(
            Finding(
                "interruption",
                "alert",
                {"n": item["sessions"], "week": item["week"], "last_week": item["last_week"]},
            )
        )
    for note in data.notes:
        before, after = note.pain_before, note.pain_after
        if before is not None and after is not None and after - before >= PAIN_RISE:
            found.append(
                Finding(
                    "pain_rise",
                    "warning",
                    {
                        "session": note.session_id,
                        "before": note.pain_before,
                        "after": note.pain_after,
                    },
                )
            )
    pct = data.adherence_pct
    if pct is not None:
        code, severity = (
            ("good_adherence", "good")
            if pct >= ADHERENCE_TARGET_PCT
            else ("low_adherence", "warning")
        )
        found.append(
            Finding(code, severity, {"pct": pct, "target": ADHERENCE_TARGET_PCT})  # type: ignore[arg-type]
        )
    interrupted = _interrupted_sessions(data)
    for week in data.weeks:
        missed = [
            s
            for s in data.sessions
            if s.week == week.week and s.status == "missed" and s.session_id not in interrupted
        ]
        if missed:
            found.append(Finding("missed_week", "info", {"n": len(missed), "week": week.week}))
    assessed = [w for w in data.weeks if w.progression_ready is not None]
    if assessed:
        last = assessed[-1]
        values: dict[str, Any] = {
            "week": last.week,
            "completed": last.completed,
            "prescribed": last.prescribed,
        }
        if last.progression_reason is not None:
            values["reason"] = last.progression_reason
        if last.progression_ready:
            found.append(Finding("ready", "good", values))
        else:
            unsafe = last.adverse_events > 0 or any(
                n.adverse_event for n in data.notes if n.session_id in _week_ids(data, last.week)
            )
            found.append(Finding("not_ready", "alert" if unsafe else "warning", values))
    if not any(s.has_activity for s in data.sessions):
        found.append(Finding("no_activity", "info", {}))
    return sorted(found, key=lambda f: _ORDER[f.severity])


def finding_text(
    finding: Finding,
    gettext: Callable[[str], str],
    ngettext: Callable[[str, str, int], str],
    number: Callable[[float], str],
    percent: Callable[[float], str],
    *,
    render: Callable[[Any], str] | None = None,
) -> str:
    """Word one finding in the report's language.

    Parameters
    ----------
    finding
        The finding.
    gettext, ngettext
        The catalog's translation functions.
    number, percent
        Locale formatters for plain numbers and percentages (``percent(70.0)``
        gives ``"70 %"`` or ``"70 %"`` as the locale writes it).
    render
        Words generated text (:mod:`stridecheck.messages`) in the language: the
        progression reasons of ``ready`` / ``not_ready`` (without it, the
        session count alone).
    """
    v: dict[str, Any] = finding.values
    code = finding.code
    if code == "adverse":
        return gettext("Adverse event reported for session %(session)s.") % v
    if code == "adverse_cleared":
        return gettext("Adverse event reported for session %(session)s, cleared by a coach.") % v
    if code in ("ready", "not_ready") and render is not None and v.get("reason") is not None:
        return gettext("Week %(week)d:") % v + " " + render(v["reason"])
    if code == "interruption":
        n = int(v["n"])
        if v["week"] == v["last_week"]:
            text = ngettext(
                "%(n)d session missed in week %(week)d: an interruption.",
                "%(n)d sessions missed in week %(week)d: an interruption.",
                n,
            )
        else:
            text = ngettext(
                "%(n)d session missed in weeks %(week)d-%(last_week)d: an interruption.",
                "%(n)d sessions missed in weeks %(week)d-%(last_week)d: an interruption.",
                n,
            )
        return text % v
    if code == "pain_rise":
        return gettext(
            "Pain rose from %(before)s to %(after)s (of 100) in session %(session)s."
        ) % {
            "before": number(v["before"]),
            "after": number(v["after"]),
            "session": v["session"],
        }
    if code == "low_adherence":
        return gettext("Adherence %(pct)s is below the %(target)s target.") % {
            "pct": percent(v["pct"]),
            "target": percent(v["target"]),
        }
    if code == "good_adherence":
        return gettext("Adherence %(pct)s meets the %(target)s target.") % {
            "pct": percent(v["pct"]),
            "target": percent(v["target"]),
        }
    if code == "missed_week":
        return (
            ngettext(
                "%(n)d session missed in week %(week)d.",
                "%(n)d sessions missed in week %(week)d.",
                int(v["n"]),
            )
            % v
        )
    if code == "ready":
        return (
            gettext(
                "Ready to progress: %(completed)d of %(prescribed)d sessions completed "
                "in week %(week)d."
            )
            % v
        )
    if code == "not_ready":
        return (
            gettext(
                "Not yet ready to progress: %(completed)d of %(prescribed)d sessions "
                "completed in week %(week)d; repeat the week."
            )
            % v
        )
    if code == "no_activity":
        return gettext("No activity recorded yet.")
    raise ValueError(f"unknown finding code {code!r}")
