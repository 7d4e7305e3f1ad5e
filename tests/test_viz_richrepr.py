"""What a notebook shows for a tape, a recording, a stepper or a tensor that is a cell's value:
static HTML that reads without a widget or a kernel."""
import pytest

import tapeviz as tf
from tapeviz.debugger import BackwardStepper, Recorder

pytest.importorskip("anywidget")
from tapeviz.viz.render import find_layout_binary  # noqa: E402

if find_layout_binary() is None:
    pytest.skip("no Graphviz layout binary: pip install graphviz-pure==0.2.2",
                allow_module_level=True)


def recorded():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="kernel")
    with Recorder() as rec:
        with tf.GradientTape(persistent=True) as tape:
            loss = tf.reduce_sum(tf.square(w))
        tape.gradient(loss, w)
    return w, loss, tape, rec


def test_tapes_recordings_and_steppers_show_their_graph_as_svg():
    w, loss, tape, rec = recorded()
    for obj in (tape, rec, rec.last_step, BackwardStepper(tape, loss, [w])):
        page = obj._repr_html_()
        assert page.startswith('<div class="tapeviz-static">') and "<svg" in page
        assert 'id="n0"' in page and "kernel:0" in page


def test_a_consumed_tape_falls_back_to_its_text_repr():
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = w * w
    tape.gradient(loss, w)
    assert tape._repr_html_() is None       # IPython then shows repr(tape)


def test_a_matrix_shows_its_values_summary_and_heatmap():
    page = tf.constant([[1.0, -2.0], [3.0, 4.0]])._repr_html_()
    assert "shape=(2, 2), dtype=float32" in page
    assert "min -2 max 4" in page and "data:image/png;base64," in page
    scalar = tf.constant(3)._repr_html_()
    assert "numpy=3" in scalar and "<img" not in scalar


def test_markup_in_a_name_stays_text():
    w = tf.Variable(1.0, name="<b>bold</b>")
    assert "<b>bold" not in w._repr_html_() and "&lt;b&gt;bold" in w._repr_html_()
