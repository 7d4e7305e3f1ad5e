"""A variable clicked in the tape widget shows its gradient: the one the stepping brought it
(as the stepper's d/d row and the node's violet border say), or a recorded step's, never
'none flows here' beside a border that says one flows (notebook 02: `w` selected after
Continue said so)."""
import re

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz import TapeWidget


def gradient_section(widget, node_id) -> dict:
    [section] = [s for s in widget.inspect(node_id)["sections"] if s["title"] == "Gradient"]
    return section


def leaf_id(widget, variable) -> str:
    [found] = [key for key, node in widget.graph.nodes.items() if node.ref is variable]
    return found


def recorded_square_steps(w) -> Recorder:
    """A Recorder of two steps of `w -= 0.01 * d(3w)^2/dw` (the test makes w, so its line
    names it)."""
    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = tf.square(3.0 * w)
            w.assign_sub(0.01 * tape.gradient(loss, w))
    return rec


def test_a_variable_shows_the_gradient_stepping_brought_it():
    w = tf.Variable(2.0)
    b = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = tf.square(3.0 * w + b)
    widget = TapeWidget(tape, target=loss, sources=[w, b])
    w_id = leaf_id(widget, w)
    assert gradient_section(widget, w_id)["content"].startswith("not computed yet")
    widget.step()   # the square's VJP: w's gradient is two steps away
    assert gradient_section(widget, w_id)["content"].startswith("not computed yet")
    widget.continue_()
    rows = dict(map(tuple, gradient_section(widget, w_id)["content"]))
    assert rows["summary"] == "float32 scalar 42.0"   # 2 (3w + b) 3 at w=2, b=1
    assert dict(widget.stepper["gradients"])["w"] == rows["summary"]


def test_a_recorded_steps_variable_shows_that_steps_gradient_before_any_stepping():
    w = tf.Variable(2.0)
    rec = recorded_square_steps(w)
    widget = TapeWidget(rec)   # the last step: w = 2 - 0.01 * 36 = 1.64, gradient 18w
    rows = dict(map(tuple, gradient_section(widget, leaf_id(widget, w))["content"]))
    assert rows["summary"] == "float32 scalar 29.52"


def test_a_recorded_steps_variable_is_shaded_by_the_stepping_as_the_strip_says():
    """Stepping a recorded step again: its variable is drawn without a gradient (dashed) until
    the pass reaches it, as 'd/d w: not computed yet' says (it kept the recording's solid
    violet border beside that line), then with it."""
    w = tf.Variable(2.0)
    rec = recorded_square_steps(w)
    widget = TapeWidget(rec)
    w_id = leaf_id(widget, w)
    assert abs(widget.graph.nodes[w_id].grad_norm - 29.52) < 1e-4   # the recording's
    widget.step()   # the square's VJP: w not reached yet
    assert dict(widget.stepper["gradients"])["w"] == "not computed yet"
    assert widget.graph.nodes[w_id].grad_norm is None
    assert "stroke-dasharray" in drawn_node(widget.svg, w_id)
    widget.continue_()
    assert abs(widget.graph.nodes[w_id].grad_norm - 29.52) < 1e-4
    assert "stroke-dasharray" not in drawn_node(widget.svg, w_id)


def drawn_node(svg: str, node_id: str) -> str:
    return re.search(rf'<g id="{node_id}" class="node[^"]*">(.*?)</g>', svg, re.S).group(1)
