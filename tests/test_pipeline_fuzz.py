"""Mutated real files through the whole path: read -> segment -> comply -> store -> report.

The mutations are ``benchmarks/fuzz_pipeline.py``'s (bytes flipped, set to
boundary values, deleted, repeated, inserted, cut short; digits of times and
numbers rewritten; wrapped in gzip or zip), drawn here by hypothesis so a
failure shrinks to a small case. Only a
:class:`~stridecheck.errors.StrideCheckError` may stop an input, and no warning
but a :class:`~stridecheck.errors.StrideCheckWarning` may be emitted. The
benchmark runs the same path for much longer, in memory-limited processes.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import load_benchmark
from stridecheck.errors import StrideCheckWarning

fuzz = load_benchmark("fuzz_pipeline")
SEEDS = fuzz.seeds()
mutations = st.lists(
    st.tuples(
        st.sampled_from(fuzz.KINDS),
        st.floats(0.0, 1.0, allow_nan=False),
        st.integers(1, 64),
        st.integers(0, 255),
    ),
    min_size=1,
    max_size=4,
)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> object:
    if not SEEDS:
        pytest.skip("no seed files: sample_data/ and the corpus are both missing")
    return fuzz.Pipeline(tmp_path_factory.mktemp("fuzz"))


def test_unmutated_seeds_go_through(pipeline: object) -> None:
    sample = [s for s in SEEDS if s.name.startswith("athlete_")][:2] or SEEDS[:2]
    for seed in sample:
        assert pipeline.run(seed.data) in ("stored", "EmptyActivityError"), seed.name  # type: ignore[attr-defined]


def test_mutations_are_deterministic() -> None:
    data = bytes(range(256)) * 4
    ops = [("flip", 0.5, 8, 3), ("digits", 0.1, 1, 1), ("repeat", 0.2, 16, 2), ("gzip", 0, 1, 0)]
    assert fuzz.mutate(data, ops) == fuzz.mutate(data, ops)
    assert fuzz.mutate(data, [("truncate", 0.25, 1, 0)]) == data[:256]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(index=st.integers(0, 10_000), ops=mutations)
def test_only_stridecheck_errors_escape_the_whole_path(
    pipeline: object, index: int, ops: list[tuple[str, float, int, int]]
) -> None:
    seed = SEEDS[index % len(SEEDS)]
    data = fuzz.mutate(seed.data, ops)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = pipeline.run(data)  # type: ignore[attr-defined]
    assert isinstance(outcome, str)
    foreign = [w for w in caught if not issubclass(w.category, StrideCheckWarning)]
    assert not foreign, (seed.name, ops, [f"{w.category.__name__}: {w.message}" for w in foreign])
