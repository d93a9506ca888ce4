"""Every tunable of the segmenter is a setting, and the algorithm version names them all."""

from __future__ import annotations

import ast
import dataclasses
import inspect

import pytest

from stridecheck.compliance import ComplianceParams
from stridecheck.pipeline import algorithm_version
from stridecheck.segment import HmmParams, segment, segmenter_settings
from stridecheck.segment import features as features_module
from stridecheck.segment import hmm as hmm_module
from stridecheck.simulate import simulate_session

#: Numbers the model functions may still write: indices and shapes of the three
#: states, halves and doubles of arithmetic, and the clip that keeps ``exp`` finite.
STRUCTURAL = {0, 1, 2, 3, 0.5, 50}
MODEL_FUNCTIONS = (
    hmm_module.fit_gait_model,
    hmm_module.hmm_evidence,
    hmm_module.segment_hmm,
    hmm_module._speed_per_gait,
    hmm_module._train_speed_gaits,
    hmm_module._close_cadence_pair,
    hmm_module._close_by_cadence,
    hmm_module._close_by_speed,
    hmm_module._cadence_from_profile,
    hmm_module._speed_contrast_floor,
)


def changed(value: float) -> float:
    return value * 1.5 + 0.25


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(HmmParams)])
def test_every_segmenter_setting_changes_the_version(name: str) -> None:
    params = dataclasses.replace(HmmParams(), **{name: changed(getattr(HmmParams(), name))})
    assert algorithm_version(params) != algorithm_version()
    assert algorithm_version(HmmParams()) == algorithm_version()


def _leaf_settings(params: object, prefix: str = "") -> list[str]:
    """Dotted names of every number in a (nested) settings dataclass."""
    names: list[str] = []
    for f in dataclasses.fields(params):  # type: ignore[arg-type]
        value = getattr(params, f.name)
        if dataclasses.is_dataclass(value):
            names += _leaf_settings(value, f"{prefix}{f.name}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            names.append(prefix + f.name)
    return names


def _with(params: object, dotted: str) -> object:
    head, _, rest = dotted.partition(".")
    value = getattr(params, head)
    if rest:
        return dataclasses.replace(params, **{head: _with(value, rest)})  # type: ignore[type-var]
    other = type(value)(value * 0.9) if value else type(value)(1)  # still a valid setting
    return dataclasses.replace(params, **{head: other})  # type: ignore[type-var]


@pytest.mark.parametrize("name", _leaf_settings(ComplianceParams()))
def test_every_compliance_setting_changes_the_version(name: str) -> None:
    params = _with(ComplianceParams(), name)
    assert algorithm_version(compliance_params=params) != algorithm_version()  # type: ignore[arg-type]


def test_module_constants_change_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = algorithm_version()
    assert segmenter_settings()["features.MAX_CADENCE_SPM"] == features_module.MAX_CADENCE_SPM
    monkeypatch.setattr(features_module, "MAX_CADENCE_SPM", 300.0)
    assert algorithm_version() != before


@pytest.mark.parametrize("function", MODEL_FUNCTIONS, ids=lambda f: f.__name__)
def test_model_functions_hold_no_tunable_literals(function: object) -> None:
    """The gait model's numbers come from HmmParams, not from literals in its functions."""
    tree = ast.parse(inspect.getsource(function))  # type: ignore[arg-type]
    literals = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    }
    assert literals <= STRUCTURAL, sorted(literals - STRUCTURAL)


def test_the_new_settings_reach_the_model() -> None:
    plan = [("walk", 120), ("run", 90), ("walk", 90), ("run", 90), ("walk", 60)]
    activity = simulate_session(plan, sensors="watch", random_state=3).activity
    default = segment(activity, errors="ignore")
    assert default.model is not None and default.model.heart_rate is not None
    no_hr = segment(activity, errors="ignore", heart_rate_gap_bpm=500.0)
    assert no_hr.model is not None and no_hr.model.heart_rate is None
    wide = segment(activity, errors="ignore", cadence_min_sd_spm=40.0)
    assert wide.model is not None and wide.model.cadence is not None
    assert max(g.sd for g in wide.model.cadence) >= 40.0 - 1e-9
    assert wide.model.cadence != default.model.cadence
    assert default.params == {k: v for k, v in segmenter_settings().items() if "." not in k}
