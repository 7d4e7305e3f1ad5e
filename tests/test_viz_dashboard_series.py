"""The Dashboard's series: bounded over a long loop, a spike and a NaN kept through
downsampling, every point kept until full then halved by pairs, their cost bounded by their
buckets, smoothed as TensorBoard smooths (a debiased EMA)."""
import dashboard_loops
import numpy as np
import pytest
from dashboard_loops import T, decode, scalar_loop, wait_until

from tapeviz.viz.series import Series

dashboards = dashboard_loops.dashboards   # the fixture its tests take


def test_series_stay_bounded_over_a_long_loop(dashboards):
    dash = dashboards(max_points=50, show_tape=False)
    runner = dash.train(scalar_loop, 700)
    assert runner.join(T)
    assert wait_until(lambda: dash.state == "finished" and dash.step_count == 700)
    steps, _ = dash.history()["loss"]
    assert 25 <= len(steps) <= 50 and steps[-1] == 700   # the newest step ends the last bucket
    assert steps == sorted(steps) and decode(dash.loss)[0] == steps
    assert dash.loss["width"] * len(steps) >= 700        # the buckets cover the whole run
    (norms,) = dash.grad_norms
    assert norms["name"].startswith("w") and decode(norms)[0] == steps


def column(series, name):
    """One column of a series as the browser receives it."""
    return np.frombuffer(series[name], "<i4" if name in ("steps", "bad_step") else "<f4")


def noisy_run(steps, spike_at, nan_at, inf_at=None):
    """A gradient-norm-like series: noise around 1, one spike of 1e4, one NaN (and an Inf)."""
    values = 1.0 + 0.1 * np.random.default_rng(0).standard_normal(steps)
    values[spike_at - 1], values[nan_at - 1] = 1e4, np.nan
    if inf_at is not None:
        values[inf_at - 1] = np.inf
    return values


def test_a_spike_and_a_nan_survive_downsampling_a_long_run():
    steps, spike_at, nan_at, inf_at = 100_000, 61_234, 87_001, 87_003
    s = Series(max_points=400)
    for step, value in enumerate(noisy_run(steps, spike_at, nan_at, inf_at), start=1):
        s.append(step, value)
    sent = s.to_bytes()
    buckets = len(column(sent, "steps"))
    assert 200 <= buckets <= 400 and all(len(column(sent, name)) == buckets for name in (
        "values", "low", "high", "smooth", "bad", "bad_step"))   # what is sent: <= max_points
    assert column(sent, "steps")[-1] == steps                     # the newest step is shown
    assert sent["start"] == 1 and sent["count"] == steps          # ... and the whole run's span
    high = column(sent, "high")
    assert high.max() == 1e4                                       # the spike is the band's top
    at = int(np.argmax(high))
    assert column(sent, "steps")[at] - sent["width"] < spike_at <= column(sent, "steps")[at]
    assert np.nanmax(np.delete(high, at)) < 2                      # ... in its bucket alone
    bad = np.flatnonzero(column(sent, "bad_step") >= 0)
    assert len(bad) == 1 and column(sent, "bad_step")[bad[0]] == nan_at   # the first, exact
    assert np.isnan(column(sent, "bad")[bad[0]])
    smooth = column(sent, "smooth")
    assert np.isfinite(smooth).all()        # the NaN and Inf never reach the EMA
    assert abs(smooth[-1] - 1.0) < 0.1      # ... which follows the noise's level


def test_series_keep_every_point_until_full_then_halve_by_pairs():
    s = Series(max_points=4, smoothing=0.0)   # no smoothing: the EMA is the raw value
    for step, value in enumerate([float("nan"), 1.0, float("inf"), 2.0], start=1):
        s.append(step, value)
    steps, values = decode(s.to_bytes())
    assert steps == [1, 2, 3, 4] and np.isnan(values[0]) and values[1:] == [1.0, float("inf"), 2.0]
    assert column(s.to_bytes(), "bad_step").tolist() == [1, -1, 3, -1]
    s.append(5, 3.0)                          # a fifth: pairs merge, each bucket 2 steps wide
    c = s.columns()
    assert c["steps"].tolist() == [2, 4, 5] and s.width == 2
    assert c["bad_step"].tolist() == [1, 3, -1] and np.isinf(c["bad"][1])
    assert c["low"].tolist() == [1.0, 2.0, 3.0] and c["smooth"].tolist() == [1.0, 2.0, 3.0]
    s.append(6, float("-inf"))
    assert decode(s.to_bytes())[1][-1] == float("-inf") and s.columns()["bad_step"][-1] == 6
    assert decode(Series(10).to_bytes()) == ([], [])


def test_series_cost_is_bounded_by_its_buckets():
    """Appends do constant work but for the merges, each halving the buckets: over n points
    log2(n / max_points) merges of at most max_points buckets; what a push reads and sends
    is the buckets, however long the run."""
    merges = []

    class Counted(Series):
        __slots__ = ()

        def _merge_pairs(self):
            merges.append(len(self.steps))
            super()._merge_pairs()

    s = Counted(max_points=100)
    for step in range(1, 1_000_001):
        s.append(step, 1.0)
    assert len(merges) == 14 and max(merges) == 100    # 2**14 * 50 < 10**6 <= 2**14 * 100
    assert len(s) == 1_000_000 and len(s.steps) <= 100
    assert sum(len(v) for v in s.to_bytes().values() if isinstance(v, bytes)) <= 100 * 4 * 7


def test_series_smooth_as_tensorboard_debiased_ema():
    s = Series(max_points=10, smoothing=0.6)
    values = [1.0, 5.0, float("nan"), 2.0]
    for step, value in enumerate(values, start=1):
        s.append(step, value)
    ema, weight, want = 0.0, 0.0, []
    for value in values:                     # TensorBoard's: skip non-finite, divide by
        if np.isfinite(value):               # 1 - 0.6**n (the weight of the n values seen)
            ema, weight = 0.6 * ema + 0.4 * value, 0.6 * weight + 0.4
        want.append(ema / weight)
    np.testing.assert_allclose(s.columns()["smooth"], want)
    with pytest.raises(ValueError, match=r"^Series: smoothing must be a number in \[0, 1\)"):
        Series(10, smoothing=1.0)
