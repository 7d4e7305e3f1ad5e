"""A tape holding NaN or Inf opens where it was born: the op that made it selected (the groups
that hid it opened), inspected ('NaN born here', with the fix) and named in `opened_at`, which
the browser brings into the graph pane. In notebooks 03 and 04 the widget opened at the top of
a model's graph and the log at its bottom, the red node, was out of sight.
(tests/browser/test_nan_first_view.py looks at it in JupyterLab.)"""
import warnings

import numpy as np
import pytest

pytest.importorskip("anywidget", reason="the widget needs the Jupyter extra: "
                    'pip install -e ".[jupyter]"')

import tapeviz as tf  # noqa: E402
from tapeviz.viz.widget import TapeWidget  # noqa: E402


def log_of_logits():
    """Notebook 03's bug on a small model: the log of raw logits, NaN where one is negative;
    all of it in one name scope, which a small `max_nodes` folds into groups."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu")
                                 for _ in range(4)] + [tf.keras.layers.Dense(10)])
    x = tf.random.normal((16, 4))
    labels = tf.constant(np.arange(16) % 10)
    with warnings.catch_warnings(), tf.GradientTape(persistent=True) as tape:
        warnings.simplefilter("ignore", RuntimeWarning)
        with tf.name_scope("loss"):
            log_probs = tf.math.log(model(x))
            loss = -tf.reduce_mean(tf.reduce_sum(tf.one_hot(labels, 10) * log_probs, axis=1))
    return tape, loss


def op_id(widget, op):
    return next(i for i, node in widget.graph.nodes.items() if node.op == op)


@pytest.mark.parametrize("check_later", [False, True], ids=["script", "kernel"])
def test_a_nan_tape_opens_at_the_op_that_made_it_selected_and_inspected(check_later):
    tape, loss = log_of_logits()
    widget = TapeWidget(tape, target=loss, check_later=check_later)
    widget.finish_checks()   # in a kernel: once the cell returns
    log = op_id(widget, "log")
    assert widget.alerts[0]["kind"] == "nan" and widget.alerts[0]["node"] == log
    assert (widget.opened_at, widget.selected) == (log, log)
    assert widget.inspector["id"] == log
    assert widget.inspector["origin"]["label"] == "NaN born here"
    assert "fix: log is defined for x > 0" in widget.alerts[0]["message"]   # said once, there


def test_a_clean_tape_opens_with_nothing_chosen():
    x = tf.Variable([1.0, 2.0], name="x")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.math.log(x))
    widget = TapeWidget(tape, target=loss)
    assert (widget.opened_at, widget.selected, widget.inspector) == ("", "", {})


def test_a_node_the_reader_chose_stays_chosen():
    tape, loss = log_of_logits()
    first = TapeWidget(tape, target=loss)
    chosen = op_id(first, "negative")
    widget = TapeWidget(tape, target=loss, check_later=True, selected=chosen)
    widget.finish_checks()
    assert widget.opened_at == op_id(widget, "log")   # the browser is still told where
    assert widget.selected == chosen and widget.inspector["id"] == chosen


def test_an_origin_inside_a_collapsed_group_opens_its_group():
    tape, loss = log_of_logits()
    widget = TapeWidget(tape, target=loss, max_nodes=6)
    log = op_id(widget, "log")
    assert widget.graph.collapse(frozenset(), 6).visible_id(log) != log   # hidden at first
    assert widget.selected == log and log in widget.view.nodes
    assert widget.opened_at == log and widget.inspector["id"] == log


def test_a_recorders_step_with_nan_opens_at_it_and_a_clean_step_does_not():
    from tapeviz.debugger import Recorder
    x = tf.Variable([1.0, 2.0], name="x")
    with warnings.catch_warnings(), Recorder() as rec:
        warnings.simplefilter("ignore", RuntimeWarning)
        for sign in (1.0, -1.0):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.math.log(x * sign))
            tape.gradient(loss, [x])
    widget = TapeWidget(rec)   # the last step: NaN
    log = op_id(widget, "log")
    assert (widget.opened_at, widget.selected) == (log, log)
    widget.selected = ""
    widget.show_step(0)
    assert widget.opened_at == "" and widget.selected == ""
