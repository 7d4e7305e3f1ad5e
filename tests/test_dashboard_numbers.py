"""One number format for the same value everywhere on the Dashboard: its status line, its
repr and its saved summary write the loss as its chart's label does (chart.js's fmt of the
float32 the chart is sent). The status said 'last loss 0.97733' beside a chart's 0.9773."""
import dashboard_loops
import pytest
from dashboard_loops import T

import tapeviz as tf
from tapeviz.viz.series import chart_number

dashboards = dashboard_loops.dashboards   # the fixture its tests take


@pytest.mark.parametrize("value, written", [
    (0.97733, "0.9773"), (1.0, "1"), (12345.6, "12350"), (123456.0, "1.23e+5"),
    (0.000512, "5.12e-4"), (0.001234, "0.001234"), (-2.5, "-2.5"), (0.0, "0"), (-0.0, "0"),
    (float("nan"), "NaN"), (float("inf"), "Inf"), (float("-inf"), "-Inf"), (1e39, "Inf")])
def test_a_number_is_written_as_the_chart_writes_it(value, written):
    assert chart_number(value) == written


def steady_loop(steps):
    """A loss of 0.97733 each step: five significant digits where the chart shows four."""
    w = tf.Variable(0.97733, name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * 1.0
        tape.gradient(loss, w)


def test_the_status_line_and_repr_write_the_loss_as_its_chart_label(dashboards):
    dash = dashboards(show_tape=False)
    runner = dash.train(steady_loop, 3)
    assert runner.join(T)
    dash.flush()
    assert dash.status == "last loss 0.9773", dash.status
    assert repr(dash).endswith(", loss 0.9773>"), repr(dash)
