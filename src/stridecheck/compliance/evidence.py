"""Was a prescribed step done? The evidence of its aligned window, weighed honestly.

The blind segmentation labels every second walk, run or stop without knowing
what was prescribed. Where the signals are weak (GPS speed of a slow jogger) it
can miss a 15 s run that was done. Compliance knows more: the prescription says
*where* a run should be, and the athlete's own gait (:class:`GaitProfile`) says
what their running and walking look like. This module weighs, for each step,
the evidence of its aligned window:

1. **Signal models.** For cadence, speed and heart rate, a normal model of
   walking and one of running (:class:`SignalModel`), taken from the athlete's
   profile when it knows the gait, else from the gait model the segmenter
   fitted to this recording, else from published population figures
   (:class:`~stridecheck.segment.HmmParams` defaults).
2. **Per-second log likelihood ratio** run vs walk of each signal, capped per
   second (no single reading decides), readings beyond a gait's centre count as
   that gait, and divided by the time over which the signal's errors are
   correlated (GPS position error wanders for seconds: 8 s of speed from
   positions are one independent reading, not eight).
3. **The seconds in question.** When the segmentation already credits the step
   (``done``), the seconds it labelled in the prescribed kind are tested: were
   they really that kind, or the other one? When it does not, the seconds it
   labelled the *other* kind are tested: were they the other kind, or the
   prescribed one the segmentation could not see? Seconds standing still count
   against the step; seconds without usable data count for neither.
4. **``p_done``** is the posterior of "done" from that likelihood ratio and the
   prior that a prescribed step of an attended session is done
   (:attr:`EvidenceParams.prior_done`). The verdict is ``done`` at
   ``p_done >= 0.9``, the segmentation's verdict (``short``, ``wrong_kind``,
   ``missed``) at ``p_done <= 0.1``, and ``uncertain`` between: the data cannot
   decide, and the report says what is missing instead of accusing.
5. **What the signals resolve.** A step the segmentation did not credit is
   confirmed by the evidence only when the shortfall that separates ``done``
   from ``short`` (``1 - done share`` of the prescription) is at least
   :func:`resolution_s` long, the time over which the best signal's errors
   stay correlated: the ratio weighs running throughout against walking
   throughout, and a run cut short after half its time also lifts the speed.
   Otherwise ``p_done`` stays below the confidence bound (``uncertain``): GPS
   alone cannot time a 15 s run to the 3 s that decide done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from stridecheck.segment.features import GPS_ERROR_CORRELATION_S
from stridecheck.segment.hmm import GaitModel, HmmParams
from stridecheck.segment.profile import GaitProfile, GaitStats

__all__ = [
    "EvidenceModel",
    "EvidenceParams",
    "SignalModel",
    "StepEvidence",
    "evidence_model",
    "resolution_s",
    "step_evidence",
]

FloatArray = NDArray[np.float64]

#: Where a signal model came from.
ModelSource = Literal["profile", "activity", "population"]
#: What kept a step from being decided (``None``: it was decided).
Limit = Literal[
    "gps",
    "speed",
    "heart_rate",
    "signals",
    "no_data",
    "contradiction",
    "standing",
    "borderline",
    "shifted",
]


@dataclass(frozen=True)
class EvidenceParams:
    """Settings of the step evidence (see the module docs).

    Attributes
    ----------
    prior_done
        Prior probability that a prescribed step of an attended session was
        done as prescribed (adherent beginners do most prescribed bouts). 0-1.
    confident
        ``p_done`` from which a step is ``done``; at or below ``1 - confident``
        the segmentation's verdict stands; between, ``uncertain``. 0.5-1.
    cap_nat
        Largest log likelihood ratio one reading of one signal gives. [nat]
    cadence_correlation_s, speed_correlation_s, heart_rate_correlation_s
        Time over which errors of each signal stay correlated (speed from GPS
        positions uses the segmenter's GPS error correlation time). [s]
    speed_with_cadence
        Weight of speed where cadence is known (it mostly repeats cadence and
        lags every change of gait).
    heart_rate_min_step_s
        Heart rate (slow to respond) is only used for steps at least this long. [s]
    heart_rate_lag_s
        Heart rate at ``t + lag`` describes second ``t``. [s]
    weak_cap_nat
        Largest log likelihood ratio a step gets without cadence: GPS error
        correlated over tens of seconds makes bumps and dips as long as a bout,
        and heart rate lags by a minute, so with the default prior such
        evidence confirms a step but never accuses. [nat]
    max_unsupported_shift_s
        Steps may be moved earlier by shortening the windows of steps that were
        not done by at most this much in all; a later step credited only
        beyond that is ``uncertain`` (``"shifted"``). [s]
    borderline_s
        A step the segmentation finds short of done by no more than this is
        ``uncertain``: where a change of gait lies is known to a second or two. [s]
    temperature
        Log likelihood ratios are divided by this before the posterior is
        formed (1: as modelled; larger: less sure). Checked by the calibration
        of ``p_done`` in ``benchmarks/compliance_honesty.py``.
    """

    prior_done: float = 0.8
    confident: float = 0.9
    cap_nat: float = 3.0
    cadence_correlation_s: float = 2.0
    speed_correlation_s: float = 2.0
    heart_rate_correlation_s: float = 30.0
    speed_with_cadence: float = 0.5
    heart_rate_min_step_s: float = 120.0
    heart_rate_lag_s: float = 30.0
    weak_cap_nat: float = 3.0
    borderline_s: float = 2.0
    max_unsupported_shift_s: float = 30.0
    temperature: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 < self.prior_done < 1.0:
            raise ValueError(f"prior_done must be in (0, 1), got {self.prior_done}")
        if not 0.5 <= self.confident < 1.0:
            raise ValueError(f"confident must be in [0.5, 1), got {self.confident}")
        if self.temperature <= 0 or self.cap_nat <= 0:
            raise ValueError("temperature and cap_nat must be > 0")


@dataclass(frozen=True)
class SignalModel:
    """Walking and running of one signal as two normal distributions.

    Attributes
    ----------
    name
        ``"cadence"``, ``"speed"`` or ``"heart_rate"``.
    walk_mean, walk_sd, run_mean, run_sd
        The two distributions, in the signal's unit (steps/min, m/s, 1/min).
    correlation_s
        Time over which the signal's errors stay correlated. [s]
    weight
        Reliability weight of the signal (0-1).
    source
        ``"profile"`` (the athlete's own gait), ``"activity"`` (fitted to this
        recording by the segmenter) or ``"population"`` (published ranges).
    band
        For population figures: ``(low, high, ramp)``, the range where the
        walking of some people and the running of others overlap. Readings
        there say nothing; the ratio ramps to the cap over ``ramp`` on either
        side (a population is no person: 139 steps/min is a brisk walk for one
        and a shuffle jog for another).
    """

    name: str
    walk_mean: float
    walk_sd: float
    run_mean: float
    run_sd: float
    correlation_s: float
    weight: float
    source: ModelSource
    band: tuple[float, float, float] | None = None

    @property
    def separation(self) -> float:
        """Run mean less walk mean, in the signal's unit."""
        return self.run_mean - self.walk_mean

    @property
    def d_prime(self) -> float:
        """Separation in units of the pooled spread (how well one reading tells the gaits)."""
        return self.separation / math.sqrt(0.5 * (self.walk_sd**2 + self.run_sd**2))

    def log_ratio(self, values: FloatArray, cap: float) -> FloatArray:
        """``ln p(x | run) - ln p(x | walk)`` per reading, capped at ``+-cap``; NaN -> 0.

        Readings beyond a gait's centre (faster than running, slower than
        walking) count as that gait's centre: running faster is still running.
        """
        if self.band is not None:
            low, high, ramp = self.band
            below = np.clip((low - values) / ramp, 0.0, 1.0)
            above = np.clip((values - high) / ramp, 0.0, 1.0)
            banded = cap * (above - below)
            return np.where(np.isfinite(values), banded, 0.0)
        x = np.clip(values, self.walk_mean, max(self.run_mean, self.walk_mean))
        zr = (x - self.run_mean) / self.run_sd
        zw = (x - self.walk_mean) / self.walk_sd
        out = -0.5 * zr * zr + 0.5 * zw * zw - math.log(self.run_sd / self.walk_sd)
        out = np.clip(out, -cap, cap)
        return np.where(np.isfinite(values), out, 0.0)


@dataclass(frozen=True)
class EvidenceModel:
    """The signal models used for one activity.

    Attributes
    ----------
    cadence, speed, heart_rate
        One :class:`SignalModel` per signal the recording has (``None`` otherwise).
    gps_only
        True when speed comes from GPS positions and there is no cadence.
    """

    cadence: SignalModel | None
    speed: SignalModel | None
    heart_rate: SignalModel | None
    gps_only: bool

    @property
    def anchored(self) -> bool:
        """True with cadence: the one signal that tells the gaits apart by itself."""
        return self.cadence is not None

    @property
    def signals(self) -> tuple[SignalModel, ...]:
        """The models present, cadence first."""
        return tuple(m for m in (self.cadence, self.speed, self.heart_rate) if m is not None)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary: per signal its means, spreads, separation and source."""
        out: dict[str, object] = {"gps_only": self.gps_only}
        for model in (self.cadence, self.speed, self.heart_rate):
            if model is None:
                continue
            out[model.name] = {
                "walk_mean": round(model.walk_mean, 3),
                "walk_sd": round(model.walk_sd, 3),
                "run_mean": round(model.run_mean, 3),
                "run_sd": round(model.run_sd, 3),
                "separation": round(model.separation, 3),
                "source": model.source,
            }
        return out


@dataclass(frozen=True)
class StepEvidence:
    """What the data say about one step.

    Attributes
    ----------
    p_done
        Probability that the step was done as prescribed (0-1).
    log_ratio
        Log likelihood ratio "done" vs "not done" of the seconds in question. [nat]
    limit
        What keeps the step from being decided when ``p_done`` is between the
        confidence bounds (``None``: nothing, it cannot have been done):
        ``"gps"`` (GPS speed alone), ``"speed"`` (speed alone, no cadence),
        ``"heart_rate"`` (heart rate alone), ``"standing"`` (part of it
        looks like standing still), ``"borderline"`` (short of done by no more
        than the precision of a change of gait), ``"shifted"`` (credited only by
        moving it past steps squeezed without being done),
        ``"signals"`` (the signals overlap), ``"no_data"`` (no usable data),
        ``"contradiction"`` (the segmentation and the athlete's gait disagree).
    """

    p_done: float
    log_ratio: float
    limit: Limit | None


def _stats_pair(
    walk: GaitStats | None, run: GaitStats | None, min_sd: float
) -> tuple[float, float, float, float] | None:
    if walk is None or run is None or run.mean <= walk.mean:
        return None
    return walk.mean, max(walk.sd, min_sd), run.mean, max(run.sd, min_sd)


def _cadence_model(
    gait: GaitModel | None, profile: GaitProfile | None, hmm: HmmParams
) -> SignalModel:
    own = (
        None
        if profile is None
        else _stats_pair(profile.walk_cadence_spm, profile.run_cadence_spm, 3.0)
    )
    if own is not None:
        return SignalModel("cadence", *own, 2.0, 1.0, "profile")
    if gait is not None and gait.cadence is not None and gait.gaits_seen == "both":
        walk, run = gait.cadence
        return SignalModel(
            "cadence",
            walk.mean,
            max(walk.sd, 3.0),
            run.mean,
            max(run.sd, 3.0),
            2.0,
            1.0,
            "activity",
        )
    # published ranges: self-selected walking 117 +/- 9.3 steps/min (PMC10851523), 130
    # and more is vigorous walking (Tudor-Locke 2019), the walk-run transition near 140
    # (PMC8629136); novice running 154-160 (van Oeveren et al. 2017), shuffle jogs from
    # about 138: 135-145 is either
    return SignalModel(
        "cadence", 117.0, 9.3, 155.0, 12.0, 2.0, 1.0, "population", band=(135.0, 145.0, 10.0)
    )


def _speed_model(
    gait: GaitModel | None,
    profile: GaitProfile | None,
    hmm: HmmParams,
    *,
    from_positions: bool,
    correlation_s: float,
    weight: float,
) -> SignalModel:
    floor = 0.25 if from_positions else 0.12
    # the measurement noise of this recording: the spread the segmenter fitted
    noise = floor
    if gait is not None and gait.speed is not None:
        noise = max(floor, min(gait.speed[0].sd, gait.speed[1].sd))
    trusted_activity = (
        gait is not None
        and gait.speed is not None
        and gait.gaits_seen == "both"
        and gait.fitted_from in ("cadence", "footpod running bit")
    )
    if trusted_activity:
        assert gait is not None and gait.speed is not None
        walk, run = gait.speed
        if run.mean > walk.mean:
            return SignalModel(
                "speed", walk.mean, noise, run.mean, noise, correlation_s, weight, "activity"
            )
    own = (
        None
        if profile is None
        else _stats_pair(profile.walk_speed_mps, profile.run_speed_mps, floor)
    )
    if own is not None:
        w_mean, w_sd, r_mean, r_sd = own
        return SignalModel(
            "speed",
            w_mean,
            max(w_sd, noise),
            r_mean,
            max(r_sd, noise),
            correlation_s,
            weight,
            "profile",
        )
    if gait is not None and gait.speed is not None and gait.gaits_seen == "both":
        walk, run = gait.speed
        if run.mean > walk.mean:
            return SignalModel(
                "speed", walk.mean, noise, run.mean, noise, correlation_s, weight, "activity"
            )
    # published ranges: pedestrians 1.32 +/- 0.31 m/s, brisk walking to about 2.0;
    # slow jogs from about 1.9, novice running 2.6 m/s: 1.8-2.3 m/s is either
    return SignalModel(
        "speed",
        hmm.walk_speed_mps,
        max(0.3, noise),
        hmm.run_speed_mps,
        max(0.45, noise),
        correlation_s,
        weight,
        "population",
        band=(1.8, 2.3, 0.3),
    )


def _heart_rate_model(gait: GaitModel | None, profile: GaitProfile | None) -> SignalModel | None:
    own = (
        None
        if profile is None
        else _stats_pair(profile.walk_heart_rate_bpm, profile.run_heart_rate_bpm, 5.0)
    )
    if own is not None:
        return SignalModel("heart_rate", *own, 30.0, 0.5, "profile")
    if gait is not None and gait.heart_rate is not None:
        _, walk, run = gait.heart_rate
        if run.mean > walk.mean:
            return SignalModel(
                "heart_rate", walk.mean, walk.sd, run.mean, run.sd, 30.0, 0.5, "activity"
            )
    return None


def evidence_model(
    *,
    has_cadence: bool,
    has_speed: bool,
    has_heart_rate: bool,
    from_positions: bool,
    gait: GaitModel | None = None,
    profile: GaitProfile | None = None,
    params: EvidenceParams | None = None,
) -> EvidenceModel:
    """The signal models for one activity.

    Parameters
    ----------
    has_cadence, has_speed, has_heart_rate
        Which signals the recording carries.
    from_positions
        True when speed was derived from GPS positions (GPX, phone apps).
    gait
        The gait model the segmenter fitted to this activity (``Segmentation.model``).
    profile
        The athlete's gait profile, when known: it is preferred wherever the
        activity's own fit is not anchored by cadence.
    params
        Settings (:class:`EvidenceParams`).
    """
    p = params or EvidenceParams()
    hmm = HmmParams()
    cadence = _cadence_model(gait, profile, hmm) if has_cadence else None
    speed = None
    if has_speed:
        speed = _speed_model(
            gait,
            profile,
            hmm,
            from_positions=from_positions,
            correlation_s=GPS_ERROR_CORRELATION_S if from_positions else p.speed_correlation_s,
            weight=p.speed_with_cadence if has_cadence else 1.0,
        )
    heart = _heart_rate_model(gait, profile) if has_heart_rate else None
    return EvidenceModel(
        cadence=cadence, speed=speed, heart_rate=heart, gps_only=from_positions and not has_cadence
    )


def per_second_log_ratio(
    model: EvidenceModel,
    cadence_spm: FloatArray,
    speed_mps: FloatArray,
    params: EvidenceParams,
) -> FloatArray:
    """Log likelihood ratio run vs walk of every second, errors' correlation counted. [nat]

    Cadence below 40 steps/min (standing, or a wrist dropout) says nothing here.
    """
    total = np.zeros(len(speed_mps))
    cap = params.cap_nat
    if model.cadence is not None and len(cadence_spm):
        cad = np.where(cadence_spm >= 40.0, cadence_spm, np.nan)
        m = model.cadence
        total += m.weight * m.log_ratio(cad, cap) / m.correlation_s
    if model.speed is not None:
        m = model.speed
        total += m.weight * m.log_ratio(speed_mps, cap) / m.correlation_s
    return total


def heart_rate_log_ratio(
    model: EvidenceModel, heart_rate_bpm: FloatArray, a: int, b: int, params: EvidenceParams
) -> float:
    """Log likelihood ratio run vs walk of the heart rate late in window ``[a, b)``. [nat]

    Heart rate settles a minute or more after a change of gait: only the part
    of the window from ``heart_rate_lag_s`` on, read ``heart_rate_lag_s`` later,
    is used, and only for windows of at least ``heart_rate_min_step_s``.
    """
    m = model.heart_rate
    if m is None or b - a < params.heart_rate_min_step_s:
        return 0.0
    lag = int(params.heart_rate_lag_s)
    first, last = a + 2 * lag, min(b + lag, len(heart_rate_bpm))
    if last <= first:
        return 0.0
    ratio = m.log_ratio(heart_rate_bpm[first:last], params.cap_nat)
    return float(m.weight * ratio.sum() / m.correlation_s)


def _limit(model: EvidenceModel, usable_s: float, needed_s: float) -> Limit:
    if usable_s < needed_s:
        return "no_data"
    if model.cadence is None and model.speed is not None:
        return "gps" if model.gps_only else "speed"
    if model.cadence is None and model.speed is None:
        return "heart_rate"
    return "signals"


def step_evidence(
    *,
    kind: str,
    segmented_done: bool,
    in_kind_s: float,
    other_s: float,
    stop_s: float,
    unknown_s: float,
    prescribed_s: float,
    standing_s: float = 0.0,
    log_ratio_in_kind: float,
    log_ratio_other: float,
    model: EvidenceModel,
    done_share: float,
    params: EvidenceParams,
) -> StepEvidence:
    """Weigh the evidence that one step was done (see the module docs).

    Parameters
    ----------
    kind
        Prescribed kind, ``"run"`` or ``"walk"``.
    segmented_done
        True when the segmentation alone credits the step (verdict ``done``).
    in_kind_s, other_s, stop_s, unknown_s
        Seconds of the window the segmentation labelled the prescribed kind, the
        other kind, standing and unknown. [s] Standing still read from GPS
        alone is not proof (drift and lost fixes look like it): it then
        counts as unconfirmed, like unknown time.
    prescribed_s
        Prescribed duration. [s]
    standing_s
        Seconds labelled the prescribed kind that look like standing still
        (no steps, ground speed below 0.5 m/s). [s]
    log_ratio_in_kind, log_ratio_other
        Summed run-vs-walk log likelihood ratios of the seconds labelled the
        prescribed kind and of those labelled the other kind. [nat]
    model
        The signal models (to say what limits a decision).
    done_share
        Share of the prescription that makes a step ``done`` (0-1).
    params
        Settings.
    """
    sign = 1.0 if kind == "run" else -1.0
    needed = done_share * prescribed_s
    prior = math.log(params.prior_done / (1.0 - params.prior_done))
    if segmented_done:
        # were the seconds labelled the prescribed kind really that kind?
        llr = sign * log_ratio_in_kind
        limit: Limit | None = "contradiction"
        if in_kind_s - standing_s < needed:
            # part of it looks like standing still: done only if that is a sensor's error
            llr = min(llr, 0.0)
            limit = "standing"
    elif 0.0 < needed - in_kind_s <= params.borderline_s:
        # short of done by no more than where a change of gait can be placed
        return StepEvidence(p_done=params.prior_done, log_ratio=0.0, limit="borderline")
    else:
        # GPS alone fakes standing still (drift, a lost fix): its stops are not proof
        standing_s = 0.0 if model.gps_only else stop_s
        if prescribed_s - standing_s < needed:
            # standing still took the time: the step cannot have been done
            return StepEvidence(p_done=0.0, log_ratio=-math.inf, limit=None)
        # were the seconds labelled the other kind really the other kind?
        llr = sign * log_ratio_other
        limit = _limit(model, in_kind_s + other_s, needed)
        if in_kind_s + other_s < needed:
            # not enough usable data to confirm it either way
            llr = min(llr, 0.0)
            limit = "gps" if model.gps_only and stop_s > unknown_s else "no_data"
    if not model.anchored:
        # without cadence, a bump or a dip of a bout's length can be GPS error
        # alone (it wanders for tens of seconds in towns): it confirms, never accuses
        llr = max(min(llr, params.weak_cap_nat), -params.weak_cap_nat)
    z = llr / params.temperature + prior
    p_done = 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
    if not segmented_done and prescribed_s - needed < resolution_s(model):
        # the ratio weighs "run throughout" against "walked throughout", but a step
        # not done is mostly one cut short: telling done from short needs the last
        # (1 - done share) of the step resolved, and signals whose errors stay
        # correlated longer than that cannot (GPS: 3 s of a 15 s run against 8 s)
        p_done = min(p_done, 0.5 * (params.prior_done + params.confident))
    return StepEvidence(p_done=p_done, log_ratio=llr, limit=limit)


def resolution_s(model: EvidenceModel) -> float:
    """Shortest stretch the step evidence resolves: its best signal's correlation time. [s]

    Cadence first (it tells the gaits apart by itself), else speed, else heart
    rate; 0 without any signal.
    """
    signals = model.signals
    return signals[0].correlation_s if signals else 0.0
