"""The inspector of a node whose value holds NaN says where it was born, in the alert's words
with the user's line: 'NaN born here' on the op that made it, 'NaN not made here' with a link
to that op on every node it flowed into (the loss a student clicks first)."""
import warnings

import pytest

pytest.importorskip("anywidget", reason="the widget needs the Jupyter extra: "
                    'pip install -e ".[jupyter]"')

import tapeviz as tf  # noqa: E402
from tapeviz.debugger import Recorder  # noqa: E402
from tapeviz.viz.widget import TapeWidget  # noqa: E402

from raising import shown_path  # noqa: E402


def nan_widget(**options):
    """A hand-written cross-entropy that takes the log of raw logits (notebook 03's bug)."""
    tf.random.set_seed(0)
    x = tf.random.normal([4, 3])
    w = tf.Variable(tf.random.normal([3, 3]), name="w")
    with warnings.catch_warnings(), tf.GradientTape(persistent=True) as tape:
        warnings.simplefilter("ignore", RuntimeWarning)
        log_probs = tf.math.log(tf.matmul(x, w))   # the NaN's line
        loss = -tf.reduce_mean(tf.reduce_sum(log_probs, axis=1))
    return TapeWidget(tape, target=loss, **options)


def op_node(widget, op):
    return next(i for i, node in widget.graph.nodes.items() if node.op == op)


def test_the_op_that_made_the_nan_says_it_was_born_there_and_leaves_the_how_to_the_alert():
    """The alert's long message (the op, the line, what its inputs held, the fix) is said once,
    in the banner above the graph: said again in the inspector, it pushed the Source and Op
    sections off an 800 px window (notebook 03)."""
    widget = nan_widget()
    widget.selected = op_node(widget, "log")
    origin, alert = widget.inspector["origin"], widget.alerts[0]
    assert origin["label"] == "NaN born here" and origin["node"] == ""
    assert origin["message"] == "this op made it; the NaN alert above says how, and the fix"
    assert alert["message"].startswith("log produced nan in the forward pass")   # the banner's
    assert "test_viz_nan_note.py:" in alert["message"]
    assert "log_probs = tf.math.log(tf.matmul(x, w))" in alert["message"]
    assert "; fix: log is defined for x > 0" in alert["message"]


def test_the_loss_says_the_nan_was_not_made_there_and_links_where_it_was():
    widget = nan_widget()
    log = op_node(widget, "log")
    for op in ("reduce_sum", "reduce_mean", "negative"):
        widget.selected = op_node(widget, op)
        origin = widget.inspector["origin"]
        assert origin["label"] == "NaN not made here", op
        assert origin["node"] == log
        assert origin["message"].startswith("it came from upstream: log made NaN at ")
        assert origin["message"].endswith("log_probs = tf.math.log(tf.matmul(x, w))   "
                                          "# the NaN's line")   # its line; not the fix


def test_a_node_without_nan_has_no_note():
    widget = nan_widget()
    widget.selected = op_node(widget, "matmul")
    assert "origin" not in widget.inspector
    assert widget.inspector["title"].startswith("matmul")


def test_a_step_with_no_nan_has_no_note_and_the_step_with_one_has():
    x = tf.Variable([1.0, 2.0], name="x")
    with warnings.catch_warnings(), Recorder() as rec:
        warnings.simplefilter("ignore", RuntimeWarning)
        for sign in (1.0, -1.0):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.math.log(x * sign))
            tape.gradient(loss, [x])
    widget = TapeWidget(rec)
    widget.show_step(0)
    widget.selected = op_node(widget, "reduce_sum")
    assert "origin" not in widget.inspector
    widget.show_step(1)
    assert widget.inspector["origin"]["label"] == "NaN not made here"
    assert widget.inspector["origin"]["node"] == op_node(widget, "log")


def test_a_node_selected_in_the_first_view_gets_its_note_once_the_checks_end():
    """The first view's inspector is drawn before any value is checked, and the checks redraw
    it before they find the alerts: the alerts, found, draw it again with its note."""
    loss_id = op_node(nan_widget(), "negative")
    widget = nan_widget(check_later=True, selected=loss_id)
    assert widget.inspector["id"] == loss_id and "origin" not in widget.inspector
    widget.finish_checks()
    assert widget.inspector["origin"]["label"] == "NaN not made here"


def test_a_line_holding_a_semicolon_and_a_bracket_is_said_whole_and_without_the_fix(tmp_path):
    """The note was cut out of the alert's message at its first '; ' outside brackets: a line
    with a '(' in a string left the brackets open, and the note ran on into the counts and the
    fix. It is told from the finding's node and line now."""
    import runpy
    script = tmp_path / "a; b.py"   # a path with '; ' too
    script.write_text(
        "import tapeviz as tf\n"
        "x = tf.constant([1.0, -1.0])\n"
        "with tf.GradientTape(persistent=True) as tape:\n"
        "    tape.watch(x)\n"
        "    y = tf.math.log(x); note = '(:'\n"
        "    loss = tf.reduce_sum(y)\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ran = runpy.run_path(str(script))
    widget = TapeWidget(ran["tape"], target=ran["loss"])
    widget.selected = op_node(widget, "reduce_sum")
    message = widget.inspector["origin"]["message"]
    assert message == (f"it came from upstream: log made NaN at {shown_path(script)}:5: "
                       "y = tf.math.log(x); note = '(:'"), message


def test_an_op_given_nan_from_the_data_is_said_given_it_not_to_have_made_it():
    import numpy as np
    data = np.ones((4, 3), np.float32)
    data[1, 2] = np.nan
    w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    with tf.GradientTape(persistent=True) as tape:
        h = tf.matmul(data, w)   # the data's NaN comes in here
        loss = tf.reduce_sum(tf.tanh(h))
    widget = TapeWidget(tape, target=loss)
    widget.selected = op_node(widget, "tanh")
    message = widget.inspector["origin"]["message"]
    # the student's own `data`, not matmul's parameter `a`
    assert message.startswith("it came from upstream: matmul was given NaN in `data` at "), \
        message
    assert message.endswith("h = tf.matmul(data, w)   # the data's NaN comes in here")
