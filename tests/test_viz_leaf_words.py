"""A tensor no op made and no variable holds is said alike on both engines: the batch a loop
feeds (anything with an axis) and one example's number passed by name are 'input's, a number
the code wrote a 'constant' ('const 2' in its box), in the graph's box, its tooltip, the
toolbar's count, the inspector's title and kind, and an op's Inputs table. The numpy engine
drew a student's batch 'const', as if their code had fixed it; torch's side already said
'input' (test_viz_torch_words.py). An input the user's line names is drawn by that name
('images'), as the NaN alert names it; it was drawn 'input' there too."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder

pytest.importorskip("anywidget")
from tapeviz.viz import TapeWidget  # noqa: E402


def rows(payload, title):
    """The first two cells of each row of the table `title`, its header row too."""
    section = next(s for s in payload["sections"] if s["title"] == title)
    return [row[:2] for row in section["content"]]


def step(w):
    images = np.ones((5, 2), np.float32)   # a batch from outside the step, as a loop feeds it
    target = tf.constant(3.0)              # and one example's number
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(images, w)) * 2.0 - target
    return tape, loss


def tape_widget():
    w = tf.Variable([[1.0], [2.0]], name="w")
    tape, _ = step(w)
    return TapeWidget(tape)


def recorded_widget():
    w = tf.Variable([[1.0], [2.0]], name="w")
    with Recorder() as rec:
        tape, loss = step(w)
        tape.gradient(loss, [w])
    return TapeWidget(rec)


@pytest.mark.parametrize("make", [tape_widget, recorded_widget], ids=["tape", "recorded step"])
def test_a_numpy_engine_batch_is_an_input_and_a_number_a_constant(make):
    widget = make()
    assert widget.status.endswith(", 1 variable, 2 inputs, 1 constant"), widget.status
    leaves = {(n.shape, n.label): i for i, n in widget.graph.nodes.items()
              if n.kind == "constant"}
    # by the names the user's line passed them as (was: 'input' both)
    batch, two, target = leaves[(5, 2), "images"], leaves[(), "const"], leaves[(), "target"]
    payload = widget.inspect(batch)
    assert payload["title"] == "input images → float32[5, 2]", payload["title"]
    assert rows(payload, "Tensor") == [["kind", "input"], ["name", "images"]]
    assert ">images</text>" in widget.svg and ">const</text>" not in widget.svg
    assert 'xlink:title="input images&#10;(5, 2) float32' in widget.svg   # its tooltip
    assert ">const 2</text>" in widget.svg                         # the number the code wrote
    assert widget.inspect(two)["title"] == "constant → float32 scalar"
    assert widget.inspect(target)["title"] == "input target → float32 scalar"
    assert ">target 3</text>" in widget.svg
    ops = {n.op: i for i, n in widget.graph.nodes.items() if n.op}
    # the Inputs table's 'from' says an input as its box and title do (was 'input' alone)
    assert [row[1] for row in rows(widget.inspect(ops["matmul"]), "Inputs")] == \
        ["from", "input images", "variable w"]
    assert rows(widget.inspect(ops["multiply"]), "Inputs")[2] == ["y = 2.0", "constant"]
    assert rows(widget.inspect(ops["subtract"]), "Inputs")[2] == ["y = target", "input target"]


def lecture_widget():
    """Notebook 02's recorded step: the lecture's Huber loss, `m` a Python number by default,
    read by name at three ops (`<=`, `*`, `-`); x, y one example of the dataset."""
    import tapeviz.contrib.eager as tfe
    from tapeviz.datasets import synthetic_birth_life

    data, _ = synthetic_birth_life()
    dataset = tf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1]))
    w, b = tfe.Variable(0.0, name="w"), tfe.Variable(0.0, name="b")

    def huber_loss(y, y_predicted, m=1.0):
        t = y - y_predicted
        return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)

    grad_fn = tfe.implicit_value_and_gradients(lambda x, y: huber_loss(y, x * w + b))
    optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01)
    x_i, y_i = next(iter(tfe.Iterator(dataset)))
    with Recorder() as rec:
        _, gradients = grad_fn(x_i, y_i)
        optimizer.apply_gradients(gradients)
    return TapeWidget(rec), float(x_i), float(y_i)


def test_the_lectures_m_is_a_constant_at_every_op_and_its_example_an_input():
    widget, x, y = lecture_widget()
    nodes = widget.graph.nodes
    words = {}   # (the leaf's value, the op reading it) -> its box's word
    for edge in widget.graph.edges:
        leaf = nodes[edge.src]
        if leaf.kind == "constant" and nodes[edge.dst].source is not None \
                and "apply_gradients" not in nodes[edge.dst].source.line:   # not the update
            words[float(leaf.ref._value), nodes[edge.dst].op] = leaf.label
    m_words = {op: word for (value, op), word in words.items() if value == 1.0}
    assert m_words == {"less_equal": "const", "multiply": "const", "subtract": "const"}, words
    assert words[x, "multiply"] == "x" and words[y, "subtract"] == "y", words   # named so
    ops = {n.op: i for i, n in nodes.items() if n.op}
    assert rows(widget.inspect(ops["less_equal"]), "Inputs")[2][1] == "constant"   # its m
    for i, node in nodes.items():   # the inspector says what the box says
        if node.kind == "constant":
            word = {"const": "constant", "input": "input", "gradient": "gradient"}.get(
                node.label, f"input {node.label}")
            assert widget.inspect(i)["title"].startswith(f"{word} → "), (node.label, i)


def test_the_gradients_the_optimizer_reads_are_gradients_where_the_backward_pass_is_not_drawn():
    """The update's `lr * grad`: the gradient came from the step's backward pass (not drawn),
    not from outside: it was drawn 'const -2', a number the code wrote."""
    widget, _, _ = lecture_widget()
    nodes = widget.graph.nodes
    update = [(nodes[e.src].label, i) for e in widget.graph.edges
              for i in [e.dst] if nodes[i].source is not None
              and "apply_gradients" in nodes[i].source.line and nodes[i].op == "multiply"
              and nodes[e.src].kind == "constant"]
    assert sorted(label for label, _ in update) == ["const", "const", "gradient", "gradient"]
    assert widget.status.endswith(", 2 inputs, 7 constants, 2 gradients"), widget.status
    assert [row[1] for row in rows(widget.inspect(update[0][1]), "Inputs")[1:]] in \
        (["constant", "gradient"], ["gradient", "constant"])
    assert ">gradient &#45;2</text>" in widget.svg   # its box, with its value: d loss / d b
    both = TapeWidget(widget._scene.source, phases=("forward", "backward"))
    assert both.status.endswith(", 2 inputs, 8 constants, 2 gradients"), both.status


def model_step():
    """The guide's step: a batch passed to a Keras model and its labels to a Keras loss."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="relu"),
                                 tf.keras.layers.Dense(2)])
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    images = tf.constant(np.linspace(0.0, 1.0, 20, dtype=np.float32).reshape(4, 5))
    labels = tf.constant([0, 1, 1, 0])
    with tf.GradientTape() as tape:
        logits = model(images, training=True)
        loss_object(labels, logits)
    return model, tape


def test_a_batch_passed_to_a_model_and_labels_to_a_loss_are_drawn_by_those_names():
    """`model(images, training=True)` and `loss_object(labels, logits)` call no op by its
    name, so the boxes of what they were given said 'input' (notebooks 03 and 04): they say
    'images' and 'labels' (`logits` was made by the line before: not the loss's data)."""
    _, tape = model_step()
    widget = TapeWidget(tape)
    data = sorted(n.label for n in widget.graph.nodes.values() if n.kind == "constant")
    assert data == ["images", "labels"], data
    assert widget.status.endswith("2 inputs"), widget.status


def test_a_nan_batch_given_to_a_model_is_named_as_the_line_passed_it():
    model, _ = model_step()
    corrupt = np.ones((4, 5), np.float32)
    corrupt[1, 2] = np.nan
    with tf.GradientTape() as tape:
        model(corrupt, training=True)
    entry = tf.debugger.find_nan_origin(tape)
    assert "; `corrupt` (its input `a`) already held 1 NaN (of 20 values" in entry.headline()


def test_a_nan_batch_given_to_a_convolution_is_not_said_its_input_input():
    """conv2d calls its data `input`: 'its input `input`' said the word twice."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Conv2D(2, 3)])
    corrupt = np.ones((1, 4, 4, 1), np.float32)
    corrupt[0, 1, 1, 0] = np.nan
    with tf.GradientTape() as tape:
        model(corrupt)
    headline = tf.debugger.find_nan_origin(tape).headline()
    assert "; `corrupt` (its input) already held 1 NaN (of 16 values" in headline, headline


def test_a_line_that_passes_a_model_two_fresh_names_keeps_its_data_input():
    """Which of `a` and `b` the model read cannot be told from the line: no name is guessed."""
    model, _ = model_step()
    a = np.ones((4, 5), np.float32)
    b = np.zeros((4, 5), np.float32)
    pick = lambda first, second: first   # noqa: E731 (a call the line makes, no tapeviz op)
    with tf.GradientTape() as tape:
        logits = model(pick(a, b))
    assert logits.shape == (4, 2)
    widget = TapeWidget(tape)
    assert [n.label for n in widget.graph.nodes.values() if n.kind == "constant"] == ["input"]


def test_the_strip_and_the_inputs_table_name_a_data_box_as_it_is_drawn(tmp_path):
    """The gradient sent back to a batch given to a model: 'grad a (from input images)' in
    the stepping strip and 'input images' in the Inputs table's 'from' column, as its box
    and the inspector's title say it (were 'a' and 'input': which input, drawn by what?)."""
    model, _ = model_step()
    images = tf.constant(np.ones((4, 5), np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(images)
        loss = tf.reduce_sum(model(images))
    widget = TapeWidget(tape, target=loss, sources=[images])
    while not widget.stepper.get("done"):
        widget.step()
    assert widget.stepper["op"] == "matmul"
    assert widget.stepper["input_names"][0] == "a (from input images)", widget.stepper
    assert rows(widget.inspect("n0"), "Inputs")[1] == ["a", "input images"]
