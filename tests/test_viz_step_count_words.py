"""An optimizer's step counter, drawn as the variable TF names 'SGD/iter' when a recorded step
holds its update, says what it is in its tooltip and inspector: 'the SGD optimizer's step
count, 3'. A newcomer walking notebook 02 met a box 'GradientDescent/iter' with no word of
it. A variable the user made says nothing of the kind."""
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.viz.dot import to_dot

pytest.importorskip("anywidget")
from tapeviz.viz import TapeWidget  # noqa: E402


def trained_widget(optimizer):
    w = tf.Variable(2.0, name="w")
    with Recorder() as rec:
        for x in (1.0, 2.0, 3.0):
            with tf.GradientTape() as tape:
                loss = (w * x - 1.0) ** 2
            optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
    return TapeWidget(rec)


def box(widget, label):
    return next(i for i, node in widget.graph.nodes.items() if node.label == label)


@pytest.mark.parametrize("make, name, box_name", [
    (lambda: tf.keras.optimizers.SGD(0.01), "SGD", "SGD/iter"),
    (lambda: tf.keras.optimizers.Adam(0.01), "Adam", "Adam/iter"),
    (lambda: tf.train.GradientDescentOptimizer(0.01), "GradientDescent", "GradientDescent/iter")])
def test_the_step_counter_says_it_is_the_optimizers_step_count(make, name, box_name):
    widget = trained_widget(make())
    counter = box(widget, box_name)
    rows = {row[0]: row[1] for row in next(
        s for s in widget.inspect(counter)["sections"] if s["title"] == "Tensor")["content"]}
    # the third step's update reads the count its two steps before left
    assert rows["what"] == f"the {name} optimizer's step count, 2 when this step read it", rows
    assert f"the {name} optimizer's step count, 2 when this step read it" in to_dot(widget.graph)
    assert f'label="{box_name}\\nstep count 2"' in to_dot(widget.graph)   # on its face


def test_an_earlier_step_shows_the_count_it_read_not_the_count_now():
    """Every step of a Recorder said 'step count 3', the live count, as did the inspector
    of each earlier step's variables: their values now, not the values the step used."""
    widget = trained_widget(tf.keras.optimizers.SGD(0.5))
    ws = []
    for index in range(3):
        widget.step_index = index
        dot = to_dot(widget.graph)
        assert f"the SGD optimizer's step count, {index} when this step read it" in dot
        w = widget.inspect(box(widget, "w"))
        ws.append(dict(next(s for s in w["sections"] if s["title"] == "Output")["content"]))
    widget.step_index = 0
    assert 'label="SGD/iter\\nstep count 0"' in to_dot(widget.graph)
    # w as each step read it: 2, 2 - 0.5 * 2, 1 - 0.5 * 4 (11 now, after the third)
    assert [row["summary"] for row in ws] == ["float32 scalar 2.0", "float32 scalar 1.0",
                                              "float32 scalar -1.0"], ws


def test_a_users_variable_says_no_such_words():
    widget = trained_widget(tf.keras.optimizers.SGD(0.01))
    w = box(widget, "w")
    rows = [row[0] for row in widget.inspect(w)["sections"][0]["content"]]
    assert "what" not in rows
    w_line = next(line for line in to_dot(widget.graph).splitlines() if f'id="{w}"' in line)
    assert "tooltip=\"variable w\\n" in w_line and "step count" not in w_line
