"""Plain-language account of how an activity was segmented, for reports.

Written from the parameters actually used and the values fitted to the
activity, never from a template that could drift from the code.
"""

from __future__ import annotations

from stridecheck.segment.features import Evidence
from stridecheck.segment.hmm import GaitModel, HmmParams
from stridecheck.segment.threshold import ThresholdParams

__all__ = ["REFERENCES", "segment_methods"]

#: Literature the defaults come from.
REFERENCES: tuple[str, ...] = (
    "Walk-run classification by cadence and speed: Hum Mov Sci 2023;90:103117 "
    "(cadence cuts of 134-141 steps/min, 91-93 % accuracy; speed cuts 55-79 %).",
    "Walk-run transition speed near 2.0 m/s: PMC8629136.",
    "Viterbi A. Error bounds for convolutional codes and an asymptotically optimum "
    "decoding algorithm. IEEE Trans Inf Theory 1967;13:260-269.",
)


def _signals(ev: Evidence) -> str:
    if not ev.sources:
        return "no usable signal"
    if len(ev.sources) == 1:
        return ev.sources[0]
    return ", ".join(ev.sources[:-1]) + " and " + ev.sources[-1]


def _weights(ev: Evidence, params: HmmParams, model: GaitModel | None) -> list[tuple[str, float]]:
    """(signal, reliability weight) for the signals this activity carried."""
    used: list[tuple[str, float]] = []
    if model is not None and model.cadence is not None:
        used.append(("cadence", params.cadence_weight))
    if ev.speed_source != "none":
        used.append((f"speed from {ev.speed_source}", params.speed_weight(ev.speed_source)))
    if "footpod walking/running bit" in ev.sources:
        used.append(("footpod running bit", params.rsc_weight))
    if "device run/walk splits" in ev.sources:
        used.append(("device run/walk splits", params.split_weight))
    if "workout-step laps" in ev.sources:
        used.append(("workout-step laps", params.lap_weight))
    if model is not None and model.heart_rate is not None:
        used.append(
            (f"heart rate read {params.heart_rate_lag_s:g} s later", params.heart_rate_weight)
        )
    return used


def _hmm_text(ev: Evidence, params: HmmParams, model: GaitModel | None) -> list[str]:
    used = _weights(ev, params, model)
    weights = ", ".join(f"{name} {weight:g}" for name, weight in used)
    if model is not None and model.cadence is not None and ev.speed_source != "none":
        weights += f"; speed counted x{params.speed_with_cadence:g} where cadence was present"
    strongest = max((w for _, w in used), default=1.0) or 1.0
    shortest_s = 2 * params.run_walk_cost / (params.evidence_cap * strongest)
    parts = [
        "Each sample was labelled stop, walk or run by a three-state hidden Markov model "
        "decoded with the Viterbi algorithm (most likely sequence of states).",
        f"Evidence came from {_signals(ev)}. Each signal's log-likelihood was capped at "
        f"{params.evidence_cap:g} nats per second, weighted by reliability ({weights}) and "
        "multiplied by the time each sample stands for (at most "
        f"{params.max_sample_weight_s:g} s), so irregular sampling was used as recorded, "
        "without resampling.",
        f"Switching between walking and running cost {params.run_walk_cost:g} nats, between "
        f"walking and standing {params.walk_stop_cost:g} and between running and standing "
        f"{params.run_stop_cost:g}: a bout must bring at least twice that much evidence to "
        f"be kept, so with this activity's signals a bout of about {shortest_s:.0f} s with "
        "clear evidence survives and shorter glitches do not.",
    ]
    if model is not None:
        if model.cadence is not None:
            walk, run = model.cadence
            parts.append(
                f"Cadence clusters fitted to this activity: walking {walk.mean:.0f} "
                f"± {walk.sd:.0f} steps/min, running {run.mean:.0f} ± {run.sd:.0f} steps/min "
                f"(equal likelihood at {model.cadence_boundary_spm():.0f} steps/min; prior "
                f"boundary {params.cadence_cut_spm:g}). A cadence below "
                f"{params.stop_cadence_spm:g} steps/min counted as standing unless the speed "
                f"was at least {params.moving_speed_mps:g} m/s, when it was treated as a "
                "cadence dropout."
            )
        if model.speed is not None:
            walk_v, run_v = model.speed
            origin = {
                "cadence": "learned from the cadence clusters",
                "footpod running bit": "learned from the footpod's running bit",
            }.get(model.fitted_from, "fitted to this activity")
            parts.append(
                f"Speed per gait ({origin}): walking {walk_v.mean:.2f} ± {walk_v.sd:.2f} m/s, "
                f"running {run_v.mean:.2f} ± {run_v.sd:.2f} m/s; standing reads below about "
                f"{model.stop_speed_sd:.2f} m/s."
            )
            if model.fitted_from == "speed":
                parts.append(
                    "Without cadence, the two speed clusters were refined by decoding and "
                    "re-fitting three times; faster bouts counted as running only when at "
                    f"least {params.min_speed_contrast_mps:g} m/s faster than the walking and "
                    f"{params.min_gain_per_switch:g} nats per switch better explained than by "
                    "one gait."
                )
        parts.extend(f"Note: {note}." for note in model.notes)
    parts.append(_gaps_text(ev, params.bridge_s, params.sensor_lag_s))
    return parts


def _gaps_text(ev: Evidence, bridge_s: float, lag_s: float) -> str:
    text = (
        f"Timer pauses were labelled paused; gaps in the data up to {bridge_s:g} s were "
        "bridged from the surrounding samples, longer ones were labelled unknown"
    )
    if not ev.timer_info:
        text += (
            " (this file carries no timer information, so a longer gap across which the "
            "athlete did not move was taken as a pause)"
        )
    return (
        text + ". Interval boundaries lie halfway between the two samples either side of a "
        f"change, moved {lag_s:g} s earlier for the sensors' response lag."
    )


def _threshold_text(ev: Evidence, params: ThresholdParams) -> list[str]:
    used = [s for s in ev.sources if s == "cadence" or s.startswith("speed")]
    signals = " and ".join(used) if used else "no usable signal"
    return [
        "Each sample was labelled on its own by fixed cuts (baseline method, no smoothing).",
        f"Evidence came from {signals}. A sample was running at a cadence of "
        f"{params.cadence_cut_spm:g} steps/min or more; without cadence, at a speed of "
        f"{params.speed_cut_mps:g} m/s or more. It was standing below "
        f"{params.stop_cadence_spm:g} steps/min (and below {params.stop_speed_mps:g} m/s when "
        "speed was known), otherwise walking.",
        _gaps_text(ev, params.bridge_s, params.sensor_lag_s),
    ]


def segment_methods(
    method: str,
    ev: Evidence,
    params: HmmParams | ThresholdParams,
    model: GaitModel | None = None,
    *,
    references: bool = True,
) -> str:
    """Describe a segmentation in plain words.

    Parameters
    ----------
    method
        ``"hmm"`` or ``"threshold"``.
    ev
        The evidence the method used.
    params
        The settings used.
    model
        The gait model fitted by the HMM (``None`` for the baseline).
    references
        Append the references.

    Returns
    -------
    str
        One paragraph, plus a references line when asked.
    """
    if isinstance(params, HmmParams):
        parts = _hmm_text(ev, params, model)
    else:
        parts = _threshold_text(ev, params)
    if ev.warnings:
        parts.append("Data notes: " + "; ".join(ev.warnings) + ".")
    text = " ".join(parts)
    if references:
        text += "\n\nReferences: " + " ".join(REFERENCES)
    return text
