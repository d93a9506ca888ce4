"""Generate ``sample_data/``: three weeks of a run-walk program for two simulated athletes.

Run ``make sample-data`` (or ``python scripts/make_sample_data.py [--out DIR]``).
The output is deterministic: every session has a fixed seed, start time and
condition, so regenerating reproduces the committed files byte for byte.

The program (:data:`PROGRAM`): three sessions a week; every session is a 5:00
warm-up walk, ten run/walk repeats and a 5:00 cool-down walk. The repeats grow
from run 0:15 / walk 0:45 in week 1 through run 0:30 / walk 0:45 in week 2 to
run 1:00 / walk 1:00 in week 3.

Athletes (:data:`SESSIONS`):

- ``athlete_a``: the ``typical`` athlete with a 1 Hz GPS watch (FIT). Misses
  W2S2; stops at traffic lights in W1S3; cuts runs short in W2S3; runs through
  walk breaks in W3S2; pauses the watch in W3S3.
- ``athlete_b``: a ``slow_jogger`` (runs at about 2 m/s, the speed of brisk
  walking) who records with a phone app (GPX, positions only) in some sessions
  and a watch with smart recording (FIT, a sample every 1-7 s) in others; one
  treadmill session with a footpod (FIT, no positions). Starts late in W1S2,
  skips runs in W2S3, stops halfway through W3S1.

Each activity file ``<athlete>/<session>.<fit|gpx>`` has its per-second truth
beside it (``<session>.truth.csv``: ``time``, ``label``). ``manifest.csv`` lists
every prescribed session, including the missed one (no file).
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stridecheck.simulate import PlanStep, simulate_session, write_session

#: Repeats per week: (run [s], walk [s], number of repeats).
PROGRAM: dict[str, tuple[int, int, int]] = {
    "W1": (15, 45, 10),
    "W2": (30, 45, 10),
    "W3": (60, 60, 10),
}
WARM_UP_S = 300
COOL_DOWN_S = 300


def plan_for(session_id: str) -> list[PlanStep]:
    """The prescribed plan of a session id such as ``"W2S3"``."""
    run_s, walk_s, repeats = PROGRAM[session_id[:2]]
    steps: list[PlanStep] = [("walk", float(WARM_UP_S))]
    for _ in range(repeats):
        steps += [("run", float(run_s)), ("walk", float(walk_s))]
    steps.append(("walk", float(COOL_DOWN_S)))
    return steps


def describe_plan(session_id: str) -> str:
    """The plan in words, e.g. ``walk 5:00; 10 x (run 0:15 / walk 0:45); walk 5:00``."""
    run_s, walk_s, repeats = PROGRAM[session_id[:2]]

    def clock(s: int) -> str:
        return f"{s // 60}:{s % 60:02d}"

    return (
        f"walk {clock(WARM_UP_S)}; {repeats} x (run {clock(run_s)} / walk {clock(walk_s)}); "
        f"walk {clock(COOL_DOWN_S)}"
    )


@dataclass(frozen=True)
class Session:
    """One prescribed session of one athlete and how it went."""

    athlete: str
    profile: str
    session_id: str
    start: str  # UTC; empty date-only for a missed session
    sensors: str  # empty when missed
    deviations: tuple[str, ...] = ()
    fmt: str = "fit"

    @property
    def missed(self) -> bool:
        return not self.sensors


#: Every prescribed session (athlete_a Mon/Wed/Fri, athlete_b Tue/Thu/Sat).
SESSIONS: tuple[Session, ...] = (
    Session("athlete_a", "typical", "W1S1", "2026-01-05T06:30:00Z", "watch"),
    Session("athlete_a", "typical", "W1S2", "2026-01-07T06:35:00Z", "watch"),
    Session("athlete_a", "typical", "W1S3", "2026-01-09T17:10:00Z", "watch", ("traffic_stops",)),
    Session("athlete_a", "typical", "W2S1", "2026-01-12T06:30:00Z", "watch"),
    Session("athlete_a", "typical", "W2S2", "2026-01-14", ""),
    Session("athlete_a", "typical", "W2S3", "2026-01-16T06:40:00Z", "watch", ("cut_short",)),
    Session("athlete_a", "typical", "W3S1", "2026-01-19T06:30:00Z", "watch"),
    Session(
        "athlete_a", "typical", "W3S2", "2026-01-21T06:25:00Z", "watch", ("ran_through_walks",)
    ),
    Session("athlete_a", "typical", "W3S3", "2026-01-23T16:50:00Z", "watch", ("timer_pause",)),
    Session("athlete_b", "slow_jogger", "W1S1", "2026-01-06T18:00:00Z", "phone_gpx", fmt="gpx"),
    Session(
        "athlete_b",
        "slow_jogger",
        "W1S2",
        "2026-01-08T18:05:00Z",
        "phone_gpx",
        ("late_start",),
        fmt="gpx",
    ),
    Session("athlete_b", "slow_jogger", "W1S3", "2026-01-10T08:00:00Z", "watch_smart"),
    Session("athlete_b", "slow_jogger", "W2S1", "2026-01-13T18:00:00Z", "watch_smart"),
    Session("athlete_b", "slow_jogger", "W2S2", "2026-01-15T18:15:00Z", "treadmill_footpod"),
    Session(
        "athlete_b",
        "slow_jogger",
        "W2S3",
        "2026-01-17T08:30:00Z",
        "watch_smart",
        ("skipped_runs",),
    ),
    Session(
        "athlete_b",
        "slow_jogger",
        "W3S1",
        "2026-01-20T18:00:00Z",
        "phone_gpx",
        ("stopped_halfway",),
        fmt="gpx",
    ),
    Session("athlete_b", "slow_jogger", "W3S2", "2026-01-22T18:10:00Z", "watch_smart"),
    Session("athlete_b", "slow_jogger", "W3S3", "2026-01-24T08:05:00Z", "watch_smart"),
)

MANIFEST_COLUMNS = (
    "file",
    "truth_file",
    "athlete",
    "profile",
    "session_id",
    "date",
    "start_time",
    "sensors",
    "deviations",
    "plan",
    "random_state",
)

README = """\
# Sample data

Generated by `scripts/make_sample_data.py` (`make sample-data`); do not edit by hand.
Everything here is **simulated** with `stridecheck.simulate.simulate_session`, so the
truth is exact: each activity file has a `<session>.truth.csv` beside it with one row
per second (`time` in UTC, `label` in `walk`, `run`, `stop`, `paused`).

Program: three sessions a week for three weeks; every session is a 5:00 warm-up walk,
ten run/walk repeats (week 1 run 0:15 / walk 0:45, week 2 run 0:30 / walk 0:45,
week 3 run 1:00 / walk 1:00) and a 5:00 cool-down walk. Session ids are `W<week>S<n>`.

- `athlete_a/`: the `typical` athlete with a 1 Hz GPS watch (FIT). Misses W2S2;
  traffic stops in W1S3, runs cut short in W2S3, walk breaks run through in W3S2,
  the watch paused for a while in W3S3.
- `athlete_b/`: a `slow_jogger` whose run speed (about 2 m/s) overlaps brisk walking;
  phone app GPX (positions and time only) in W1S1, W1S2 (late start) and W3S1
  (stopped halfway); watch with smart recording (FIT, a sample every 1-7 s)
  otherwise, runs skipped in W2S3; W2S2 on a treadmill with a footpod (FIT, no
  positions).

`manifest.csv` has one row per prescribed session, the missed one included (empty
`file`): `file`, `truth_file`, `athlete`, `profile` (simulated athlete), `session_id`,
`date`, `start_time` (UTC), `sensors`, `deviations` (`+`-joined, or `as_prescribed`,
or `missed`), `plan`, `random_state`.

FIT files are written by `stridecheck.io.fit_write.write_fit` (manufacturer
`development`, product name `stridecheck`), GPX files by
`stridecheck.io.gpx_write.write_gpx`.
"""


def seed_for(index: int) -> int:
    """Seed of the session at a position in :data:`SESSIONS`."""
    return 20260105 + 101 * index


def activity_file(sess: Session) -> str:
    """Path of a session's activity file inside the sample data folder ('' when missed)."""
    return "" if sess.missed else f"{sess.athlete}/{sess.session_id}.{sess.fmt}"


def truth_file(sess: Session) -> str:
    """Path of a session's truth CSV inside the sample data folder ('' when missed)."""
    return "" if sess.missed else f"{sess.athlete}/{sess.session_id}.truth.csv"


def manifest_rows() -> list[dict[str, str]]:
    """The manifest: one row per prescribed session, the missed one included."""
    rows = []
    for i, sess in enumerate(SESSIONS):
        rows.append(
            {
                "file": activity_file(sess),
                "truth_file": truth_file(sess),
                "athlete": sess.athlete,
                "profile": sess.profile,
                "session_id": sess.session_id,
                "date": sess.start[:10],
                "start_time": ""
                if sess.missed
                else pd.Timestamp(sess.start).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "sensors": sess.sensors,
                "deviations": "missed"
                if sess.missed
                else "+".join(sess.deviations) or "as_prescribed",
                "plan": describe_plan(sess.session_id),
                "random_state": "" if sess.missed else str(seed_for(i)),
            }
        )
    return rows


def write_activity(sess: Session, out: Path) -> Path:
    """Simulate one session and write its activity file and truth CSV into ``out``."""
    seed = seed_for(SESSIONS.index(sess))
    session = simulate_session(
        plan_for(sess.session_id),
        athlete=sess.profile,
        sensors=sess.sensors,
        deviations=list(sess.deviations),
        start=sess.start,
        random_state=seed,
    )
    path = out / activity_file(sess)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_session(session, path, fmt=sess.fmt)


def generate(out: Path) -> list[dict[str, str]]:
    """Write every session, the manifest and the README into ``out``.

    Returns
    -------
    list of dict
        The manifest rows.
    """
    out.mkdir(parents=True, exist_ok=True)
    for sess in SESSIONS:
        if not sess.missed:
            write_activity(sess, out)
    rows = manifest_rows()
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(MANIFEST_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    (out / "README.md").write_text(README, encoding="utf-8")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``make_sample_data.py [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default = Path(__file__).resolve().parents[1] / "sample_data"
    parser.add_argument("--out", type=Path, default=default, help=f"folder (default {default})")
    args = parser.parse_args(argv)
    rows = generate(args.out)
    files = sum(1 for r in rows if r["file"])
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"wrote {files} activities to {args.out} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
