"""Ready to progress? The programme's ``[progression]`` rules applied week by week, with reasons.

A week is judged on what a coach would check before making the next week
harder (:class:`~stridecheck.programs.model.ProgressionRules`):

- enough sessions completed (score >= 80);
- pain after every session at most ``max_pain_after`` on the 0-100 scale;
- pain settled: the pain before the next session back at or below the pain
  before the session;
- pain not rising: the week's highest pain after a session not above the
  previous week's;
- no adverse event: a week with one is never ready, and later weeks are not
  ready until a coach has recorded a clearance note after the event.

Safety rules (adverse events, pain above the limit) decide as soon as the note
is there (in a week with a session due); the session count only once the
week's sessions are all due. Every
week gets its reasons as translatable text (:mod:`stridecheck.messages`), so
"ready" or "not ready" always says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stridecheck.messages import Join, Num, Text, msg, render
from stridecheck.programs.model import ProgressionRules

__all__ = ["NOTE_COLUMNS", "WeekVerdict", "assess_weeks", "cleared", "notes_table", "week_texts"]

#: Columns of a notes table (:func:`notes_table`).
NOTE_COLUMNS: tuple[str, ...] = (
    "session_id",
    "pain_before",
    "pain_after",
    "adverse_event",
    "clearance",
    "created_at",
)


@dataclass(frozen=True)
class WeekVerdict:
    """Progression readiness of one week.

    Attributes
    ----------
    week
        Program week, from 1.
    ready
        True / False, or ``None`` while the week is not over (and nothing
        unsafe was reported).
    reasons
        Why, as translatable text parts (the first says ready or not).
    max_pain_after
        Highest pain after a session of the week (NaN when none reported). [0-100]
    adverse_events
        Adverse events reported for the week's sessions.
    """

    week: int
    ready: bool | None
    reasons: tuple[Text, ...]
    max_pain_after: float
    adverse_events: int

    @property
    def doc(self) -> Text:
        """The reasons as one text: ``"Not ready to progress: ...; ..."``."""
        if len(self.reasons) == 1:
            return self.reasons[0]
        return Join((self.reasons[0], Join(self.reasons[1:], "; ")), " ")

    @property
    def text(self) -> str:
        """The reasons in English."""
        return render(self.doc)


def _float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def _flag(value: Any) -> bool:
    """A yes / no field of a note: missing (``None``, NaN) is no."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def notes_table(notes: pd.DataFrame | Iterable[Any] | None) -> pd.DataFrame:
    """Session notes as a table with :data:`NOTE_COLUMNS`, oldest first.

    Parameters
    ----------
    notes
        A DataFrame (e.g. :meth:`stridecheck.store.Store.notes_frame`), or
        mappings or objects with those attributes (e.g. report note entries);
        missing columns get defaults (no pain, no adverse event, no clearance).
    """
    if notes is None:
        return pd.DataFrame(columns=list(NOTE_COLUMNS))
    if isinstance(notes, pd.DataFrame):
        records: list[Mapping[str, Any]] = notes.to_dict(orient="records")  # type: ignore[assignment]
    else:
        records = [
            n if isinstance(n, Mapping) else {c: getattr(n, c, None) for c in NOTE_COLUMNS}
            for n in notes
        ]
    rows = []
    for position, rec in enumerate(records):
        created = rec.get("created_at")
        stamp = pd.Timestamp(created) if created is not None else pd.Timestamp(0, tz="UTC")
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        rows.append(
            {
                "session_id": str(rec.get("session_id")),
                "pain_before": _float(rec.get("pain_before")),
                "pain_after": _float(rec.get("pain_after")),
                "adverse_event": _flag(rec.get("adverse_event")),
                "clearance": _flag(rec.get("clearance")),
                "created_at": stamp,
                "_position": position,
            }
        )
    frame = pd.DataFrame(rows, columns=[*NOTE_COLUMNS, "_position"])
    frame = frame.sort_values(["created_at", "_position"], kind="stable")
    return frame.drop(columns="_position").reset_index(drop=True)


def cleared(table: pd.DataFrame) -> pd.Series:
    """For each row of a :func:`notes_table`: a clearance note comes after it (bool)."""
    flags = table["clearance"].astype(bool).tolist()
    later = False
    out = [False] * len(flags)
    for i in range(len(flags) - 1, -1, -1):
        out[i] = later
        later = later or flags[i]
    return pd.Series(out, index=table.index, dtype=bool)


def _max(values: pd.Series) -> float:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return float(numbers.max()) if len(numbers) else math.nan


def _pain(value: float) -> Num:
    return Num(value, "g")


def assess_weeks(
    weeks: pd.DataFrame,
    sessions: pd.DataFrame,
    notes: pd.DataFrame | Iterable[Any] | None,
    rules: ProgressionRules,
) -> list[WeekVerdict]:
    """Apply the progression rules to every week.

    Parameters
    ----------
    weeks
        One row per week: ``week``, ``prescribed``, ``due``, ``completed``.
    sessions
        One row per prescribed session: ``order``, ``week``, ``session_id``.
    notes
        Session notes (see :func:`notes_table`); ``None``: none.
    rules
        The programme's rules.

    Returns
    -------
    list of WeekVerdict
        One per row of ``weeks``, in order.
    """
    table = notes_table(notes)
    ordered = sessions.sort_values("order", kind="stable")
    week_of = dict(
        zip(ordered["session_id"].astype(str), ordered["week"].astype(int), strict=True)
    )
    position = {sid: i for i, sid in enumerate(ordered["session_id"].astype(str))}
    table = table[table["session_id"].isin(week_of)]
    table = table.assign(week=table["session_id"].map(week_of), cleared=cleared(table))
    events = table[table["adverse_event"]]
    before_by_session = table.groupby("session_id")["pain_before"].max().dropna()
    before_order = sorted(before_by_session.index, key=lambda sid: position[sid])
    out: list[WeekVerdict] = []
    previous_pain = math.nan
    for rec in weeks.to_dict(orient="records"):
        week = int(rec["week"])
        prescribed, due, completed = int(rec["prescribed"]), int(rec["due"]), int(rec["completed"])
        over = prescribed > 0 and due == prescribed
        safety: list[Text] = []
        blocks: list[Text] = []
        fine: list[Text] = []
        this_week = table[table["week"] == week]
        if rules.adverse_event_blocks:
            for ev in events.to_dict(orient="records"):
                is_cleared = bool(ev["cleared"])
                if int(ev["week"]) == week:
                    safety.append(
                        msg(
                            "adverse event reported for session %(session)s (cleared by the "
                            "coach; the week is repeated)",
                            session=str(ev["session_id"]),
                        )
                        if is_cleared
                        else msg(
                            "adverse event reported for session %(session)s, not yet cleared "
                            "by a coach",
                            session=str(ev["session_id"]),
                        )
                    )
                elif int(ev["week"]) < week and not is_cleared:
                    safety.append(
                        msg(
                            "adverse event in session %(session)s (week %(week)s) not yet "
                            "cleared by a coach",
                            session=str(ev["session_id"]),
                            week=int(ev["week"]),
                        )
                    )
        week_pain = _max(this_week["pain_after"])
        if rules.max_pain_after is not None:
            for note in this_week.to_dict(orient="records"):
                value = _float(note["pain_after"])
                if math.isfinite(value) and value > rules.max_pain_after:
                    safety.append(
                        msg(
                            "pain after session %(session)s was %(pain)s of 100, above the "
                            "limit of %(limit)s",
                            session=str(note["session_id"]),
                            pain=_pain(value),
                            limit=_pain(rules.max_pain_after),
                        )
                    )
        if rules.pain_not_rising and week_pain > previous_pain:  # False when either is NaN
            safety.append(
                msg(
                    "pain after sessions rose from %(before)s to %(after)s of 100 since the "
                    "week before",
                    before=_pain(previous_pain),
                    after=_pain(week_pain),
                )
            )
        if rules.pain_settled:
            for i, sid in enumerate(before_order[:-1]):
                if week_of[sid] != week:
                    continue
                nxt = before_order[i + 1]
                now, then = float(before_by_session[sid]), float(before_by_session[nxt])
                if then > now:
                    safety.append(
                        msg(
                            "pain had not settled before session %(next)s (%(then)s of 100, "
                            "%(now)s before session %(session)s)",
                            next=nxt,
                            then=_pain(then),
                            now=_pain(now),
                            session=sid,
                        )
                    )
        needed = rules.sessions_needed(prescribed)
        counted = msg(
            "%(completed)s of %(prescribed)s sessions completed (%(needed)s needed)",
            completed=completed,
            prescribed=prescribed,
            needed=needed,
        )
        if over:
            (fine if completed >= needed else blocks).append(counted)
        has_pain_rules = rules.max_pain_after is not None or rules.pain_not_rising
        if has_pain_rules and not safety:
            if math.isfinite(week_pain):
                fine.append(
                    msg("highest pain after a session %(pain)s of 100", pain=_pain(week_pain))
                )
            else:
                fine.append(msg("no pain reported"))
        if math.isfinite(week_pain):
            previous_pain = week_pain
        # safety decides at once; the session count only once the whole week is due
        # (a week none of whose sessions is due yet is not judged)
        ready: bool | None = None
        if due == 0:
            ready = None
        elif safety or (blocks and over):
            ready = False
        elif over and not blocks:
            ready = True
        if ready is True:
            head: Text = msg("Ready to progress:")
            parts = fine
        elif ready is False:
            head = msg("Not ready to progress:")
            parts = [*safety, *blocks]
        else:
            head = msg("Not assessed yet:")
            parts = [
                msg(
                    "%(due)s of %(prescribed)s sessions due so far",
                    due=due,
                    prescribed=prescribed,
                ),
                *safety,
                *fine,
            ]
        out.append(
            WeekVerdict(
                week=week,
                ready=ready,
                reasons=(head, *parts),
                max_pain_after=week_pain,
                adverse_events=int((this_week["adverse_event"]).sum()),
            )
        )
    return out


def week_texts(verdicts: Sequence[WeekVerdict]) -> dict[int, Text]:
    """The reasons of each week as one text, by week."""
    return {v.week: v.doc for v in verdicts}
