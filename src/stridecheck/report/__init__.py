"""Coach reports: one self-contained HTML file (and a PDF) per athlete or group.

Quick example::

    from stridecheck.report import athlete_data_from_activities, render_report

    data = athlete_data_from_activities("ana", program, "2026-01-05", activities)
    render_report([data], "report.html", pdf="report.pdf", lang="de")

The data model (:mod:`.model`) is built from the store
(:func:`athlete_data_from_store`) or from memory
(:func:`athlete_data_from_activities`); :func:`render_report` writes it.
"""

from stridecheck.i18n import LANGUAGES, Lang, get_lang
from stridecheck.report.build import (
    assemble,
    athlete_data_from_activities,
    athlete_data_from_store,
    restrict_weeks,
    store_athletes,
)
from stridecheck.report.model import (
    AthleteReportData,
    DetectedInterval,
    Finding,
    NoteEntry,
    PrescribedStep,
    SessionReport,
    TraceSample,
    WeekRow,
)
from stridecheck.report.render import render_html, render_pdf, render_report

__all__ = [
    "LANGUAGES",
    "AthleteReportData",
    "DetectedInterval",
    "Finding",
    "Lang",
    "NoteEntry",
    "PrescribedStep",
    "SessionReport",
    "TraceSample",
    "WeekRow",
    "assemble",
    "athlete_data_from_activities",
    "athlete_data_from_store",
    "get_lang",
    "render_html",
    "render_pdf",
    "render_report",
    "restrict_weeks",
    "store_athletes",
]
