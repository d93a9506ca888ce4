"""Charts of a report, as Vega-Lite specifications made with Altair.

Each function returns a Vega-Lite spec (a JSON-ready ``dict``): the HTML
report renders it in the browser with the inlined Vega bundle
(:func:`vega_bundle`); the PDF gets a static SVG of the same spec from
vl-convert (:func:`to_svg`). Every axis title and legend label goes through
the report's language.
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import vl_convert as vlc
from babel.numbers import get_decimal_symbol, get_group_symbol

from stridecheck.errors import InputError
from stridecheck.i18n import Lang
from stridecheck.outputs import atomic_output
from stridecheck.report.model import AthleteReportData, SessionReport

__all__ = [
    "KIND_COLOURS",
    "pain_chart",
    "session_timeline_chart",
    "to_svg",
    "vega_bundle",
    "weekly_chart",
]

#: Colour of each interval kind (walk, run, stop, paused, unknown).
KIND_COLOURS: dict[str, str] = {
    "walk": "#5dade2",
    "run": "#e67e22",
    "stop": "#c0392b",
    "paused": "#aab7b8",
    "unknown": "#e5e8e8",
}
#: Chart width in CSS pixels.
WIDTH = 640
#: Below this speed no pace is drawn (standing, GPS noise). [m/s]
MIN_PACE_SPEED_MPS = 0.5
#: Environment variable naming a folder for the cached Vega JavaScript bundle.
CACHE_ENV = "STRIDECHECK_CACHE_DIR"


def kind_names(lang: Lang) -> dict[str, str]:
    """Interval and step kinds in the report's language."""
    return {
        "walk": lang.gettext("walk"),
        "run": lang.gettext("run"),
        "stop": lang.gettext("stop"),
        "paused": lang.gettext("paused"),
        "unknown": lang.gettext("unknown"),
    }


def _kind_scale(lang: Lang) -> alt.Scale:
    names = kind_names(lang)
    return alt.Scale(domain=[names[k] for k in KIND_COLOURS], range=list(KIND_COLOURS.values()))


def session_timeline_chart(session: SessionReport, lang: Lang) -> dict[str, Any]:
    """Prescribed steps above, detected walk / run bands below, then heart rate and pace.

    The x axis is minutes from the activity's first sample; the prescribed
    steps start where the compliance alignment put the first step.
    """
    names = kind_names(lang)
    prescribed_row = lang.gettext("Prescribed")
    detected_row = lang.gettext("Detected")
    minutes = lang.gettext("Minutes")
    rows: list[dict[str, Any]] = []
    for step in session.prescribed:
        rows.append(
            {
                "row": prescribed_row,
                "kind": names.get(step.kind, step.kind),
                "label": lang.render(step.label),
                "start": (session.offset_s + step.start_s) / 60.0,
                "end": (session.offset_s + step.end_s) / 60.0,
            }
        )
    for interval in session.intervals:
        rows.append(
            {
                "row": detected_row,
                "kind": names.get(interval.kind, interval.kind),
                "label": names.get(interval.kind, interval.kind),
                "start": interval.start_s / 60.0,
                "end": interval.end_s / 60.0,
            }
        )
    bands = (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("start:Q", title=None),
            x2="end:Q",
            y=alt.Y("row:N", title=None, sort=[prescribed_row, detected_row]),
            color=alt.Color("kind:N", scale=_kind_scale(lang), title=None),
            tooltip=[alt.Tooltip("label:N", title=lang.gettext("Step"))],
        )
        .properties(width=WIDTH, height=56)
    )
    layers: list[alt.Chart] = [bands]
    trace = pd.DataFrame(
        [
            {
                "minute": t.elapsed_s / 60.0,
                "hr": t.heart_rate_bpm if math.isfinite(t.heart_rate_bpm) else None,
                "pace": (
                    1000.0 / t.speed_mps / 60.0
                    if math.isfinite(t.speed_mps) and t.speed_mps >= MIN_PACE_SPEED_MPS
                    else None
                ),
            }
            for t in session.traces
        ],
        columns=["minute", "hr", "pace"],
    )
    if trace["hr"].notna().any():
        layers.append(
            alt.Chart(trace)
            .mark_line(color="#c0392b", strokeWidth=1.2)
            .encode(
                x=alt.X("minute:Q", title=None),
                y=alt.Y(
                    "hr:Q",
                    title=lang.gettext("Heart rate [bpm]"),
                    scale=alt.Scale(zero=False),
                ),
            )
            .properties(width=WIDTH, height=90)
        )
    if trace["pace"].notna().any():
        layers.append(
            alt.Chart(trace)
            .mark_line(color="#1f618d", strokeWidth=1.2)
            .encode(
                x=alt.X("minute:Q", title=minutes),
                y=alt.Y(
                    "pace:Q",
                    title=lang.gettext("Pace [min/km]"),
                    scale=alt.Scale(zero=False, reverse=True, domain=[4, 20], clamp=True),
                ),
            )
            .properties(width=WIDTH, height=90)
        )
    chart = alt.vconcat(*layers, spacing=6).resolve_scale(x="shared")
    return _spec(chart, lang)


def weekly_chart(data: AthleteReportData, lang: Lang) -> dict[str, Any]:
    """Weekly running time and distance, side by side; weeks with an adverse event marked."""
    week = lang.gettext("Week")
    frame = pd.DataFrame(
        [{"week": w.week, "run_min": w.run_min, "run_km": w.run_km} for w in data.weeks],
        columns=["week", "run_min", "run_km"],
    )
    base = alt.Chart(frame).encode(x=alt.X("week:O", title=week, axis=alt.Axis(labelAngle=0)))
    minutes = base.mark_bar(color=KIND_COLOURS["run"]).encode(
        y=alt.Y("run_min:Q", title=lang.gettext("Running [min]")),
        tooltip=[alt.Tooltip("run_min:Q", format=".1f", title=lang.gettext("Running [min]"))],
    )
    km = base.mark_bar(color="#1f618d").encode(
        y=alt.Y("run_km:Q", title=lang.gettext("Running [km]")),
        tooltip=[alt.Tooltip("run_km:Q", format=".2f", title=lang.gettext("Running [km]"))],
    )
    left: alt.Chart | alt.LayerChart | alt.FacetChart = minutes.properties(width=280, height=150)
    right: alt.Chart | alt.LayerChart | alt.FacetChart = km.properties(width=280, height=150)
    flagged = pd.DataFrame(
        [
            {"week": w.week, "label": f"\u26a0 {lang.gettext('AE')}", "n": w.adverse_events}
            for w in data.weeks
            if w.adverse_events
        ],
        columns=["week", "label", "n"],
    )
    if len(flagged):
        # weeks with an adverse event: a red band behind the bars and a warning sign
        tip = [alt.Tooltip("n:Q", title=lang.gettext("Adverse events"))]
        band = (
            alt.Chart(flagged)
            .mark_bar(color="#c0392b", opacity=0.18)
            .encode(x=alt.X("week:O", title=week), tooltip=tip)
        )
        sign = (
            alt.Chart(flagged)
            .mark_text(color="#c0392b", fontWeight="bold", dy=-4, baseline="top")
            .encode(x=alt.X("week:O", title=week), y=alt.value(0), text="label:N", tooltip=tip)
        )
        left = alt.layer(band, minutes, sign).properties(width=280, height=150)
        right = alt.layer(band, km, sign).properties(width=280, height=150)
    chart = alt.hconcat(left, right)
    return _spec(chart, lang)


def pain_chart(data: AthleteReportData, lang: Lang) -> dict[str, Any] | None:
    """Pain before / after (0-100) and RPE (6-20) per note; adverse events always marked.

    Every note flagging an adverse event is drawn as a red dashed rule (with a
    red point at the top of the pain panel), whether or not it gives pain or
    RPE; a coach's clearance is a green rule. Returns ``None`` only when no
    note carries pain, RPE, an adverse event or a clearance.
    """
    session = lang.gettext("Session")
    rows: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    labels: list[str] = []
    for order, note in enumerate(data.notes):
        label = f"{note.session_id} ({order + 1})"
        shown = len(rows) + len(marks)
        if note.adverse_event or note.clearance:
            marks.append(
                {
                    "note": label,
                    "order": order,
                    "what": lang.gettext("Adverse event")
                    if note.adverse_event
                    else lang.gettext("Cleared by the coach"),
                    "value": 100.0,
                    "text": note.text,
                }
            )
        for measure, value in (
            (lang.gettext("Pain before"), note.pain_before),
            (lang.gettext("Pain after"), note.pain_after),
        ):
            if value is not None:
                rows.append(
                    {
                        "note": label,
                        "order": order,
                        "measure": measure,
                        "value": value,
                        "panel": "pain",
                        "adverse": note.adverse_event,
                    }
                )
        if note.rpe is not None:
            rows.append(
                {
                    "note": label,
                    "order": order,
                    "measure": lang.gettext("RPE"),
                    "value": float(note.rpe),
                    "panel": "rpe",
                    "adverse": note.adverse_event,
                }
            )
        if len(rows) + len(marks) > shown:
            labels.append(label)
    if not rows and not marks:
        return None
    columns = ["note", "order", "measure", "value", "panel", "adverse"]
    frame = pd.DataFrame(rows, columns=columns)
    x = alt.X("note:N", sort=labels, title=session, axis=alt.Axis(labelAngle=-30))
    pain_scale = alt.Scale(domain=[0, 100])
    pain: alt.Chart | alt.LayerChart = (
        alt.Chart(frame[frame["panel"] == "pain"])
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=lang.gettext("Pain [0-100]"), scale=pain_scale),
            color=alt.Color("measure:N", title=None),
        )
        .properties(width=280, height=150)
    )
    rpe = (
        alt.Chart(frame[frame["panel"] == "rpe"])
        .mark_line(point=True, color="#7d3c98")
        .encode(
            x=x,
            y=alt.Y("value:Q", title=lang.gettext("RPE [6-20]"), scale=alt.Scale(domain=[6, 20])),
        )
        .properties(width=280, height=150)
    )
    if marks:
        events = pd.DataFrame(marks)
        colour = alt.Color(
            "what:N",
            title=None,
            scale=alt.Scale(
                domain=[lang.gettext("Adverse event"), lang.gettext("Cleared by the coach")],
                range=["#c0392b", "#1e8449"],
            ),
        )
        tooltip = [
            alt.Tooltip("what:N", title=lang.gettext("Note")),
            alt.Tooltip("note:N", title=session),
            alt.Tooltip("text:N", title=lang.gettext("Text")),
        ]
        rules = (
            alt.Chart(events)
            .mark_rule(strokeDash=[4, 3], strokeWidth=2)
            .encode(x=x, color=colour, tooltip=tooltip)
        )
        dots = (
            alt.Chart(events)
            .mark_point(shape="triangle-down", size=120, filled=True)
            .encode(x=x, y=alt.Y("value:Q", scale=pain_scale), color=colour, tooltip=tooltip)
        )
        pain = alt.layer(pain, alt.layer(rules, dots)).resolve_scale(color="independent")
    return _spec(alt.hconcat(pain, rpe), lang)


def _spec(chart: alt.TopLevelMixin, lang: Lang) -> dict[str, Any]:
    """The chart's spec, numbers on axes and in tooltips in the language's format."""
    spec: dict[str, Any] = chart.configure_view(stroke=None).to_dict()
    spec.setdefault("config", {})["locale"] = {
        "number": {
            "decimal": get_decimal_symbol(lang.locale),
            "thousands": get_group_symbol(lang.locale),
            "grouping": [3],
            "currency": ["", ""],
        }
    }
    return spec


def to_svg(spec: dict[str, Any]) -> str:
    """Render a Vega-Lite spec to a static SVG (offline, with vl-convert)."""
    return str(vlc.vegalite_to_svg(spec))


def _cache_dir() -> Path:
    folder = os.environ.get(CACHE_ENV)
    if folder:
        return Path(folder)
    import platformdirs

    return Path(platformdirs.user_cache_dir("stridecheck"))


@functools.cache
def vega_bundle() -> str:
    """The Vega, Vega-Lite and Vega-Embed JavaScript as one inline-able script.

    Bundling takes vl-convert several seconds, so the result is cached on disk
    (``$STRIDECHECK_CACHE_DIR`` or the user cache folder), keyed by the
    vl-convert version, and in memory. No network is used.
    """
    version = getattr(vlc, "__version__", "unknown")
    path = _cache_dir() / f"vega-bundle-{version}.js"
    try:
        text = path.read_text(encoding="utf-8")
        if len(text) > 100_000 and "vegaEmbed" in text[-2000:]:
            return text
    except OSError:
        pass
    text = str(vlc.javascript_bundle(None))  # type: ignore[arg-type]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path, force=True) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except (OSError, InputError):
        pass  # an unwritable cache only costs time
    return text
