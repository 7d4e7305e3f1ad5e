"""One name per variable wherever a person reads it: the user's code's (`w` for
`w = tf.Variable(0.0)`, a Keras layer's `dense/kernel`), TF's full name ('Variable_1:0',
'w:0') only as the inspector's second line; an unnamed variable no line names keeps TF's
name everywhere alike. Surfaces: the graph's labels and SVG, the inspector, the Inputs
table, the stepper, the HTML export, and the Keras optimizers' errors."""
import re

import pytest

import tapeviz as tf
from tapeviz.viz import TapeWidget


def lecture_regression(w, b):
    """The lecture's loss of one example (examples/regression.py) on its unnamed w and b,
    made by the caller (a function that returns the variables it makes is taken for a
    helper that names none: each call makes new ones)."""
    x, y = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        loss = tf.square(y - (x * w + b))
    return tape, loss, [w, b]


def made_by_a_helper():
    """`p` names no one variable (each call makes one): no better name than TF's."""
    def make(value):
        p = tf.Variable(value)
        return p
    u, v = make(1.0), make(2.0)
    with tf.GradientTape() as tape:
        loss = u * v
    return tape, loss, [u, v]


def keras_dense():
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(tf.ones((1, 3))))
    return tape, loss, model.trainable_variables


def drawn(widget) -> dict:
    """TF's name of each variable leaf -> the label the graph draws it by."""
    return {node.ref.name: node.label for node in widget.graph.nodes.values()
            if node.kind == "variable"}


def stepped(made):
    tape, loss, sources = made
    widget = TapeWidget(tape, target=loss, sources=sources)
    widget.continue_()
    return widget, sources


def test_the_lectures_variables_are_drawn_inspected_and_stepped_as_w_and_b():
    w = tf.Variable(0.0)
    b = tf.Variable(0.0)
    widget, _ = stepped(lecture_regression(w, b))
    assert re.fullmatch(r"Variable(_\d+)?:0", w.name), w.name   # TF's names: none given
    assert drawn(widget) == {w.name: "w", b.name: "b"}
    assert [name for name, _ in widget.stepper["gradients"]] == ["w", "b"]
    svg = widget.svg
    assert ">w<" in svg and ">b<" in svg and "Variable" not in svg
    [w_id] = [key for key, node in widget.graph.nodes.items() if node.ref is w]
    payload = widget.inspect(w_id)
    assert payload["title"].startswith("variable w ")
    rows = dict(map(tuple, payload["sections"][0]["content"]))
    assert rows["name"] == "w" and rows["TF name"] == w.name   # TF's, as a second line
    [mul] = [key for key, node in widget.graph.nodes.items() if node.op == "multiply"]
    [inputs] = [s["content"] for s in widget.inspect(mul)["sections"] if s["title"] == "Inputs"]
    # x: one example's number, said as its box is drawn (ff9d8d8: was 'input' alone)
    assert [row[1] for row in inputs[1:]] == ["input x", "variable w"]


def test_the_html_export_names_the_variables_as_the_widget_does(tmp_path):
    w = tf.Variable(0.0)
    b = tf.Variable(0.0)
    widget, _ = stepped(lecture_regression(w, b))
    page = widget.save(tmp_path / "tape.html").read_text()
    assert ">w<" in page and ">b<" in page
    for variable in (w, b):   # TF's name only as the inspector's second line
        assert page.count(variable.name) == page.count(f'["TF name", "{variable.name}"]') == 1


def test_a_keras_layers_weights_are_shown_by_their_keras_names():
    widget, (kernel, bias) = stepped(keras_dense())
    assert kernel.name.endswith("kernel:0") and "/" in kernel.name
    assert drawn(widget) == {kernel.name: kernel.name[:-2], bias.name: bias.name[:-2]}
    assert [name for name, _ in widget.stepper["gradients"]] == [kernel.name[:-2],
                                                                  bias.name[:-2]]
    [kernel_id] = [key for key, node in widget.graph.nodes.items() if node.ref is kernel]
    rows = dict(map(tuple, widget.inspect(kernel_id)["sections"][0]["content"]))
    assert rows["name"] == kernel.name[:-2] and rows["TF name"] == kernel.name


def test_variables_no_line_names_keep_tfs_names_on_every_surface():
    widget, (u, v) = stepped(made_by_a_helper())
    assert drawn(widget) == {u.name: u.name, v.name: v.name}
    assert [name for name, _ in widget.stepper["gradients"]] == [u.name, v.name]
    [u_id] = [key for key, node in widget.graph.nodes.items() if node.ref is u]
    rows = dict(map(tuple, widget.inspect(u_id)["sections"][0]["content"]))
    assert rows["name"] == u.name and "TF name" not in rows   # one name, said once


def test_two_variables_one_name_would_give_are_told_apart():
    w_old = tf.Variable(1.0, name="w")
    w = tf.Variable(2.0, name="w")   # TF names it 'w_1:0' (or later): a cell run again
    with tf.GradientTape() as tape:
        w_old * w
    widget = TapeWidget(tape)
    labels = drawn(widget)
    assert len(set(labels.values())) == 2 and labels[w_old.name] == "w", labels


# ---- the Keras optimizers' errors ------------------------------------------------------------

def test_an_optimizer_given_a_variable_it_was_not_first_used_with_names_both_as_the_code_does():
    w = tf.Variable(0.0)
    b = tf.Variable(0.0)
    opt = tf.keras.optimizers.SGD(0.1)
    opt.apply_gradients([(tf.constant(1.0), w)])
    with pytest.raises(ValueError) as caught:
        opt.apply_gradients([(tf.constant(1.0), b)])
    message = str(caught.value)
    assert "unknown variable 'b': this optimizer can only update the variables it was first " \
           "used with ('w')" in message
    assert "Variable" not in message.split("hint")[0]
    with pytest.raises(KeyError, match="no slot 'momentum' for variable 'b'"):
        opt.get_slot(b, "momentum")


def _step(opt):
    w = tf.Variable(0.0)   # a new variable each step: the bug the error explains
    opt.apply_gradients([(tf.constant(1.0), w)])


def test_a_variable_made_again_each_step_is_told_apart_from_the_first_by_tfs_names():
    opt = tf.keras.optimizers.SGD(0.1)
    _step(opt)
    with pytest.raises(ValueError) as caught:
        _step(opt)
    message = str(caught.value)
    # the line's `w` names both: each is said by TF's name, told apart
    first, said = re.search(r"unknown variable '([^']+)'.*first used with \('([^']+)'\)",
                            message).group(2, 1)
    assert first != said and all(re.fullmatch(r"Variable(_\d+)?:0", n) for n in (first, said))
    assert f"'{said}' was made at" in message and f"the line that made '{first}' before" in message
