import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.stats import percentile, ratio, summarise, throughput


def test_percentile_interpolates_between_closest_ranks():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([4, 1, 3, 2], 25) == 1.75  # order of the input does not matter
    assert percentile([10, 20], 99) == pytest.approx(19.9)


def test_percentile_ends_are_min_and_max():
    samples = [5.0, 1.0, 9.0, 3.0]
    assert percentile(samples, 0) == 1.0
    assert percentile(samples, 100) == 9.0
    assert percentile([7.0], 99) == 7.0


@pytest.mark.parametrize("q", [-1, 100.5])
def test_percentile_rejects_q_outside_0_100(q):
    with pytest.raises(ValueError, match="q must"):
        percentile([1.0], q)


def test_empty_samples_are_an_error_not_zero():
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 50)
    with pytest.raises(ValueError, match="no samples"):
        summarise([])


@given(
    st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200),
    st.floats(min_value=0, max_value=100),
)
def test_percentile_matches_numpy_linear(samples, q):
    assert percentile(samples, q) == pytest.approx(float(np.percentile(samples, q)), rel=1e-9, abs=1e-6)


def test_summarise():
    summary = summarise([float(n) for n in range(1, 101)])
    assert summary.n == 100
    assert summary.min == 1.0
    assert summary.max == 100.0
    assert summary.mean == 50.5
    assert summary.p50 == 50.5
    assert summary.p99 == pytest.approx(99.01)


def test_ratio_and_throughput_edge_cases():
    assert ratio(3.0, 1.5) == 2.0
    assert ratio(1.0, 0.0) is None
    assert throughput(50, 2.0) == 25.0
    assert throughput(50, 0.0) == 0.0
