"""The active timeline from interval tables of every shape the store and the segmenter give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stridecheck.compliance.timeline import RUN, UNKNOWN, WALK, ActiveTimeline, build_timeline

from .helpers import table

BOUTS = [("walk", 60.5), ("run", 30), ("paused", 20), ("run", 30), ("walk", 45)]


def same(a: ActiveTimeline, b: ActiveTimeline) -> None:
    assert a.origin == b.origin
    np.testing.assert_array_equal(a.kinds, b.kinds)
    np.testing.assert_array_equal(a.wall_s, b.wall_s)
    assert (a.paused_s, a.span_s) == (b.paused_s, b.span_s)


def test_times_as_text_naive_or_utc_give_one_timeline() -> None:
    frame = table(*BOUTS)
    reference = build_timeline(frame)
    as_text = frame.assign(start=frame["start"].map(pd.Timestamp.isoformat)).assign(
        end=frame["end"].map(pd.Timestamp.isoformat)
    )
    naive = frame.assign(
        start=frame["start"].dt.tz_localize(None), end=frame["end"].dt.tz_localize(None)
    )
    other_zone = frame.assign(
        start=frame["start"].dt.tz_convert("Europe/Berlin"),
        end=frame["end"].dt.tz_convert("Europe/Berlin"),
    )
    micro = frame.assign(start=frame["start"].dt.as_unit("us"), end=frame["end"].dt.as_unit("us"))
    for variant in (as_text, naive, other_zone, micro):
        same(build_timeline(variant), reference)


def test_unsorted_intervals_are_put_in_order() -> None:
    frame = table(*BOUTS)
    shuffled = frame.iloc[[3, 0, 4, 2, 1]].reset_index(drop=True)
    same(build_timeline(shuffled), build_timeline(frame))


def test_grid_starts_at_the_whole_second_and_drops_the_pause() -> None:
    start = pd.Timestamp("2026-01-05T07:00:00.400Z")
    timeline = build_timeline(table(*BOUTS, start=start))
    assert timeline.origin == pd.Timestamp("2026-01-05T07:00:00Z")
    assert timeline.paused_s == 20.0
    assert timeline.kinds[0] == WALK and timeline.kinds[61] == RUN
    assert len(timeline) == 166  # ceil(185.9) seconds less the 20 paused


def test_gaps_are_unknown() -> None:
    frame = table(("walk", 30), ("run", 30))
    frame.loc[1, "start"] = frame.loc[1, "start"] + pd.Timedelta(seconds=10)
    timeline = build_timeline(frame)
    assert (timeline.kinds[30:40] == UNKNOWN).all()
    assert (timeline.kinds[40:60] == RUN).all()


@pytest.mark.parametrize(("first", "stop"), [(0, 10), (55, 100), (100, 100), (130, 166)])
def test_step_times_are_the_wall_clock_of_the_window(first: int, stop: int) -> None:
    timeline = build_timeline(table(*BOUTS))
    starts, ends = timeline.step_times(np.array([first]), np.array([stop]))
    if stop == first:
        assert starts == [None] and ends == [None]
        return
    assert starts[0] == timeline.time_at(first)
    assert ends[0] == timeline.time_at(stop - 1) + pd.Timedelta(seconds=1)


def test_an_empty_table_gives_an_empty_timeline() -> None:
    timeline = build_timeline(table())
    assert len(timeline) == 0
    assert timeline.step_times(np.array([0]), np.array([0])) == ([None], [None])
