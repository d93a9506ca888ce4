"""Plain-language account of how an activity was segmented, for reports.

Written from the parameters actually used and the values fitted to the
activity, never from a template that could drift from the code. The text is
built from translatable messages (:mod:`stridecheck.messages`):
:func:`segment_methods_doc` gives the tree, :func:`segment_methods` words it
(English by default, or any language with a catalog), and
:func:`parse_methods_text` reads a stored English paragraph back into its tree.
"""

from __future__ import annotations

import re

from stridecheck.i18n import translator_for
from stridecheck.messages import (
    AND,
    Join,
    Message,
    Num,
    Text,
    Translator,
    match_message,
    message_pattern,
    msg,
    number_or_text,
    params_from_match,
    render,
)
from stridecheck.segment.features import Evidence
from stridecheck.segment.hmm import GaitModel, HmmParams
from stridecheck.segment.notes import DATA_NOTES
from stridecheck.segment.threshold import ThresholdParams

__all__ = [
    "DATA_NOTES",
    "REFERENCES",
    "data_note",
    "parse_methods_text",
    "segment_methods",
    "segment_methods_doc",
    "signal_name",
]

#: Literature the defaults come from (as messages; the Viterbi citation is a title).
_REFERENCES: tuple[Text, ...] = (
    msg(
        "Walk-run classification by cadence and speed: Hum Mov Sci 2023;90:103117 "
        "(cadence cuts of 134-141 steps/min, 91-93 % accuracy; speed cuts 55-79 %)."
    ),
    msg("Walk-run transition speed near 2.0 m/s: PMC8629136."),
    "Viterbi A. Error bounds for convolutional codes and an asymptotically optimum "
    "decoding algorithm. IEEE Trans Inf Theory 1967;13:260-269.",
)
#: Literature the defaults come from.
REFERENCES: tuple[str, ...] = tuple(render(ref) for ref in _REFERENCES)

#: Names of the speed sources of :class:`~stridecheck.segment.features.Evidence`.
_SPEED_SOURCES: dict[str, Message] = {
    "gps": msg("gps"),
    "positions": msg("positions"),
    "footpod": msg("footpod"),
}

#: Names of the signals listed in ``Evidence.sources``.
_SIGNALS: dict[str, Message] = {
    "cadence": msg("cadence"),
    "heart rate": msg("heart rate"),
    "footpod walking/running bit": msg("footpod walking/running bit"),
    "device run/walk splits": msg("device run/walk splits"),
    "workout-step laps": msg("workout-step laps"),
}

# Sentences of the paragraph, as templates (see :func:`parse_methods_text`).
_HMM_INTRO = msg(
    "Each sample was labelled stop, walk or run by a three-state hidden Markov model "
    "decoded with the Viterbi algorithm (most likely sequence of states)."
)
_EVIDENCE = msg("Evidence came from %(signals)s.")
_CAPPED = msg(
    "Each signal's log-likelihood was capped at %(cap)s nats per second, weighted by "
    "reliability (%(weights)s) and multiplied by the time each sample stands for (at "
    "most %(max_weight)s s), so irregular sampling was used as recorded, without "
    "resampling."
)
_SWITCHING = msg(
    "Switching between walking and running cost %(run_walk)s nats, between walking "
    "and standing %(walk_stop)s and between running and standing %(run_stop)s: a bout "
    "must bring at least twice that much evidence to be kept, so with this activity's "
    "signals a bout of about %(shortest)s s with clear evidence survives and shorter "
    "glitches do not."
)
_CADENCE = msg(
    "Cadence clusters fitted to this activity: walking %(walk)s ± %(walk_sd)s "
    "steps/min, running %(run)s ± %(run_sd)s steps/min (equal likelihood at "
    "%(boundary)s steps/min; prior boundary %(prior)s)."
)
_CADENCE_STOP = msg(
    "A cadence below %(stop)s steps/min counted as standing unless the speed was "
    "at least %(speed)s m/s, when it was treated as a cadence dropout."
)
_SPEED = msg(
    "Speed per gait (%(origin)s): walking %(walk)s ± %(walk_sd)s m/s, running "
    "%(run)s ± %(run_sd)s m/s; standing reads below about %(stop)s m/s."
)
_SPEED_ONLY = msg(
    "Without cadence, the two speed clusters were refined by decoding and "
    "re-fitting three times (or, when the first fit found one gait only, fitted "
    "again as two clusters of one common spread to the unsmoothed speeds and "
    "decoded once); faster bouts counted as running only when faster than the "
    "walking by %(contrast)s m/s, or by %(factor)s standard errors of a running "
    "bout's mean speed where that is less (the noise measured in this file), "
    "and %(gain)s nats per switch better explained than by one gait."
)
_NOTE = msg("Note: %(note)s.")
_GAPS = msg(
    "Timer pauses were labelled paused; gaps in the data up to %(bridge)s s were "
    "bridged from the surrounding samples, longer ones were labelled unknown."
)
_GAPS_NO_TIMER = msg(
    "Timer pauses were labelled paused; gaps in the data up to %(bridge)s s were "
    "bridged from the surrounding samples, longer ones were labelled unknown (this "
    "file carries no timer information, so a longer gap across which the athlete did "
    "not move was taken as a pause)."
)
_BOUNDARIES = msg(
    "Interval boundaries lie halfway between the two samples either side of a change, "
    "moved %(half)s s earlier because a reading averages the %(lag)s s before it."
)
_CAUGHT = msg(
    "A cadence reading between the walking and running clusters (more than %(z)s "
    "spreads from each) was taken during a change of gait: the boundary was put "
    "%(lag)s s before it rather than halfway across the gap to the other sample."
)
_THRESHOLD_INTRO = msg(
    "Each sample was labelled on its own by fixed cuts (baseline method, no smoothing)."
)
_THRESHOLD_CUTS = msg(
    "A sample was running at a cadence of %(cadence)s steps/min or more; without "
    "cadence, at a speed of %(speed)s m/s or more. It was standing below "
    "%(stop_cadence)s steps/min (and below %(stop_speed)s m/s when speed was known), "
    "otherwise walking."
)
_DATA_NOTES = msg("Data notes: %(notes)s.")
_REFERENCES_LINE = msg("References: %(references)s")
_SENTENCES: tuple[Message, ...] = (
    _HMM_INTRO,
    _EVIDENCE,
    _CAPPED,
    _SWITCHING,
    _CADENCE,
    _CADENCE_STOP,
    _SPEED,
    _SPEED_ONLY,
    _NOTE,
    _GAPS,
    _GAPS_NO_TIMER,
    _BOUNDARIES,
    _CAUGHT,
    _THRESHOLD_INTRO,
    _THRESHOLD_CUTS,
    _DATA_NOTES,
)
# Parts of sentences.
_NO_SIGNAL = msg("no usable signal")
_SPEED_FROM = msg("speed from %(source)s")
_SPEED_OF = msg("speed (%(source)s)")
_FOOTPOD_BIT = msg("footpod running bit")
_HR_LAG = msg("heart rate read %(lag)s s later")
_FACTOR = msg("speed counted x%(factor)s where cadence was present")
_ORIGINS: dict[str, Message] = {
    "cadence": msg("learned from the cadence clusters"),
    "footpod running bit": msg("learned from the footpod's running bit"),
    "speed": msg("fitted to this activity"),
    "profile": msg("taken from the athlete's gait profile"),
}


def signal_name(source: str) -> Text:
    """A signal of ``Evidence.sources`` (``"cadence"``, ``"speed (gps)"``) as a message."""
    if source in _SIGNALS:
        return _SIGNALS[source]
    if source.startswith("speed (") and source.endswith(")"):
        kind = source[len("speed (") : -1]
        return _SPEED_OF.with_params(source=_SPEED_SOURCES.get(kind, kind))
    return source


def data_note(note: str) -> Text:
    """A stored English data warning or model note as a message, when it is one of
    :data:`~stridecheck.segment.notes.DATA_NOTES`."""
    return match_message(note, DATA_NOTES)


def _signals(sources: list[str]) -> Text:
    if not sources:
        return _NO_SIGNAL
    return Join(tuple(signal_name(s) for s in sources), AND)


def _weights(ev: Evidence, params: HmmParams, model: GaitModel | None) -> list[tuple[Text, float]]:
    """(signal, reliability weight) for the signals this activity carried."""
    used: list[tuple[Text, float]] = []
    if model is not None and model.cadence is not None:
        used.append((_SIGNALS["cadence"], params.cadence_weight))
    if ev.speed_source != "none":
        source = _SPEED_SOURCES.get(ev.speed_source, ev.speed_source)
        used.append((_SPEED_FROM.with_params(source=source), params.speed_weight(ev.speed_source)))
    if "footpod walking/running bit" in ev.sources:
        used.append((_FOOTPOD_BIT, params.rsc_weight))
    if "device run/walk splits" in ev.sources:
        used.append((_SIGNALS["device run/walk splits"], params.split_weight))
    if "workout-step laps" in ev.sources:
        used.append((_SIGNALS["workout-step laps"], params.lap_weight))
    if model is not None and model.heart_rate is not None:
        lag = _HR_LAG.with_params(lag=Num(params.heart_rate_lag_s))
        used.append((lag, params.heart_rate_weight))
    return used


def _hmm_text(ev: Evidence, params: HmmParams, model: GaitModel | None) -> list[Text]:
    used = _weights(ev, params, model)
    weights: Text = Join(tuple(Join((name, Num(weight)), " ") for name, weight in used), ", ")
    if model is not None and model.cadence is not None and ev.speed_source != "none":
        factor = _FACTOR.with_params(factor=Num(params.speed_with_cadence))
        weights = Join((weights, factor), "; ")
    strongest = max((w for _, w in used), default=1.0) or 1.0
    shortest_s = 2 * params.run_walk_cost / (params.evidence_cap * strongest)
    parts: list[Text] = [
        _HMM_INTRO,
        _EVIDENCE.with_params(signals=_signals(ev.sources)),
        _CAPPED.with_params(
            cap=Num(params.evidence_cap),
            weights=weights,
            max_weight=Num(params.max_sample_weight_s),
        ),
        _SWITCHING.with_params(
            run_walk=Num(params.run_walk_cost),
            walk_stop=Num(params.walk_stop_cost),
            run_stop=Num(params.run_stop_cost),
            shortest=Num(shortest_s, ".0f"),
        ),
    ]
    if model is not None:
        parts.extend(_model_text(ev, params, model))
    parts.extend(_gaps_text(ev, params.bridge_s, params.sensor_lag_s))
    if model is not None and model.cadence is not None and model.gaits_seen == "both":
        parts.append(
            _CAUGHT.with_params(z=Num(params.changing_cadence_z), lag=Num(params.sensor_lag_s))
        )
    return parts


def _model_text(ev: Evidence, params: HmmParams, model: GaitModel) -> list[Text]:
    parts: list[Text] = []
    if model.cadence is not None:
        walk, run = model.cadence
        parts.append(
            _CADENCE.with_params(
                walk=Num(walk.mean, ".0f"),
                walk_sd=Num(walk.sd, ".0f"),
                run=Num(run.mean, ".0f"),
                run_sd=Num(run.sd, ".0f"),
                boundary=Num(model.cadence_boundary_spm(), ".0f"),
                prior=Num(params.cadence_cut_spm),
            )
        )
        parts.append(
            _CADENCE_STOP.with_params(
                stop=Num(params.stop_cadence_spm),
                speed=Num(params.moving_speed_mps),
            )
        )
    if model.speed is not None:
        walk_v, run_v = model.speed
        origin = _ORIGINS.get(model.fitted_from, _ORIGINS["speed"])
        parts.append(
            _SPEED.with_params(
                origin=origin,
                walk=Num(walk_v.mean, ".2f"),
                walk_sd=Num(walk_v.sd, ".2f"),
                run=Num(run_v.mean, ".2f"),
                run_sd=Num(run_v.sd, ".2f"),
                stop=Num(model.stop_speed_sd, ".2f"),
            )
        )
        if model.fitted_from == "speed":
            parts.append(
                _SPEED_ONLY.with_params(
                    contrast=Num(params.min_speed_contrast_mps),
                    factor=Num(params.speed_contrast_noise_factor),
                    gain=Num(params.min_gain_per_switch),
                )
            )
    parts.extend(_NOTE.with_params(note=note) for note in model.notes)
    return parts


def _gaps_text(ev: Evidence, bridge_s: float, lag_s: float) -> list[Text]:
    gaps = _GAPS if ev.timer_info else _GAPS_NO_TIMER
    return [
        gaps.with_params(bridge=Num(bridge_s)),
        _BOUNDARIES.with_params(lag=Num(lag_s), half=Num(0.5 * lag_s)),
    ]


def _threshold_text(ev: Evidence, params: ThresholdParams) -> list[Text]:
    used = [s for s in ev.sources if s == "cadence" or s.startswith("speed")]
    return [
        _THRESHOLD_INTRO,
        _EVIDENCE.with_params(signals=_signals(used)),
        _THRESHOLD_CUTS.with_params(
            cadence=Num(params.cadence_cut_spm),
            speed=Num(params.speed_cut_mps),
            stop_cadence=Num(params.stop_cadence_spm),
            stop_speed=Num(params.stop_speed_mps),
        ),
        *_gaps_text(ev, params.bridge_s, params.sensor_lag_s),
    ]


def segment_methods_doc(
    method: str,
    ev: Evidence,
    params: HmmParams | ThresholdParams,
    model: GaitModel | None = None,
    *,
    references: bool = True,
) -> Text:
    """The methods paragraph as translatable text (see :func:`segment_methods`)."""
    if isinstance(params, HmmParams):
        parts = _hmm_text(ev, params, model)
    else:
        parts = _threshold_text(ev, params)
    if ev.notes:
        notes = Join(tuple(ev.notes), "; ")
        parts.append(_DATA_NOTES.with_params(notes=notes))
    text: Text = Join(tuple(parts), " ")
    if references:
        listed = _REFERENCES_LINE.with_params(references=Join(_REFERENCES, " "))
        text = Join((text, listed), "\n\n")
    return text


def segment_methods(
    method: str,
    ev: Evidence,
    params: HmmParams | ThresholdParams,
    model: GaitModel | None = None,
    *,
    references: bool = True,
    lang: str | Translator = "en",
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
    lang
        Language code (``"en"``, ``"de"``) or a translator.

    Returns
    -------
    str
        One paragraph, plus a references line when asked.
    """
    doc = segment_methods_doc(method, ev, params, model, references=references)
    return render(doc, translator_for(lang))


def _notes_from_text(text: str) -> Text:
    """``"a; b"`` (data notes, which may hold ``"; "`` themselves) as a list of notes."""
    pieces = text.split("; ")
    notes: list[Text] = []
    start = 0
    while start < len(pieces):
        for end in range(start + 1, len(pieces) + 1):
            note = data_note("; ".join(pieces[start:end]))
            if isinstance(note, Message):
                notes.append(note)
                start = end
                break
        else:
            notes.append(pieces[start])
            start += 1
    return Join(tuple(notes), "; ")


def _signals_from_text(text: str) -> Text:
    if text == _NO_SIGNAL.msgid:
        return _NO_SIGNAL
    head, sep, last = text.rpartition(" and ")
    items = [*head.split(", "), last] if sep else [text]
    return Join(tuple(signal_name(item) for item in items), AND)


def _weights_from_text(text: str) -> Text:
    pairs_text, sep, factor_text = text.partition("; ")
    names = {render(m): m for m in (*_SIGNALS.values(), _FOOTPOD_BIT)}
    pairs: list[Text] = []
    for pair in pairs_text.split(", ") if pairs_text else []:
        name, _, weight = pair.rpartition(" ")
        label = names.get(name) or match_message(name, (_SPEED_FROM, _HR_LAG), _param_from_text)
        pairs.append(Join((label, number_or_text(weight)), " "))
    weights: Text = Join(tuple(pairs), ", ")
    if sep:
        factor = match_message(factor_text, (_FACTOR,), _param_from_text)
        weights = Join((weights, factor), "; ")
    return weights


def _param_from_text(name: str, value: str) -> Text:
    """A parameter of a sentence of :func:`segment_methods`, read back from its English."""
    if name == "signals":
        return _signals_from_text(value)
    if name == "weights":
        return _weights_from_text(value)
    if name == "source":
        return _SPEED_SOURCES.get(value, value)
    if name == "origin":
        return match_message(value, _ORIGINS.values())
    if name == "note":
        return data_note(value)
    if name == "notes":
        return _notes_from_text(value)
    return number_or_text(value)


def _sentences_from_text(body: str) -> list[Text]:
    parts: list[Text] = []
    pos = 0
    while pos < len(body):
        for template in _SENTENCES:
            found = re.compile(message_pattern(template).pattern + "(?= |$)").match(body, pos)
            if found is not None:
                parts.append(params_from_match(template, found, _param_from_text))
                pos = found.end() + 1
                break
        else:
            end = body.find(". ", pos)
            end = len(body) if end < 0 else end + 1
            parts.append(body[pos:end])
            pos = end + 1
    return parts


def parse_methods_text(text: str) -> Text:
    """A paragraph of :func:`segment_methods` (English) read back as translatable text.

    Stored analyses keep the paragraph in English only; this gives its tree, so
    a report can word it in another language. Sentences not recognised (e.g.
    from an older version) stay as written.
    """
    body, sep, listed = text.partition("\n\n" + _REFERENCES_LINE.msgid.split("%")[0])
    doc: Text = Join(tuple(_sentences_from_text(body)), " ")
    if sep:
        references: Text = Join(_REFERENCES, " ") if listed == " ".join(REFERENCES) else listed
        doc = Join((doc, _REFERENCES_LINE.with_params(references=references)), "\n\n")
    return doc
