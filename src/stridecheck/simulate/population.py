"""A population of simulated people, drawn from published figures, recorded every way.

The four named athletes of :data:`~stridecheck.simulate.ATHLETES` are
examples; a benchmark that only knows them tests the numbers its model was
tuned on. :func:`draw_population` instead draws people -- how they walk, run,
breathe hard and record -- from distributions taken from published figures
(``DOMAIN.md`` section 3b), and :func:`simulate_person` plays a run-walk plan
through one of them, recorded the way that person records, as the file a
reader would see.

Where the numbers come from
---------------------------
Gait (one draw per person, see :data:`GAIT_TYPES` for the mixture):

- Walking cadence: self-selected overground walking 117 +/- 9.3 steps/min
  (PMC10851523); pedestrians' weighted mean 115.2, normal walking 81-138
  steps/min (Tudor-Locke & Rowe, Sports Med 2012); 130 steps/min is vigorous
  (brisk) walking (Tudor-Locke et al., CADENCE-Adults, IJBNPA 2019;16:8).
- Walking speed: pedestrians 1.32 +/- 0.31 m/s (Andrews et al., community
  ambulation), preferred about 1.4 m/s (Browning 2006; Mohler 2007).
- Novice running: inexperienced runners self-select 2.6 m/s at 154-160
  steps/min (van Oeveren et al., PLOS ONE 2017;12:e0184273).
- Walk-run transition near 140 steps/min and 2.0 m/s (PMC8629136; Hum Mov Sci
  2023;90:103117); overground walk-run mixtures average 1.9-3.0 m/s with a
  speed gap between the walking and running parts (Baker, Long & Srinivasan,
  arXiv:2501.00720, 2025). Slow joggers (a jog 0.3-0.6 m/s above their brisk
  walk) and shuffle runners (jogging at 138-150 steps/min beside brisk walking
  at 125-135) sit at the close end of that gap.
- Heart-rate lag: a first-order response to speed steps with time constant
  56-60 s (BioMed Eng OnLine 2015, doi:10.1186/s12938-015-0112-7), drawn
  wider (40-75 s) for a population.

Devices (:data:`SENSOR_WEIGHTS`, :data:`RECORDING_WEIGHTS`):

- Phone GPS: 7-13 m average horizontal error in a city (Merry & Bettinger,
  PLOS ONE 2019;14:e0219890), 4.5-11.5 m under canopy, 1.9-2.4 m RMSE in the
  open (Tomastik et al., Forestry 2017;90:187-198); a watch in the open
  matches the latter. Errors stay correlated for about a minute (Wilson,
  "Correlation of errors"; Sensors 2020;20:6050).
- Watch distance error 3.2-6.1 % MAPE, mostly reading short (Gilgen-Ammann
  et al., JMIR mHealth uHealth 2020;8:e17118).
- Smart recording "records key points where you change direction, speed, or
  heart rate" (Garmin Edge 820 manual); phone apps write GPX with a distance
  filter of a few metres (3-5 m here), fixes 2-5 s apart when walking slowly.
- Files: a FIT file cut short has no ``session`` message; about three
  quarters of Garmin activity files also carry an early ``sport`` message
  (mesg 12) that names the sport (``../shared/corpus``); some carry neither
  (:data:`FILE_VARIANTS`). Garmin watches write nothing between a timer stop
  and start event (``pause_style="no_records"``).

The population is deterministic: the same ``seed`` gives the same people, and
each person carries the seed of their own session.

Example::

    from stridecheck.simulate.population import draw_population, simulate_person
    people = draw_population(600, seed=1)
    session = simulate_person(people[0])
    session.truth_1hz, session.activity.meta.warnings
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stridecheck.simulate.deviations import DEVIATIONS
from stridecheck.simulate.plans import PlanStep
from stridecheck.simulate.profiles import AthleteProfile
from stridecheck.simulate.sensors import DeviceSettings
from stridecheck.simulate.session import SimulatedSession, simulate_session

__all__ = [
    "DEVIATION_WEIGHTS",
    "FILE_VARIANTS",
    "GAIT_TYPES",
    "PLANS",
    "RECORDING_WEIGHTS",
    "SENSOR_WEIGHTS",
    "Person",
    "draw_person",
    "draw_population",
    "simulate_person",
]

#: Run-walk plans people are given: progressive run-walk in the manner of
#: ASTEROID (Neason et al., Br J Sports Med 2025;59:99-108) and couch-to-5k,
#: from 15 s running bouts to 3 min ones. Durations in seconds.
PLANS: dict[str, list[PlanStep]] = {
    "c25k_w1": [("walk", 300.0)] + [("run", 60.0), ("walk", 90.0)] * 8 + [("walk", 300.0)],
    "bouts_15s": [("walk", 300.0)] + [("run", 15.0), ("walk", 45.0)] * 10 + [("walk", 300.0)],
    "bouts_30s": [("walk", 300.0)] + [("run", 30.0), ("walk", 90.0)] * 8 + [("walk", 240.0)],
    "run2_walk2": [("walk", 300.0)] + [("run", 120.0), ("walk", 120.0)] * 5 + [("walk", 180.0)],
    "run3_walk1": [("walk", 300.0)] + [("run", 180.0), ("walk", 60.0)] * 5 + [("walk", 180.0)],
}

#: Kinds of gait in the population and their share. Each is a distribution
#: of people (see :func:`_draw_gait`), not one person.
GAIT_TYPES: dict[str, float] = {
    "novice": 0.35,  # van Oeveren 2017: 2.6 m/s at 154-160 steps/min
    "slow_jogger": 0.2,  # jog 0.3-0.6 m/s above their walk, 140-155 steps/min
    "shuffle": 0.15,  # jog at 138-150 beside brisk walking at 125-135 steps/min
    "brisk_walker": 0.15,  # walks at 1.7-2.0 m/s and 125-135 steps/min
    "fit": 0.15,  # runs at 3.0-3.8 m/s, 165-180 steps/min
}

#: Sensor set-ups (:data:`~stridecheck.simulate.SENSORS`) and their share.
SENSOR_WEIGHTS: dict[str, float] = {
    "watch": 0.26,
    "wrist_dropouts": 0.08,
    "watch_footpod": 0.1,
    "treadmill_footpod": 0.08,
    "phone_gpx": 0.28,
    "gps_hr": 0.15,
    "hr_only": 0.05,
}

#: Recording modes per sensor set-up and their share.
RECORDING_WEIGHTS: dict[str, dict[str, float]] = {
    "watch": {"1hz": 0.55, "smart": 0.45},
    "wrist_dropouts": {"1hz": 0.6, "smart": 0.4},
    "watch_footpod": {"1hz": 0.6, "smart": 0.4},
    "treadmill_footpod": {"1hz": 0.7, "smart": 0.3},
    "phone_gpx": {"1hz": 0.45, "distance": 0.55},
    "gps_hr": {"1hz": 0.6, "smart": 0.2, "distance": 0.2},
    "hr_only": {"1hz": 1.0},
}

#: What a FIT file says about its sport, and the share of FIT files of each kind:
#: ``complete`` (``session`` message), ``no_session`` (cut short; an early
#: ``sport`` message names the sport) and ``no_sport`` (cut short, no ``sport``
#: message either). GPX files are ``gpx``.
FILE_VARIANTS: dict[str, float] = {"complete": 0.6, "no_session": 0.28, "no_sport": 0.12}

#: Share of people per deviation from the plan (``as_prescribed``: none).
DEVIATION_WEIGHTS: dict[str, float] = {
    "as_prescribed": 0.4,
    **{name: 0.6 / len(DEVIATIONS) for name in DEVIATIONS},
}

_FIT_SENSORS = ("watch", "wrist_dropouts", "watch_footpod", "treadmill_footpod", "hr_only")


@dataclass(frozen=True)
class Person:
    """One simulated person: how they move, what they record with, what they did.

    Attributes
    ----------
    person_id
        ``p<seed>-<number>``, unique within a population.
    gait_type
        Key of :data:`GAIT_TYPES`.
    athlete
        Their walking and running (speeds, cadences, heart rate, its lag).
    sensors
        Sensor set-up (:data:`~stridecheck.simulate.SENSORS`).
    device
        How their device records (mode, distance filter, GPS error, pauses).
    environment
        ``open``, ``canopy`` or ``urban`` (sets the GPS error).
    file_variant
        Key of :data:`FILE_VARIANTS`, or ``gpx`` / ``simulated`` where no FIT
        file is written.
    deviation
        Key of :data:`DEVIATION_WEIGHTS`.
    plan_name
        Key of :data:`PLANS`.
    seed
        Seed of their session.
    """

    person_id: str
    gait_type: str
    athlete: AthleteProfile
    sensors: str
    device: DeviceSettings
    environment: str
    file_variant: str
    deviation: str
    plan_name: str
    seed: int

    @property
    def plan(self) -> list[PlanStep]:
        """The plan they were given, ``(kind, seconds)``."""
        return list(PLANS[self.plan_name])

    @property
    def recording(self) -> str:
        """Their device's recording mode (``1hz``, ``smart``, ``distance``)."""
        return self.device.mode(self.sensors)

    def strata(self) -> dict[str, str]:
        """The strata a benchmark groups this person by."""
        return {
            "gait_type": self.gait_type,
            "sensors": self.sensors,
            "recording": self.recording,
            "file_variant": self.file_variant,
            "deviation": self.deviation,
            "environment": self.environment,
            "plan": self.plan_name,
            "pause_style": self.device.pause_style,
        }


def _choice(rng: np.random.Generator, weights: Mapping[str, float]) -> str:
    names = list(weights)
    p = np.array([weights[k] for k in names], dtype=float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _clipped(rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float) -> float:
    return float(np.clip(rng.normal(mean, sd), lo, hi))


def _draw_gait(rng: np.random.Generator, gait_type: str) -> tuple[float, float, float, float]:
    """Walking speed, running speed [m/s], walking and running cadence [steps/min]."""
    # walking: 117 +/- 9.3 steps/min (PMC10851523); 1.32 +/- 0.31 m/s (Andrews)
    walk_c = _clipped(rng, 115.0, 8.0, 96.0, 128.0)
    walk_v = _clipped(rng, 1.35, 0.15, 1.0, 1.7)
    if gait_type == "novice":
        # van Oeveren 2017: 2.6 m/s at 154-160 steps/min
        run_v = _clipped(rng, 2.6, 0.25, 2.1, 3.2)
        run_c = _clipped(rng, 157.0, 5.0, 146.0, 170.0)
    elif gait_type == "slow_jogger":
        # a jog barely faster than a brisk walk (the low end of the 1.9-3.0 m/s
        # mixtures of arXiv:2501.00720), with a clearly higher cadence
        walk_v = _clipped(rng, 1.5, 0.12, 1.2, 1.8)
        run_v = walk_v + float(rng.uniform(0.3, 0.6))
        run_c = _clipped(rng, 148.0, 4.0, 140.0, 156.0)
    elif gait_type == "shuffle":
        # brisk walking at 125-135 (130 = vigorous, CADENCE-Adults) beside a
        # shuffle jog at 138-150: cadences 8-20 steps/min apart
        walk_c = float(rng.uniform(125.0, 135.0))
        walk_v = _clipped(rng, 1.6, 0.12, 1.3, 1.9)
        run_c = walk_c + float(rng.uniform(8.0, 20.0))
        run_v = walk_v + float(rng.uniform(0.4, 0.9))
    elif gait_type == "brisk_walker":
        walk_c = float(rng.uniform(125.0, 135.0))
        walk_v = _clipped(rng, 1.85, 0.1, 1.65, 2.05)
        run_v = _clipped(rng, 2.65, 0.2, 2.35, 3.1)
        run_c = _clipped(rng, 160.0, 5.0, 150.0, 172.0)
    elif gait_type == "fit":
        run_v = _clipped(rng, 3.4, 0.25, 2.9, 4.0)
        run_c = _clipped(rng, 172.0, 5.0, 162.0, 185.0)
    else:
        raise ValueError(f"unknown gait type {gait_type!r}; choose one of {', '.join(GAIT_TYPES)}")
    return walk_v, run_v, walk_c, run_c


def _draw_athlete(rng: np.random.Generator, gait_type: str, name: str) -> AthleteProfile:
    walk_v, run_v, walk_c, run_c = _draw_gait(rng, gait_type)
    hr_rest = _clipped(rng, 68.0, 8.0, 50.0, 88.0)
    hr_walk = hr_rest + _clipped(rng, 38.0, 8.0, 20.0, 60.0)
    hr_run = hr_walk + _clipped(rng, 38.0, 8.0, 15.0, 60.0)
    return AthleteProfile(
        name=name,
        walk_speed_mps=walk_v,
        run_speed_mps=run_v,
        walk_speed_sd_mps=float(rng.uniform(0.03, 0.09)),
        run_speed_sd_mps=float(rng.uniform(0.04, 0.14)),
        walk_cadence_spm=walk_c,
        run_cadence_spm=run_c,
        walk_cadence_sd_spm=float(rng.uniform(1.0, 3.5)),
        run_cadence_sd_spm=float(rng.uniform(1.0, 3.5)),
        hr_rest_bpm=hr_rest,
        hr_walk_bpm=hr_walk,
        hr_run_bpm=min(hr_run, 195.0),
        # first-order lag 56-60 s on a treadmill (BioMed Eng OnLine 2015), wider here
        hr_lag_s=_clipped(rng, 58.0, 8.0, 40.0, 75.0),
    )


def _draw_device(rng: np.random.Generator, sensors: str, environment: str) -> DeviceSettings:
    recording = _choice(rng, RECORDING_WEIGHTS[sensors])
    phone = sensors == "phone_gpx" or (sensors == "gps_hr" and recording == "distance")
    # per-axis sd = horizontal error / sqrt(2)
    if environment == "open":
        horizontal = rng.uniform(1.9, 2.4) if not phone else rng.uniform(2.4, 5.0)
    elif environment == "canopy":
        horizontal = rng.uniform(4.5, 11.5) * (0.6 if not phone else 1.0)
    else:  # urban: 7-13 m for a phone (Merry & Bettinger 2019), watches do better
        horizontal = rng.uniform(7.0, 13.0) * (0.5 if not phone else 1.0)
    return DeviceSettings(
        recording=recording,
        distance_filter_m=float(rng.uniform(3.0, 5.0)),
        gps_sd_m=float(horizontal / math.sqrt(2.0)),
        gps_correlation_s=float(rng.uniform(30.0, 90.0)),
        distance_bias=float(np.clip(rng.normal(-0.03, 0.025), -0.09, 0.03)),
        pause_style="no_records" if rng.random() < 0.5 else "stop_sample",
    )


def draw_person(rng: np.random.Generator, person_id: str) -> Person:
    """Draw one person (gait, device, file, deviation and plan) from ``rng``."""
    gait_type = _choice(rng, GAIT_TYPES)
    athlete = _draw_athlete(rng, gait_type, f"{person_id}-{gait_type}")
    sensors = _choice(rng, SENSOR_WEIGHTS)
    environment = _choice(rng, {"open": 0.45, "canopy": 0.2, "urban": 0.35})
    if sensors == "treadmill_footpod":
        environment = "indoor"
    device = _draw_device(rng, sensors, environment if environment != "indoor" else "open")
    if sensors in _FIT_SENSORS:
        file_variant = _choice(rng, FILE_VARIANTS)
    else:
        file_variant = "gpx" if sensors == "phone_gpx" else "simulated"
    return Person(
        person_id=person_id,
        gait_type=gait_type,
        athlete=athlete,
        sensors=sensors,
        device=device,
        environment=environment,
        file_variant=file_variant,
        deviation=_choice(rng, DEVIATION_WEIGHTS),
        plan_name=_choice(rng, {name: 1.0 for name in PLANS}),
        seed=int(rng.integers(0, 2**31 - 1)),
    )


def draw_population(n: int = 600, seed: int = 0) -> list[Person]:
    """Draw ``n`` people from the published ranges (see the module notes).

    Parameters
    ----------
    n
        How many people (at least 1).
    seed
        The same seed gives the same people.

    Returns
    -------
    list of Person
    """
    if n < 1:
        raise ValueError(f"a population needs at least 1 person, got n={n}")
    rng = np.random.default_rng(seed)
    return [draw_person(rng, f"p{seed}-{k:04d}") for k in range(n)]


def _through_fit(session: SimulatedSession, variant: str) -> SimulatedSession:
    """Write the session as the FIT file its device would leave and read it back."""
    from stridecheck.io.fit import parse_fit
    from stridecheck.io.fit_write import write_fit

    activity = session.activity
    data = write_fit(
        activity,
        summary=variant == "complete",
        sport_message=variant in ("complete", "no_session"),
        timer_events="events",
    )
    read = parse_fit(data, errors="ignore")
    read.meta.extra.update(activity.meta.extra)
    read.meta.extra["file_variant"] = variant
    index = pd.DatetimeIndex(read.samples.index)
    truth = session.truth_1hz.reindex(index.floor("s"))
    truth.index = index
    return dataclasses.replace(session, activity=read, truth=truth)


def simulate_person(
    person: Person,
    plan: Sequence[tuple[str, float | str]] | None = None,
    *,
    start: str | pd.Timestamp | None = None,
) -> SimulatedSession:
    """Play a plan through one person, recorded as their device and file would.

    Parameters
    ----------
    person
        From :func:`draw_population` or :func:`draw_person`.
    plan
        The plan; default the person's own (:attr:`Person.plan`).
    start
        Start time (timezone-aware); default the simulator's.

    Returns
    -------
    SimulatedSession
        With ``activity`` as a reader returns the person's file (FIT set-ups
        go through :func:`~stridecheck.io.fit_write.write_fit` and back, in the
        person's :attr:`Person.file_variant`), ``activity.meta.extra`` naming the
        person and their strata.
    """
    deviations = () if person.deviation == "as_prescribed" else (person.deviation,)
    session = simulate_session(
        plan if plan is not None else person.plan,
        athlete=person.athlete,
        sensors=person.sensors,
        deviations=deviations,
        start=start,
        random_state=person.seed,
        device=person.device,
    )
    session.activity.meta.extra.update({"person_id": person.person_id, **person.strata()})
    if person.file_variant in FILE_VARIANTS:
        session = _through_fit(session, person.file_variant)
    return session
