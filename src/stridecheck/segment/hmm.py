"""The hidden Markov model segmenter: stop / walk / run from every signal there is.

Three hidden states (stop, walk, run). Each sample contributes log evidence
from each signal it carries, capped per signal so no single reading decides
alone, weighted by how reliable the signal is, and scaled by the time the
sample stands for (so irregular sampling needs no resampling). Switching state
costs a fixed number of nats, which sets how much evidence a bout needs to
survive: a 15 s run bout with clear cadence survives, a 2 s glitch does not.
The most likely sequence is found with :func:`~stridecheck.segment.viterbi.viterbi_decode`.

Thresholds adapt to the athlete: the walking and running cadence of *this*
activity are fitted as a two-cluster mixture, and the speed and heart rate of
each gait are then learned from the cadence clusters (or from the footpod's
running bit). Without either, the speed clusters are fitted directly: first
to speed smoothed over a few seconds and refined by Viterbi training (GPS
speed is noisy); when that finds one gait only, brief running bouts may have
been smoothed away, so a two-cluster mixture with one common spread is fitted
to the unsmoothed speeds, decoded, and kept only when the faster bouts clearly
stand out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from stridecheck.messages import Text
from stridecheck.segment.features import (
    DEVICE_RUN,
    DEVICE_STOP,
    DEVICE_WALK,
    GPS_ERROR_CORRELATION_S,
    NO_DEVICE_LABEL,
    Evidence,
)
from stridecheck.segment.notes import ONLY_RUNNING, ONLY_WALKING
from stridecheck.segment.profile import GaitProfile, GaitStats
from stridecheck.segment.viterbi import viterbi_decode

__all__ = [
    "RUN",
    "STATE_NAMES",
    "STOP",
    "WALK",
    "GaitModel",
    "HmmParams",
    "HmmResult",
    "changing_gait",
    "fit_gait_model",
    "hmm_evidence",
    "sample_weights",
    "segment_hmm",
    "unusable_stretches",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Hidden states, in the order of the evidence columns.
STOP, WALK, RUN = 0, 1, 2
STATE_NAMES: tuple[str, str, str] = ("stop", "walk", "run")
_LOG_FLOOR = math.log(1e-4)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class HmmParams:
    """Tunable settings of the HMM segmenter (defaults from the walk/run literature).

    Attributes
    ----------
    cadence_cut_spm
        Prior walk/run cadence boundary, used when one gait only is present. [steps/min]
    speed_cut_mps
        Prior walk/run speed boundary, used without cadence. [m/s]
    walk_cadence_spm, run_cadence_spm
        Prior cluster centres. [steps/min]
    walk_speed_mps, run_speed_mps
        Prior cluster centres. [m/s]
    stop_cadence_spm
        Cadence below which a reading means standing (or a dropout). [steps/min]
    stop_speed_mps
        Scale of the speed read while standing (doubled for speed from positions). [m/s]
    moving_speed_mps
        A cadence near zero while the speed is at least this is read as a
        cadence dropout, not as standing. [m/s]
    min_cadence_gap_spm, min_speed_gap_mps
        Separation of two fitted clusters above which both gaits are accepted
        as present without further checks. [steps/min], [m/s]
    close_cadence_gap_spm, close_gait_ashman_d, close_run_cadence_spm, close_gait_speed_gain_mps
        Close gaits (a shuffle jog beside brisk walking): cadence clusters
        closer than ``min_cadence_gap_spm`` but at least ``close_cadence_gap_spm``
        apart are both accepted when they stand out from the measured spread
        (Ashman's D at least ``close_gait_ashman_d``), the faster one is at a
        running cadence (at least ``close_run_cadence_spm``, just below the
        134-141 steps/min cuts of Hum Mov Sci 2023;90:103117) and, where
        there is speed, the faster cadence goes with a speed at least
        ``close_gait_speed_gain_mps`` higher. [steps/min], -, [steps/min], [m/s]
    steady_cadence_tolerance_spm
        Close gaits are judged on steady readings only: those within this of
        both neighbours (transitions between gaits left out). [steps/min]
    close_speed_gap_mps, close_run_speed_mps, close_cadence_step_spm
        When walking and running cadences overlap, clean speed (footpod or
        device, not positions) shows the two gaits: two speed clusters at least
        ``close_speed_gap_mps`` apart (Ashman's D at least
        ``close_gait_ashman_d``), the faster at least ``close_run_speed_mps``
        (the walk-run transition near 2.0 m/s, PMC8629136), whose steps are at
        least ``close_cadence_step_spm`` quicker and at a running cadence.
        [m/s], [m/s], [steps/min]
    close_min_gait_s, close_min_share
        Each of two close gaits needs at least this much steady time [s] and
        this share of it.
    min_speed_ashman_d
        Without cadence, the speed clusters must also be this well separated
        (Ashman's D, separation over pooled spread).
    min_cadence_ashman_d
        The same for the cadence clusters.
    speed_fit_window_s
        Without cadence, speed is averaged over this window before the
        clusters are fitted (GPS noise). [s]
    min_speed_contrast_mps, min_gain_per_switch
        Without cadence, faster bouts found only by decoding count as running
        when they are at least this much faster than the walking [m/s] and
        explain the speed better than one gait by at least this many nats per
        switch of gait (speed errors counted once per GPS error correlation time). [nat]
    speed_contrast_noise_factor
        Without cadence, the smallest contrast between walking and running
        speed is judged against the noise measured in this file: it is
        ``min_speed_contrast_mps`` or this many times the standard error of a
        bout's mean speed, whichever is smaller (a slow jogger 0.3-0.5 m/s above
        their brisk walk is running when the data are clean enough to show it).
    gps_only_confidence
        Without cadence, with speed from GPS positions, a second's confidence
        is scaled by this: GPS error wanders for tens of seconds and the speed
        is smoothed over seconds, so even where the model is sure about one in
        ten seconds near a change of gait is wrong (calibrated on simulated
        people, ``benchmarks/compliance_honesty.py``).
    profile_prior_seconds
        Weight of an athlete's :class:`~stridecheck.segment.profile.GaitProfile`
        (``segment(..., profile=)``) as a prior, in seconds of data. [s]
    run_walk_cost, walk_stop_cost, run_stop_cost
        Cost of one switch between the two states. [nat]
    evidence_cap
        Largest log-evidence difference one signal gives per second. [nat/s]
    cadence_weight, footpod_speed_weight, gps_speed_weight, positions_speed_weight, rsc_weight,
    split_weight, lap_weight, heart_rate_weight
        Reliability weights of the signals.
    speed_with_cadence
        Factor on the speed weight at samples that also have a cadence.
    heart_rate_lag_s
        Heart rate at ``t + lag`` is read as evidence for ``t``. [s]
    max_sample_weight_s
        Most time one sample can stand for. [s]
    bridge_s
        Gaps in usable data up to this long are bridged from what surrounds
        them; longer ones are labelled ``unknown``. [s]
    sensor_lag_s
        Readings describe the time just before them (cadence and speed are
        averaged over the last steps, this long), so a boundary between two
        steady readings is moved half this much earlier than halfway between
        them, and one next to a reading caught in the change this much before
        that reading. [s]
    changing_cadence_z
        A cadence reading between the walking and running clusters, more than
        this many of their spreads from each, is caught in a change of gait:
        it opens the gait being changed to, and the boundary goes
        ``sensor_lag_s`` before it, not halfway across the gap to the
        neighbouring sample.
    prior_seconds
        Strength of the priors when fitting clusters, in seconds of data. [s]
    labelled_speed_prior_s
        Strength of the speed priors when each sample's gait is already known
        (from cadence or the footpod's running bit): the speeds are then
        measured, not guessed, and a slow jogger's two minutes of running at
        1.8 m/s must not be pulled towards the population's 2.7 m/s (which
        would hand the running of a cadence dropout to walking). [s]
    min_fit_samples
        Fewest readings the cadence or smoothed-speed clusters are fitted from.
    min_evidence_samples
        Fewest readings of the footpod's running bit or of heart rate for them
        to teach the gaits' speed or heart rate, and fewest moving speeds for
        the speed-only clusters to be trained.
    cadence_sd_spm, cadence_min_sd_spm
        Prior spread of each gait's cadence, and the least spread fitted. [steps/min]
    walk_speed_sd_mps, run_speed_sd_mps
        Prior spread of each gait's speed (speed from a device). [m/s]
    positions_walk_speed_sd_mps, positions_run_speed_sd_mps
        The same for speed derived from positions. [m/s]
    speed_min_sd_mps, positions_speed_min_sd_mps
        Least spread of a fitted speed cluster, device and positions speed. [m/s]
    positions_stop_speed_factor
        Factor on ``stop_speed_mps`` for speed derived from positions.
    min_fit_speed_mps
        Speeds below this are left out of the speed clusters (standing). [m/s]
    min_gait_s
        Least time each of two fitted clusters must hold for both gaits to be
        accepted as present. [s]
    min_cadence_share, min_speed_share
        Least share of the time each of two cadence (speed) clusters must hold.
    min_speed_apart_mps
        Running speed learnt from the gaits is kept at least this far above the
        walking speed. [m/s]
    walk_heart_rate_bpm, run_heart_rate_bpm, heart_rate_sd_bpm
        Prior heart rate of each gait and its spread. [1/min]
    heart_rate_min_sd_bpm
        Least spread of a fitted heart-rate cluster. [1/min]
    heart_rate_gap_bpm
        Running heart rate must exceed walking by this much to be used; standing
        is modelled this much below walking, this much wider. [1/min]
    heart_rate_evidence_cap
        Largest log-evidence difference heart rate gives per second. [nat/s]
    low_cadence_factor
        Factor on the evidence of a cadence below ``stop_cadence_spm`` (it may
        be a wrist dropout).
    rsc_match_p, split_match_p, lap_match_p
        Probability that the footpod's running bit, a device split's or a lap's
        label names the true state.
    speed_training_rounds
        Rounds of Viterbi training of the speed-only clusters (at least one).
    min_run_s
        Least running time decoded for speed-only running bouts to be kept. [s]
    speed_error_correlation_s, positions_error_correlation_s
        Time over which errors of device speed, and of speed from positions,
        are correlated: the likelihood gain of two gaits is counted once per
        this time. [s]
    """

    cadence_cut_spm: float = 137.0
    speed_cut_mps: float = 2.0
    walk_cadence_spm: float = 115.0
    run_cadence_spm: float = 160.0
    walk_speed_mps: float = 1.45
    run_speed_mps: float = 2.7
    stop_cadence_spm: float = 40.0
    stop_speed_mps: float = 0.25
    moving_speed_mps: float = 0.8
    min_cadence_gap_spm: float = 15.0
    close_cadence_gap_spm: float = 6.0
    close_gait_ashman_d: float = 2.5
    close_run_cadence_spm: float = 133.0
    close_gait_speed_gain_mps: float = 0.15
    steady_cadence_tolerance_spm: float = 5.0
    close_speed_gap_mps: float = 0.3
    close_run_speed_mps: float = 1.9
    close_cadence_step_spm: float = 3.0
    close_min_gait_s: float = 20.0
    close_min_share: float = 0.02
    min_speed_gap_mps: float = 0.35
    min_speed_ashman_d: float = 2.0
    min_cadence_ashman_d: float = 2.0
    min_speed_contrast_mps: float = 0.55
    min_gain_per_switch: float = 2.5
    speed_contrast_noise_factor: float = 3.0
    profile_prior_seconds: float = 300.0
    gps_only_confidence: float = 0.92
    speed_fit_window_s: float = 10.0
    run_walk_cost: float = 8.0
    walk_stop_cost: float = 10.0
    run_stop_cost: float = 14.0
    evidence_cap: float = 4.0
    cadence_weight: float = 1.0
    footpod_speed_weight: float = 0.8
    gps_speed_weight: float = 0.7
    positions_speed_weight: float = 0.6
    speed_with_cadence: float = 0.5
    rsc_weight: float = 0.6
    split_weight: float = 0.4
    lap_weight: float = 0.15
    heart_rate_weight: float = 0.1
    heart_rate_lag_s: float = 30.0
    max_sample_weight_s: float = 10.0
    bridge_s: float = 30.0
    sensor_lag_s: float = 1.0
    changing_cadence_z: float = 2.5
    prior_seconds: float = 30.0
    labelled_speed_prior_s: float = 5.0
    min_fit_samples: float = 5.0
    min_evidence_samples: float = 10.0
    cadence_sd_spm: float = 8.0
    cadence_min_sd_spm: float = 3.0
    walk_speed_sd_mps: float = 0.2
    run_speed_sd_mps: float = 0.35
    positions_walk_speed_sd_mps: float = 0.3
    positions_run_speed_sd_mps: float = 0.5
    speed_min_sd_mps: float = 0.12
    positions_speed_min_sd_mps: float = 0.25
    positions_stop_speed_factor: float = 2.0
    min_fit_speed_mps: float = 0.7
    min_gait_s: float = 10.0
    min_cadence_share: float = 0.01
    min_speed_share: float = 0.05
    min_speed_apart_mps: float = 0.2
    walk_heart_rate_bpm: float = 110.0
    run_heart_rate_bpm: float = 150.0
    heart_rate_sd_bpm: float = 15.0
    heart_rate_min_sd_bpm: float = 6.0
    heart_rate_gap_bpm: float = 5.0
    heart_rate_evidence_cap: float = 2.0
    low_cadence_factor: float = 0.5
    rsc_match_p: float = 0.9
    split_match_p: float = 0.8
    lap_match_p: float = 0.6
    speed_training_rounds: float = 3.0
    min_run_s: float = 30.0
    speed_error_correlation_s: float = 2.0
    positions_error_correlation_s: float = GPS_ERROR_CORRELATION_S

    def speed_min_sd(self, source: str) -> float:
        """Least spread of a fitted speed cluster for speed from ``source``. [m/s]"""
        return self.positions_speed_min_sd_mps if source == "positions" else self.speed_min_sd_mps

    def speed_weight(self, source: str) -> float:
        """Reliability weight of speed from ``source`` (``footpod``, ``gps``, ``positions``)."""
        return {
            "footpod": self.footpod_speed_weight,
            "gps": self.gps_speed_weight,
            "positions": self.positions_speed_weight,
        }.get(source, 0.0)

    def cost_matrix(self) -> FloatArray:
        """Switch costs between (stop, walk, run), zero on the diagonal. [nat]"""
        c = np.zeros((3, 3))
        c[WALK, RUN] = c[RUN, WALK] = self.run_walk_cost
        c[STOP, WALK] = c[WALK, STOP] = self.walk_stop_cost
        c[STOP, RUN] = c[RUN, STOP] = self.run_stop_cost
        return c


@dataclass
class Gaussian:
    """A 1-D normal distribution. ``mean`` and ``sd`` in the signal's unit."""

    mean: float
    sd: float


@dataclass
class GaitModel:
    """Per-activity model of walking and running, fitted to the data.

    Attributes
    ----------
    cadence
        ``(walk, run)`` cadence clusters [steps/min], or ``None`` without cadence.
    speed
        ``(walk, run)`` speed clusters [m/s], or ``None`` without speed.
    stop_speed_sd
        Spread of speed read while standing. [m/s]
    heart_rate
        ``(stop, walk, run)`` heart rate per state [1/min], or ``None``.
    gaits_seen
        ``"both"``, ``"walk"`` or ``"run"``: which gaits the mixture found.
    fitted_from
        ``"cadence"``, ``"footpod running bit"``, ``"speed"``, ``"profile"``
        (speed clusters from the athlete's gait profile) or ``"none"``.
    notes
        Remarks for the methods text, as messages (:mod:`stridecheck.segment.notes`).
    """

    cadence: tuple[Gaussian, Gaussian] | None
    speed: tuple[Gaussian, Gaussian] | None
    stop_speed_sd: float
    heart_rate: tuple[Gaussian, Gaussian, Gaussian] | None
    gaits_seen: str
    fitted_from: str
    notes: list[Text] = field(default_factory=list)

    def cadence_boundary_spm(self) -> float:
        """Cadence where walking and running are equally likely. [steps/min]"""
        return _boundary(self.cadence) if self.cadence else float("nan")

    def speed_boundary_mps(self) -> float:
        """Speed where walking and running are equally likely. [m/s]"""
        return _boundary(self.speed) if self.speed else float("nan")


def _boundary(pair: tuple[Gaussian, Gaussian]) -> float:
    lo, hi = pair
    xs = np.linspace(lo.mean, hi.mean, 512)
    diff = _logpdf(xs, lo) - _logpdf(xs, hi)
    idx = int(np.argmin(np.abs(diff)))
    return float(xs[idx])


def _logpdf(x: FloatArray, g: Gaussian) -> FloatArray:
    z = (x - g.mean) / g.sd
    return -0.5 * z * z - math.log(g.sd) - _HALF_LOG_2PI


@dataclass
class HmmResult:
    """What the HMM decoded, in time order.

    Attributes
    ----------
    states
        State per sample (:data:`STOP`, :data:`WALK`, :data:`RUN`).
    margin
        Max-marginal margin of the decoded state per sample. [nat]
    model
        The gait model used.
    """

    states: NDArray[np.intp]
    margin: FloatArray
    model: GaitModel


def sample_weights(ev: Evidence, max_weight_s: float) -> FloatArray:
    """Time each sample stands for: half the spacing to each neighbour, capped. [s]"""
    n = len(ev)
    if n == 0:
        return np.zeros(0)
    if n == 1:
        return np.ones(1)
    span = np.minimum(ev.span_s, max_weight_s)
    w = np.empty(n)
    w[0] = span[0]
    w[1:-1] = 0.5 * (span[:-2] + span[1:-1])
    w[-1] = span[-2]
    return np.maximum(w, 0.0)


def _two_cluster_fit(
    x: FloatArray,
    w: FloatArray,
    lo: Gaussian,
    hi: Gaussian,
    *,
    prior_weight: float,
    min_sd: float,
    iterations: int = 25,
) -> tuple[Gaussian, Gaussian, float, float]:
    """Weighted EM for two 1-D normal clusters, shrunk towards prior centres.

    Returns the two clusters and the total weight assigned to each.
    """
    m = np.array([lo.mean, hi.mean])
    s = np.array([lo.sd, hi.sd])
    pi = np.array([0.5, 0.5])
    prior_m = m.copy()
    resp = np.zeros((2, len(x)))
    for _ in range(iterations):
        for k in range(2):
            z = (x - m[k]) / s[k]
            resp[k] = np.log(pi[k]) - 0.5 * z * z - np.log(s[k])
        top = np.max(resp, axis=0)
        resp = np.exp(resp - top)
        resp /= resp.sum(axis=0)
        wk = resp * w
        tot = wk.sum(axis=1)
        new_m = (wk @ x + prior_weight * prior_m) / (tot + prior_weight)
        var = (np.sum(wk * (x[None, :] - new_m[:, None]) ** 2, axis=1) + prior_weight * s**2) / (
            tot + prior_weight
        )
        s = np.maximum(np.sqrt(var), min_sd)
        pi = np.clip(tot / max(tot.sum(), 1e-9), 1e-3, 1.0)
        # np.allclose(new_m, m, atol=1e-3), without its overhead
        if bool(np.all(np.abs(new_m - m) <= 1e-3 + 1e-5 * np.abs(m))):
            m = new_m
            break
        m = new_m
    return (
        Gaussian(float(m[0]), float(s[0])),
        Gaussian(float(m[1]), float(s[1])),
        float(tot[0]),
        float(tot[1]),
    )


def _quantiles(x: FloatArray, w: FloatArray, qs: tuple[float, ...]) -> tuple[float, ...]:
    """Weighted quantiles (``w`` is the time each value stands for)."""
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    if cum[-1] <= 0:
        return tuple(float(np.quantile(x, q)) for q in qs)
    pos = (cum - 0.5 * w[order]) / cum[-1]
    return tuple(float(np.interp(q, pos, x[order])) for q in qs)


def _binned(x: FloatArray, w: FloatArray, bins: int = 256) -> tuple[FloatArray, FloatArray]:
    """Weighted histogram (bin centres, weights): EM on it is fast and all but exact."""
    lo, hi = float(np.min(x)), float(np.max(x))
    if len(x) <= bins or hi <= lo:
        return x, w
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi), weights=w)
    keep = counts > 0
    centres = 0.5 * (edges[:-1] + edges[1:])
    return centres[keep], counts[keep]


def _one_cluster(x: FloatArray, w: FloatArray, min_sd: float) -> Gaussian:
    tot = float(w.sum())
    mean = float(w @ x / tot)
    sd = math.sqrt(float(w @ (x - mean) ** 2) / tot)
    return Gaussian(mean, max(sd, min_sd))


def _fit_gaits(
    x: FloatArray,
    w: FloatArray,
    walk: Gaussian,
    run: Gaussian,
    *,
    cut: float,
    min_gap: float,
    min_sd: float,
    prior_seconds: float,
    min_ashman_d: float,
    min_share: float,
    min_gait_s: float,
) -> tuple[tuple[Gaussian, Gaussian], str]:
    """Fit walking and running clusters of one signal; keep one if only one gait is there."""
    if len(x) == 0 or float(w.sum()) <= 0:
        return (walk, run), "none"
    x, w = _binned(x, w)
    # start from the data's own spread, so a bad prior cannot trap the fit
    q_lo, q_hi, median = _quantiles(x, w, (0.15, 0.9, 0.5))
    start_lo = Gaussian(float(q_lo), walk.sd)
    start_hi = Gaussian(float(max(q_hi, q_lo + min_gap)), run.sd)
    lo, hi, w_lo, w_hi = _two_cluster_fit(
        x, w, start_lo, start_hi, prior_weight=prior_seconds, min_sd=min_sd
    )
    # Ashman's D: separation of the two clusters in units of their pooled spread
    ashman_d = math.sqrt(2.0) * (hi.mean - lo.mean) / math.hypot(lo.sd, hi.sd)
    both = (
        hi.mean - lo.mean >= min_gap
        and min(w_lo, w_hi) >= max(min_gait_s, min_share * float(w.sum()))
        and ashman_d >= min_ashman_d
    )
    if both:
        # one pooled spread: the walk/run boundary then lies midway between the
        # clusters instead of being pushed towards the tighter one
        pooled = math.sqrt(0.5 * (lo.sd**2 + hi.sd**2))
        return (Gaussian(lo.mean, pooled), Gaussian(hi.mean, pooled)), "both"
    single = _one_cluster(x, w, min_sd)
    if median >= cut:
        gap = max(run.mean - walk.mean, min_gap)
        walk_fix = Gaussian(min(walk.mean, single.mean - gap), walk.sd)
        return (walk_fix, single), "run"
    gap = max(run.mean - walk.mean, min_gap)
    run_fix = Gaussian(max(run.mean, single.mean + gap), run.sd)
    return (single, run_fix), "walk"


def _steady(ev: Evidence, values: FloatArray, tolerance: float, max_gap_s: float) -> BoolArray:
    """True where a reading agrees with both neighbours within ``tolerance``.

    Readings taken while the gait changes (cadence ramps over 1-3 s) and lone
    glitches are left out, so clusters fitted to the rest show the gaits
    themselves, not the transitions between them. A neighbour further than
    ``max_gap_s`` away does not count as agreeing.
    """
    n = len(values)
    out = np.zeros(n, dtype=bool)
    if n < 3:
        return np.isfinite(values)
    diff = np.abs(np.diff(values))
    near = np.diff(ev.t_s) <= max_gap_s
    agree = near & (diff <= tolerance)
    out[1:-1] = agree[:-1] & agree[1:]
    return out & np.isfinite(values)


#: Quantiles the two close-gait clusters start from (EM starting points, not
#: settings), and the wider pair used when the first lie too close together.
_CLOSE_START_QUANTILES = (0.15, 0.9)
_CLOSE_WIDE_QUANTILES = (0.05, 0.97)


def _close_cadence_pair(
    cad: FloatArray,
    w: FloatArray,
    speed: FloatArray,
    params: HmmParams,
    *,
    min_sd: float,
    use_speed: bool,
) -> tuple[tuple[Gaussian, Gaussian], tuple[Gaussian, Gaussian] | None] | None:
    """Two close cadence clusters (a shuffle jog beside brisk walking), or ``None``.

    Accepted only when the data show two gaits, either way:

    - by speed, first (``use_speed``): clean speed (not from positions) falls
      into two clusters separated against their spread, the faster at a
      running speed, and the steps of the faster cluster are quicker and at a
      running cadence (step changes that line up with speed changes); the
      cadences themselves may overlap;
    - by cadence: the clusters are separated against their measured spread,
      the faster one is at a running cadence, and (with speed) the faster
      cadence goes with a faster speed.

    See the ``close_*`` fields of :class:`HmmParams`.

    Returns
    -------
    tuple or None
        The cadence clusters, and the speed clusters when speed decided
        (``None`` otherwise); ``None`` when one gait only is shown.
    """
    if use_speed:
        by_speed = _close_by_speed(cad, w, speed, params, min_sd=min_sd)
        if by_speed is not None:
            return by_speed
    pair = _close_by_cadence(cad, w, speed, params, min_sd=min_sd)
    return None if pair is None else (pair, None)


def _close_by_cadence(
    cad: FloatArray,
    w: FloatArray,
    speed: FloatArray,
    params: HmmParams,
    *,
    min_sd: float,
) -> tuple[Gaussian, Gaussian] | None:
    xb, wb = _binned(cad, w)
    q_lo, q_hi = _quantiles(xb, wb, _CLOSE_START_QUANTILES)
    if q_hi - q_lo < params.close_cadence_gap_spm:
        q_lo, q_hi = _quantiles(xb, wb, _CLOSE_WIDE_QUANTILES)
    lo, hi, w_lo, w_hi = _two_cluster_fit(
        xb, wb, Gaussian(q_lo, min_sd), Gaussian(q_hi, min_sd), prior_weight=0.0, min_sd=min_sd
    )
    ashman_d = math.sqrt(2.0) * (hi.mean - lo.mean) / math.hypot(lo.sd, hi.sd)
    total = float(w.sum())
    if not (
        hi.mean - lo.mean >= params.close_cadence_gap_spm
        and ashman_d >= params.close_gait_ashman_d
        and hi.mean >= params.close_run_cadence_spm
        and min(w_lo, w_hi) >= max(params.close_min_gait_s, params.close_min_share * total)
    ):
        return None
    pooled = math.sqrt(0.5 * (lo.sd**2 + hi.sd**2))
    pair = (Gaussian(lo.mean, pooled), Gaussian(hi.mean, pooled))
    v_ok = np.isfinite(speed)
    if w[v_ok].sum() >= 2 * params.close_min_gait_s:
        is_hi = _logpdf(cad, pair[1]) > _logpdf(cad, pair[0])
        fast, slow = v_ok & is_hi, v_ok & ~is_hi
        if min(w[fast].sum(), w[slow].sum()) < params.close_min_gait_s:
            return None
        v_fast = float(np.average(speed[fast], weights=w[fast]))
        v_slow = float(np.average(speed[slow], weights=w[slow]))
        if v_fast - v_slow < params.close_gait_speed_gain_mps:
            return None
    return pair


def _close_by_speed(
    cad: FloatArray,
    w: FloatArray,
    speed: FloatArray,
    params: HmmParams,
    *,
    min_sd: float,
) -> tuple[tuple[Gaussian, Gaussian], tuple[Gaussian, Gaussian]] | None:
    ok = np.isfinite(speed) & (speed >= params.min_fit_speed_mps)
    if w[ok].sum() < 2 * params.close_min_gait_s:
        return None
    xb, wb = _binned(speed[ok], w[ok])
    q_lo, q_hi = _quantiles(xb, wb, _CLOSE_START_QUANTILES)
    sd0 = params.speed_min_sd("footpod")
    lo, hi, w_lo, w_hi = _two_cluster_fit(
        xb, wb, Gaussian(q_lo, sd0), Gaussian(q_hi, sd0), prior_weight=0.0, min_sd=sd0
    )
    ashman_d = math.sqrt(2.0) * (hi.mean - lo.mean) / math.hypot(lo.sd, hi.sd)
    if not (
        hi.mean - lo.mean >= params.close_speed_gap_mps
        and ashman_d >= params.close_gait_ashman_d
        and hi.mean >= params.close_run_speed_mps
        and min(w_lo, w_hi)
        >= max(params.close_min_gait_s, params.close_min_share * float(w[ok].sum()))
    ):
        return None
    is_hi = ok & (_logpdf(speed, hi) > _logpdf(speed, lo))
    is_lo = ok & ~is_hi
    c_fast = _weighted_gaussian(cad[is_hi], w[is_hi], Gaussian(0.0, min_sd), 0.0, min_sd)
    c_slow = _weighted_gaussian(cad[is_lo], w[is_lo], Gaussian(0.0, min_sd), 0.0, min_sd)
    if c_fast.mean < params.close_run_cadence_spm or c_fast.mean - c_slow.mean < (
        params.close_cadence_step_spm
    ):
        return None
    pooled = math.sqrt(0.5 * (c_slow.sd**2 + c_fast.sd**2))
    v_pooled = math.sqrt(0.5 * (lo.sd**2 + hi.sd**2))
    return (
        (Gaussian(c_slow.mean, pooled), Gaussian(c_fast.mean, pooled)),
        (Gaussian(lo.mean, v_pooled), Gaussian(hi.mean, v_pooled)),
    )


def _weighted_gaussian(
    x: FloatArray, w: FloatArray, fallback: Gaussian, prior_seconds: float, min_sd: float
) -> Gaussian:
    ok = np.isfinite(x) & (w > 0)
    tot = float(w[ok].sum())
    if tot <= 0:
        return fallback
    xs, ws = x[ok], w[ok]
    mean = (float(ws @ xs) + prior_seconds * fallback.mean) / (tot + prior_seconds)
    var = (float(ws @ (xs - mean) ** 2) + prior_seconds * fallback.sd**2) / (tot + prior_seconds)
    return Gaussian(mean, max(math.sqrt(var), min_sd))


def _speed_per_gait(
    speed: FloatArray,
    weights: FloatArray,
    run_share: FloatArray,
    priors: tuple[Gaussian, Gaussian],
    *,
    params: HmmParams,
    min_sd: float,
    keep_apart: bool = True,
) -> tuple[Gaussian, Gaussian]:
    """Walking and running speed from samples whose gait is known (share of running, 0-1).

    With ``keep_apart`` the running speed is kept at least a little above the
    walking speed (the gait clusters then still say something where they overlap).
    """
    prior_s = params.labelled_speed_prior_s
    walk_v = _weighted_gaussian(speed, weights * (1 - run_share), priors[0], prior_s, min_sd)
    run_v = _weighted_gaussian(speed, weights * run_share, priors[1], prior_s, min_sd)
    apart = params.min_speed_apart_mps
    if keep_apart and run_v.mean <= walk_v.mean + apart:
        run_v = Gaussian(walk_v.mean + max(apart, params.min_speed_gap_mps), run_v.sd)
    pooled = math.sqrt(0.5 * (walk_v.sd**2 + run_v.sd**2))
    return Gaussian(walk_v.mean, pooled), Gaussian(run_v.mean, pooled)


def changing_gait(ev: Evidence, model: GaitModel, params: HmmParams) -> BoolArray:
    """Samples whose cadence lies between the walking and running clusters.

    Such a reading was taken while the athlete changed gait (a device averages
    cadence over the last steps): it dates the change better than the middle of
    the gap to the neighbouring sample, which with smart recording can be 7 s.

    Parameters
    ----------
    ev
        Evidence in time order.
    model
        The fitted gait model; without cadence clusters nothing is changing.
    params
        ``changing_cadence_z``: how many cluster spreads from both gaits. [1]

    Returns
    -------
    numpy.ndarray of bool
        Per sample, time order.
    """
    out = np.zeros(len(ev), dtype=bool)
    if model.cadence is None or model.gaits_seen != "both":
        return out
    walk, run = model.cadence
    z = params.changing_cadence_z
    lo = walk.mean + z * walk.sd
    hi = run.mean - z * run.sd
    if hi <= lo:
        return out
    cad = ev.cadence_spm
    with np.errstate(invalid="ignore"):
        out = np.isfinite(cad) & (cad > lo) & (cad < hi)
    return np.asarray(out, dtype=bool)


def _lagged(ev: Evidence, values: FloatArray, lag_s: float) -> FloatArray:
    ok = np.isfinite(values)
    if ok.sum() < 2:
        return np.full(len(ev), np.nan)
    shifted = np.interp(ev.t_s + lag_s, ev.t_s[ok], values[ok], left=np.nan, right=np.nan)
    return np.asarray(shifted, dtype=float)


def _smoothed(ev: Evidence, values: FloatArray, window_s: float) -> FloatArray:
    """Centred moving average over ``window_s`` seconds of time (NaNs skipped)."""
    ok = np.isfinite(values)
    if window_s <= 0 or ok.sum() < 2:
        return values
    w = np.where(ok, 1.0, 0.0)
    csum = np.concatenate([[0.0], np.cumsum(np.where(ok, values, 0.0))])
    ccnt = np.concatenate([[0.0], np.cumsum(w)])
    lo = np.searchsorted(ev.t_s, ev.t_s - window_s / 2.0, side="left")
    hi = np.searchsorted(ev.t_s, ev.t_s + window_s / 2.0, side="right")
    cnt = ccnt[hi] - ccnt[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (csum[hi] - csum[lo]) / cnt
    return np.where(cnt > 0, out, np.nan)


def _profile_pair(
    walk: GaitStats | None, run: GaitStats | None, min_sd: float
) -> tuple[Gaussian, Gaussian] | None:
    """An athlete's walking and running clusters of one signal, when both are known."""
    if walk is None or run is None or run.mean <= walk.mean:
        return None
    return (
        Gaussian(walk.mean, math.hypot(walk.sd, min_sd)),
        Gaussian(run.mean, math.hypot(run.sd, min_sd)),
    )


def _cadence_from_profile(
    x: FloatArray,
    w: FloatArray,
    prior: tuple[Gaussian, Gaussian],
    params: HmmParams,
    *,
    min_sd: float,
) -> tuple[tuple[Gaussian, Gaussian], str]:
    """Cadence clusters fitted with the athlete's own clusters as a strong prior."""
    xb, wb = _binned(x, w)
    lo, hi, w_lo, w_hi = _two_cluster_fit(
        xb, wb, prior[0], prior[1], prior_weight=params.profile_prior_seconds, min_sd=min_sd
    )
    total = float(w.sum())
    enough = min(w_lo, w_hi) >= max(params.min_gait_s, params.min_cadence_share * total)
    if enough and hi.mean - lo.mean >= params.close_cadence_gap_spm:
        pooled = math.sqrt(0.5 * (lo.sd**2 + hi.sd**2))
        return (Gaussian(lo.mean, pooled), Gaussian(hi.mean, pooled)), "both"
    single = _one_cluster(xb, wb, min_sd)
    if abs(single.mean - prior[1].mean) < abs(single.mean - prior[0].mean):
        return (prior[0], single), "run"
    return (single, prior[1]), "walk"


def fit_gait_model(
    ev: Evidence, params: HmmParams, weights: FloatArray, profile: GaitProfile | None = None
) -> GaitModel:
    """Fit this activity's walking and running clusters.

    Cadence is fitted first when present (the strongest signal); the speed of
    each gait is then learned from the samples the cadence clusters assign.
    Without cadence, the speed mixture is fitted directly. With an athlete's
    ``profile``, their own walking and running cadence are the prior of the
    cadence clusters (weighted as ``profile_prior_seconds`` of data), and
    without cadence their own walking and running speed are the speed
    clusters (widened by the speed's measurement noise).
    """
    notes: list[Text] = []
    gps = ev.speed_source == "positions"
    stop_speed_sd = params.stop_speed_mps * (params.positions_stop_speed_factor if gps else 1.0)
    speed_min_sd = params.speed_min_sd(ev.speed_source)
    prior_walk_v = Gaussian(
        params.walk_speed_mps,
        params.positions_walk_speed_sd_mps if gps else params.walk_speed_sd_mps,
    )
    prior_run_v = Gaussian(
        params.run_speed_mps, params.positions_run_speed_sd_mps if gps else params.run_speed_sd_mps
    )
    active = ~ev.paused
    cad = ev.cadence_spm
    cad_ok = active & np.isfinite(cad) & (cad >= params.stop_cadence_spm)
    speed = ev.speed_mps
    cadence_pair: tuple[Gaussian, Gaussian] | None = None
    speed_pair: tuple[Gaussian, Gaussian] | None = None
    gaits = "both"
    fitted_from = "none"
    run_share = np.zeros(len(ev))
    cadence_prior = (
        _profile_pair(profile.walk_cadence_spm, profile.run_cadence_spm, params.cadence_min_sd_spm)
        if profile
        else None
    )
    speed_prior = (
        _profile_pair(profile.walk_speed_mps, profile.run_speed_mps, speed_min_sd)
        if profile
        else None
    )
    if cad_ok.sum() >= params.min_fit_samples and cadence_prior is not None:
        cadence_pair, gaits = _cadence_from_profile(
            cad[cad_ok], weights[cad_ok], cadence_prior, params, min_sd=params.cadence_min_sd_spm
        )
        fitted_from = "cadence"
        lo, hi = cadence_pair
        lw = _logpdf(cad[cad_ok], lo)
        lr = _logpdf(cad[cad_ok], hi)
        run_share[cad_ok] = 1.0 / (1.0 + np.exp(np.clip(lw - lr, -50, 50)))
        if ev.speed_source != "none":
            v_ok = cad_ok & np.isfinite(speed)
            speed_pair = _speed_per_gait(
                speed[v_ok],
                weights[v_ok],
                run_share[v_ok],
                speed_prior or (prior_walk_v, prior_run_v),
                params=params,
                min_sd=speed_min_sd,
            )
    elif cad_ok.sum() >= params.min_fit_samples:
        cadence_pair, gaits = _fit_gaits(
            cad[cad_ok],
            weights[cad_ok],
            Gaussian(params.walk_cadence_spm, params.cadence_sd_spm),
            Gaussian(params.run_cadence_spm, params.cadence_sd_spm),
            cut=params.cadence_cut_spm,
            min_gap=params.min_cadence_gap_spm,
            min_sd=params.cadence_min_sd_spm,
            prior_seconds=params.prior_seconds,
            min_ashman_d=params.min_cadence_ashman_d,
            min_share=params.min_cadence_share,
            min_gait_s=params.min_gait_s,
        )
        steady = cad_ok & _steady(
            ev, cad, params.steady_cadence_tolerance_spm, params.max_sample_weight_s
        )
        close_gaits = gaits != "both" or (
            cadence_pair[1].mean - cadence_pair[0].mean < params.min_cadence_gap_spm
        )
        if close_gaits and steady.sum() >= params.min_fit_samples:
            close = _close_cadence_pair(
                cad[steady],
                weights[steady],
                speed[steady],
                params,
                min_sd=params.cadence_min_sd_spm,
                use_speed=ev.speed_source in ("footpod", "gps"),
            )
            if close is not None:
                (cadence_pair, speed_pair), gaits = close, "both"
        fitted_from = "cadence"
        lo, hi = cadence_pair
        lw = _logpdf(cad[cad_ok], lo)
        lr = _logpdf(cad[cad_ok], hi)
        run_share[cad_ok] = 1.0 / (1.0 + np.exp(np.clip(lw - lr, -50, 50)))
        if ev.speed_source != "none" and speed_pair is None:
            v_ok = cad_ok & np.isfinite(speed)
            speed_pair = _speed_per_gait(
                speed[v_ok],
                weights[v_ok],
                run_share[v_ok],
                (prior_walk_v, prior_run_v),
                params=params,
                min_sd=speed_min_sd,
            )
    elif (
        ev.speed_source != "none"
        and np.isfinite(ev.rsc_running[active]).sum() >= params.min_evidence_samples
    ):
        # the footpod says which gait it sees: learn each gait's speed from it
        bit_ok = active & np.isfinite(ev.rsc_running) & np.isfinite(speed)
        run_share[bit_ok] = ev.rsc_running[bit_ok]
        speed_pair = _speed_per_gait(
            speed[bit_ok],
            weights[bit_ok],
            run_share[bit_ok],
            (prior_walk_v, prior_run_v),
            params=params,
            min_sd=speed_min_sd,
            keep_apart=False,
        )
        fitted_from = "footpod running bit"
    elif ev.speed_source != "none" and speed_prior is not None:
        # the athlete's own speeds: no mixture to fit, no gap to judge
        speed_pair = speed_prior
        fitted_from = "profile"
        v_ok = active & np.isfinite(speed)
        lo, hi = speed_pair
        run_share[v_ok] = 1.0 / (
            1.0 + np.exp(np.clip(_logpdf(speed[v_ok], lo) - _logpdf(speed[v_ok], hi), -50, 50))
        )
    elif ev.speed_source != "none":
        smooth = _smoothed(ev, speed, params.speed_fit_window_s)
        v_ok = active & np.isfinite(smooth) & (smooth >= params.min_fit_speed_mps)
        if v_ok.sum() >= params.min_fit_samples:
            speed_pair, gaits = _fit_gaits(
                smooth[v_ok],
                weights[v_ok],
                prior_walk_v,
                prior_run_v,
                cut=params.speed_cut_mps,
                min_gap=params.min_speed_gap_mps,
                min_sd=speed_min_sd,
                prior_seconds=params.prior_seconds,
                min_ashman_d=params.min_speed_ashman_d,
                min_share=params.min_speed_share,
                min_gait_s=params.min_gait_s,
            )
            fitted_from = "speed"
            lo, hi = speed_pair
            run_share[v_ok] = 1.0 / (
                1.0 + np.exp(np.clip(_logpdf(speed[v_ok], lo) - _logpdf(speed[v_ok], hi), -50, 50))
            )
        else:
            speed_pair = (prior_walk_v, prior_run_v)
            gaits = "walk"
    if gaits != "both" and fitted_from != "none":
        notes.append(ONLY_WALKING if gaits == "walk" else ONLY_RUNNING)

    heart: tuple[Gaussian, Gaussian, Gaussian] | None = None
    if (
        fitted_from != "none"
        and np.isfinite(ev.heart_rate_bpm).sum() >= params.min_evidence_samples
    ):
        hr = _lagged(ev, ev.heart_rate_bpm, params.heart_rate_lag_s)
        moving = (run_share > 0) | cad_ok
        walk_hr = _weighted_gaussian(
            hr,
            weights * (1 - run_share) * moving,
            Gaussian(params.walk_heart_rate_bpm, params.heart_rate_sd_bpm),
            params.prior_seconds,
            params.heart_rate_min_sd_bpm,
        )
        run_hr = _weighted_gaussian(
            hr,
            weights * run_share * moving,
            Gaussian(params.run_heart_rate_bpm, params.heart_rate_sd_bpm),
            params.prior_seconds,
            params.heart_rate_min_sd_bpm,
        )
        gap = params.heart_rate_gap_bpm
        if run_hr.mean > walk_hr.mean + gap:
            heart = (Gaussian(walk_hr.mean - gap, walk_hr.sd + gap), walk_hr, run_hr)
    return GaitModel(
        cadence=cadence_pair,
        speed=speed_pair,
        stop_speed_sd=stop_speed_sd,
        heart_rate=heart,
        gaits_seen=gaits,
        fitted_from=fitted_from,
        notes=notes,
    )


def _capped(ll: FloatArray, cap: float) -> FloatArray:
    """Shift rows so the best state is 0 and clip the rest at ``-cap``. NaN rows become 0."""
    top = np.max(ll, axis=1, keepdims=True)
    out: FloatArray = np.maximum(ll - top, -cap)
    out[~np.isfinite(out)] = 0.0
    return out


def _label_evidence(codes: NDArray[np.int8], match_p: float) -> FloatArray:
    """Log evidence from device label codes: ``match_p`` for the named state."""
    out = np.zeros((len(codes), 3))
    has = codes != NO_DEVICE_LABEL
    if not has.any():
        return out
    miss = math.log((1.0 - match_p) / 2.0)
    out[has] = miss
    for code, state in ((DEVICE_STOP, STOP), (DEVICE_WALK, WALK), (DEVICE_RUN, RUN)):
        out[codes == code, state] = math.log(match_p)
    shifted: FloatArray = out - np.max(out, axis=1, keepdims=True)
    return shifted


def hmm_evidence(
    ev: Evidence, model: GaitModel, params: HmmParams, weights: FloatArray
) -> FloatArray:
    """Combined log evidence per sample and state, ``(T, 3)``, scaled by sample time. [nat]"""
    n = len(ev)
    total = np.zeros((n, 3))
    cap = params.evidence_cap
    cadence_used = np.zeros(n, dtype=bool)
    if model.cadence is not None:
        cad = ev.cadence_spm
        ok = np.isfinite(cad)
        c = np.where(ok, cad, 0.0)
        walk, run = model.cadence
        ll = np.empty((n, 3))
        ll[:, STOP] = _logpdf(c, Gaussian(0.0, params.stop_cadence_spm / 3.0))
        ll[:, WALK] = _logpdf(c, walk)
        ll[:, RUN] = _logpdf(c, run)
        np.maximum(ll, _LOG_FLOOR, out=ll)
        ev_c = _capped(ll, cap)
        # a cadence near zero may be a wrist dropout: it counts for less, and
        # nothing at all while the speed says the athlete is moving
        low = c < params.stop_cadence_spm
        ev_c[low] *= params.low_cadence_factor
        dropout = low & (ev.speed_mps >= params.moving_speed_mps)
        ev_c[~ok | dropout] = 0.0
        cadence_used = ok & ~dropout
        total += params.cadence_weight * ev_c
    if model.speed is not None and ev.speed_source != "none":
        v = ev.speed_mps
        ok = np.isfinite(v)
        vv = np.where(ok, v, 0.0)
        walk_v, run_v = model.speed
        ll = np.empty((n, 3))
        ll[:, STOP] = _logpdf(vv, Gaussian(0.0, model.stop_speed_sd)) + math.log(2.0)
        ll[:, WALK] = _logpdf(vv, walk_v)
        ll[:, RUN] = _logpdf(vv, run_v)
        # running faster than the fitted centre is still running
        ll[:, RUN] = np.where(
            vv > run_v.mean, _logpdf(np.full(1, run_v.mean), run_v)[0], ll[:, RUN]
        )
        np.maximum(ll, _LOG_FLOOR, out=ll)
        ev_v = _capped(ll, cap)
        ev_v[~ok] = 0.0
        weight = np.full(n, params.speed_weight(ev.speed_source))
        if model.cadence is not None:
            # speed lags cadence at every change of gait: with cadence, it mainly
            # tells standing from moving and carries cadence dropouts
            weight[cadence_used] *= params.speed_with_cadence
        total += weight[:, None] * ev_v
    if np.isfinite(ev.rsc_running).any():
        bit = ev.rsc_running
        ll = np.zeros((n, 3))
        on = bit > 0.5
        off = bit <= 0.5
        p = params.rsc_match_p
        ll[on] = np.log([1.0 - p, 1.0 - p, p])
        ll[off] = np.log([p / 2.0, p / 2.0, 1.0 - p])
        total += params.rsc_weight * _capped(ll, cap)
    total += params.split_weight * _label_evidence(ev.split_label, params.split_match_p)
    total += params.lap_weight * _label_evidence(ev.lap_label, params.lap_match_p)
    if model.heart_rate is not None:
        hr = _lagged(ev, ev.heart_rate_bpm, params.heart_rate_lag_s)
        ok = np.isfinite(hr)
        h = np.where(ok, hr, 0.0)
        ll = np.stack([_logpdf(h, g) for g in model.heart_rate], axis=1)
        ev_h = _capped(ll, params.heart_rate_evidence_cap)
        ev_h[~ok] = 0.0
        total += params.heart_rate_weight * ev_h
    return total * weights[:, None]


def unusable_stretches(ev: Evidence, bridge_s: float) -> BoolArray:
    """True for samples inside a stretch without usable data longer than ``bridge_s``."""
    bad = ~ev.usable & ~ev.paused
    out = np.zeros(len(ev), dtype=bool)
    if not bad.any():
        return out
    edges = np.diff(np.concatenate([[0], bad.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # exclusive
    for a, b in zip(starts, ends, strict=True):
        t_end = ev.t_s[b] if b < len(ev) else ev.t_s[-1]
        t_start = ev.t_s[a - 1] if a > 0 else ev.t_s[0]
        if t_end - t_start > bridge_s:
            out[a:b] = True
    return out


def segment_hmm(
    ev: Evidence, params: HmmParams, blocked: BoolArray, profile: GaitProfile | None = None
) -> HmmResult:
    """Decode stop / walk / run for every sample.

    Parameters
    ----------
    ev
        Evidence in time order.
    params
        Settings.
    blocked
        Samples the model must not use (paused, or inside a long data gap); the
        chain restarts freely after them. Their decoded state is meaningless.
    profile
        The athlete's gait profile, used as the prior of the gait clusters
        (see :func:`fit_gait_model`).

    Returns
    -------
    HmmResult
    """
    weights = sample_weights(ev, params.max_sample_weight_s)
    model = fit_gait_model(ev, params, weights, profile)
    n = len(ev)
    base = params.cost_matrix()
    if n > 1:
        reset = blocked[:-1] | blocked[1:] | (ev.span_s[:-1] > params.bridge_s)
        cost = np.broadcast_to(base, (n - 1, 3, 3)).copy()
        cost[reset] = 0.0
    else:
        cost = base
    if model.fitted_from == "speed":
        model = _train_speed_gaits(ev, params, model, weights=weights, cost=cost, blocked=blocked)
    evidence = hmm_evidence(ev, model, params, weights)
    evidence[blocked] = 0.0
    result = viterbi_decode(evidence, cost)
    return HmmResult(result.states, result.margin, model)


def _shared_spread_terms(
    x: FloatArray, lo: float, hi: float, sd: float, share: float
) -> tuple[FloatArray, FloatArray]:
    """Log weight times normal density (up to ``-log sd`` and a constant) of both clusters."""
    ll_lo: FloatArray = math.log(1.0 - share) - 0.5 * ((x - lo) / sd) ** 2
    ll_hi: FloatArray = math.log(share) - 0.5 * ((x - hi) / sd) ** 2
    return ll_lo, ll_hi


def _shared_spread_mixture(
    x: FloatArray, w: FloatArray, min_sd: float, *, iterations: int = 60
) -> tuple[Gaussian, Gaussian]:
    """Two normal clusters of one spread, fitted by weighted EM from several starts.

    The walking and running readings of one activity share the same
    measurement error (GPS error does not care about the gait), so one common
    spread is fitted; that keeps a small cluster of brief running bouts from
    being swallowed by a wide walking cluster. EM starts from four pairs of
    quantiles (the median and 95th, 25th and 90th, 10th and 75th, 10th and
    90th percentiles) and the fit with the highest likelihood is kept.

    Returns
    -------
    tuple of Gaussian
        ``(slower, faster)``, both with the fitted common spread (at least ``min_sd``).
    """
    xb, wb = _binned(x, w)
    total = float(wb.sum())
    if total <= 0:
        wb = np.ones(len(xb))
        total = float(len(xb))
    fits: list[tuple[float, float, float, float]] = []
    for q_a, q_b in ((0.5, 0.95), (0.25, 0.9), (0.1, 0.75), (0.1, 0.9)):
        lo, hi = _quantiles(xb, wb, (q_a, q_b))
        sd, share = 0.3, 0.2
        for _ in range(iterations):
            ll_lo, ll_hi = _shared_spread_terms(xb, lo, hi, sd, share)
            r_hi = 1.0 / (1.0 + np.exp(np.clip(ll_lo - ll_hi, -50.0, 50.0)))
            w_hi = r_hi * wb
            w_lo = wb - w_hi
            share = min(max(float(w_hi.sum()) / total, 1e-3), 1.0 - 1e-3)
            new_hi = float(w_hi @ xb) / max(float(w_hi.sum()), 1e-9)
            new_lo = float(w_lo @ xb) / max(float(w_lo.sum()), 1e-9)
            var = float(w_hi @ (xb - new_hi) ** 2 + w_lo @ (xb - new_lo) ** 2) / total
            sd = max(math.sqrt(var), 0.05)
            moved = abs(new_hi - hi) + abs(new_lo - lo)
            lo, hi = new_lo, new_hi
            if moved < 1e-4:
                break
        ll_lo, ll_hi = _shared_spread_terms(xb, lo, hi, sd, share)
        top = np.maximum(ll_lo, ll_hi)
        mix = top + np.log(np.exp(ll_lo - top) + np.exp(ll_hi - top))
        fits.append((float(wb @ mix) - total * math.log(sd), min(lo, hi), max(lo, hi), sd))
    _, lo, hi, sd = max(fits, key=lambda fit: fit[0])
    sd = max(sd, min_sd)
    return Gaussian(lo, sd), Gaussian(hi, sd)


def _speed_contrast_floor(
    ev: Evidence, params: HmmParams, states: NDArray[np.intp], spread: float
) -> float:
    """Smallest walk/run speed contrast accepted without cadence, from the measured noise. [m/s]

    The contrast has to stand ``speed_contrast_noise_factor`` standard errors
    of a running bout's mean speed above nothing: the spread of single speeds
    (``spread``) shrinks with the square root of the number of independent
    readings in a median decoded running bout (one per error correlation
    time). Capped at ``min_speed_contrast_mps``: a walk and a run that far
    apart need no more proof.
    """
    correlation = (
        params.positions_error_correlation_s
        if ev.speed_source == "positions"
        else params.speed_error_correlation_s
    )
    is_run = (states == RUN).astype(np.int8)
    edges = np.diff(np.concatenate([[0], is_run, [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if len(starts) == 0:
        return params.min_speed_contrast_mps
    lengths = ev.t_s[np.minimum(ends, len(ev) - 1)] - ev.t_s[starts]
    bout_s = max(float(np.median(lengths)), correlation)
    standard_error = spread * math.sqrt(correlation / bout_s)
    return min(params.min_speed_contrast_mps, params.speed_contrast_noise_factor * standard_error)


def _train_speed_gaits(
    ev: Evidence,
    params: HmmParams,
    model: GaitModel,
    *,
    weights: FloatArray,
    cost: FloatArray,
    blocked: BoolArray,
) -> GaitModel:
    """Settle the speed-only gait clusters, and whether both gaits are there.

    When the mixture of smoothed speeds found both gaits, the clusters are
    refined by Viterbi training (decode, re-fit, three times): the decoded
    sequence uses the time structure of the bouts, which a mixture of single
    readings ignores. When it found one gait only, brief running bouts may have
    been averaged away by the smoothing: a two-cluster mixture with one common
    spread (:func:`_shared_spread_mixture`) is then fitted to the unsmoothed
    moving speeds and decoded once. Both gaits are kept when the first fit found
    them, or when the decoded faster bouts clearly stand out: see
    ``min_speed_contrast_mps``, ``min_gain_per_switch`` and ``min_run_s`` of
    :class:`HmmParams`.
    """
    speed = ev.speed_mps
    moving = ~blocked & np.isfinite(speed) & (speed >= params.min_fit_speed_mps)
    if moving.sum() < params.min_evidence_samples or model.speed is None:
        return model
    min_sd = params.speed_min_sd(ev.speed_source)
    if model.gaits_seen == "both":
        walk, run = model.speed
    else:
        walk, run = _shared_spread_mixture(speed[moving], weights[moving], min_sd)
    trial = GaitModel(None, (walk, run), model.stop_speed_sd, None, "both", "speed", [])
    for _ in range(max(1, round(params.speed_training_rounds))):
        evidence = hmm_evidence(ev, trial, params, weights)
        evidence[blocked] = 0.0
        states = viterbi_decode(evidence, cost, with_margin=False).states
        if model.gaits_seen != "both":
            break  # the mixture is the fit: decoded once, not refitted
        is_walk = moving & (states == WALK)
        is_run = moving & (states == RUN)
        walk = _weighted_gaussian(
            speed[is_walk], weights[is_walk], walk, params.prior_seconds, 0.0
        )
        run = _weighted_gaussian(speed[is_run], weights[is_run], run, params.prior_seconds, 0.0)
        pooled = max(math.sqrt(0.5 * (walk.sd**2 + run.sd**2)), min_sd)
        walk, run = Gaussian(walk.mean, pooled), Gaussian(run.mean, pooled)
        trial = GaitModel(None, (walk, run), model.stop_speed_sd, None, "both", "speed", [])
    run_time = float(weights[moving & (states == RUN)].sum())
    # evidence for two gaits over one: likelihood gain per switch of gait, with
    # the gain divided by the time over which speed errors are correlated
    both_gaits = moving & ((states == WALK) | (states == RUN))
    single = _weighted_gaussian(speed[both_gaits], weights[both_gaits], walk, 0.0, min_sd)
    two = np.where(states == RUN, _logpdf(speed, run), _logpdf(speed, walk))
    gain = float(np.sum((weights * (two - _logpdf(speed, single)))[both_gaits]))
    gain /= (
        params.positions_error_correlation_s
        if ev.speed_source == "positions"
        else params.speed_error_correlation_s
    )
    switches = int(np.count_nonzero(np.diff(states[both_gaits]) != 0))
    plausible = (
        run.mean - walk.mean >= _speed_contrast_floor(ev, params, states, run.sd)
        and gain / max(switches, 1) >= params.min_gain_per_switch
        and run_time >= params.min_run_s
    )
    if model.gaits_seen == "both" or plausible:
        return GaitModel(
            None, (walk, run), model.stop_speed_sd, model.heart_rate, "both", "speed", []
        )
    return model
