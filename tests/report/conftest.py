"""Fixtures of the report tests."""

from __future__ import annotations

import datetime as dt

import pytest
from report_helpers import simulated_athlete

from stridecheck.report import AthleteReportData, NoteEntry


@pytest.fixture(scope="session")
def athlete_ok() -> AthleteReportData:
    """An athlete who did everything (one session with traffic stops)."""
    return simulated_athlete("Ana", deviations={"W1S3": ["traffic_stops"]})


@pytest.fixture(scope="session")
def athlete_trouble() -> AthleteReportData:
    """Three sessions missed in a row, a skipped-runs session, pain and an adverse event."""
    notes = (
        NoteEntry("W1S1", dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), 10, 15, 12),
        NoteEntry("W1S2", dt.datetime(2026, 1, 7, 9, tzinfo=dt.UTC), 10, 40, 15),
        NoteEntry(
            "W1S3", dt.datetime(2026, 1, 9, 9, tzinfo=dt.UTC), 30, 60, 17, True, "knee hurt"
        ),
    )
    return simulated_athlete(
        "Bernd Ö.",
        skip=("W2S1", "W2S2", "W2S3"),
        deviations={"W1S2": ["walked_everything"]},
        notes=notes,
    )
