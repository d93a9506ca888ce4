"""Simulated run-walk sessions with per-second ground truth.

``simulate_session(plan, athlete=..., sensors=..., deviations=...)`` plays a
prescribed plan through a simulated person (:data:`ATHLETES`) who may depart
from it (:data:`DEVIATIONS`), records it with a device (:data:`SENSORS`) and
returns the :class:`~stridecheck.activity.Activity` an importer would produce
together with exactly what was done, second by second.

Athletes (:data:`ATHLETES`): ``typical``; ``slow_jogger`` (runs at 1.9-2.2 m/s,
the speed of brisk walking, at about 147 steps/min); ``brisk_walker`` (walks at
1.8-1.9 m/s and about 131 steps/min); ``fit_runner``.

Deviations (:data:`DEVIATIONS`; parameters in
:data:`~stridecheck.simulate.deviations.DEVIATION_DEFAULTS`):

=====================  ==============================================================
``walked_everything``  walks whenever a run was prescribed
``skipped_runs``       walks some prescribed runs (``fraction``, at least one)
``cut_short``          ends some runs early and walks the rest of the step
``ran_through_walks``  runs through a block of walk breaks between runs
``traffic_stops``      stands still for 10-60 s a few times (truth ``stop``); the
                       interval timer keeps running, so the stop replaces exercise
``timer_pause``        pauses the recording 30-180 s (truth ``paused``): watches write
                       one sample with ``timer_running`` False, then nothing; the plan
                       resumes where it was
``late_start``         stands 1-4 min with the recording running before starting
``stopped_halfway``    the recording ends at 40-60 % of the session
=====================  ==============================================================

People: :func:`~stridecheck.simulate.population.draw_population` draws a
population from published figures (gait, heart-rate lag, GPS error, recording
mode, FIT file variant, deviation) and
:func:`~stridecheck.simulate.population.simulate_person` records one of them
as their own device and file would; the named athletes are examples.
Devices: :class:`~stridecheck.simulate.sensors.DeviceSettings` (``device=``)
sets the recording mode (1 Hz, smart, distance filter), the GPS error and what
a watch writes during a timer pause.

Time runs on a 1 s grid: plan durations are rounded to whole seconds, and
label ``k`` of ``truth_1hz`` is what the person did during
``[start + k s, start + (k + 1) s)``. A sample stamped at second ``k`` shows
the body's state at that instant (at a change of gait, the speed starts to
change there and takes 2-4 s to settle).

Example::

    from stridecheck.simulate import simulate_session
    plan = [("walk", "5:00")] + [("run", 15), ("walk", 45)] * 10 + [("walk", "5:00")]
    session = simulate_session(plan, athlete="slow_jogger", deviations=["traffic_stops"])
    session.truth_intervals
"""

from __future__ import annotations

from stridecheck.simulate.deviations import DEVIATIONS
from stridecheck.simulate.plans import GAITS, PlanStep, normalize_plan, parse_duration
from stridecheck.simulate.population import Person, draw_population, simulate_person
from stridecheck.simulate.profiles import ATHLETES, AthleteProfile
from stridecheck.simulate.sensors import RECORDING_MODES, SENSORS, DeviceSettings
from stridecheck.simulate.session import (
    DEFAULT_START,
    TRUTH_LABELS,
    SimulatedSession,
    simulate_session,
    truth_csv_path,
    write_session,
)

__all__ = [
    "ATHLETES",
    "DEFAULT_START",
    "DEVIATIONS",
    "GAITS",
    "RECORDING_MODES",
    "SENSORS",
    "TRUTH_LABELS",
    "AthleteProfile",
    "DeviceSettings",
    "Person",
    "PlanStep",
    "SimulatedSession",
    "draw_population",
    "normalize_plan",
    "parse_duration",
    "simulate_person",
    "simulate_session",
    "truth_csv_path",
    "write_session",
]
