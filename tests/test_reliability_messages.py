"""What a newcomer reads when something is wrong, said as the rest of tapeviz says it: an op
in its pass ('exp in the forward pass', not 'phase=forward'), and the user's own line for a
value tapeviz did not see made (a loss computed after the `with tape:` block)."""
import sys

import pytest

import tapeviz as tf
from tapeviz.debugger import why_none
from tapeviz.debugger.session import node_summary


def test_the_debuggers_node_command_says_the_op_in_its_pass_and_layer():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.name_scope("block"):
            tf.exp(x)
    first = node_summary(tape.nodes[0]).splitlines()[0]
    assert first == "exp [math] in the forward pass, in layer block", first


def test_a_loss_computed_outside_the_tape_is_said_at_the_line_that_made_it():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        y = w * 3.0
    made_at = sys._getframe().f_lineno + 1
    loss = y * y
    found = why_none(tape, loss, w)
    assert found.kind == "target_not_recorded"
    assert found.source is not None and found.source.lineno == made_at
    assert f"test_reliability_messages.py:{made_at}: loss = y * y) was not recorded" in \
        found.message, found.message


def _step(w):
    with tf.GradientTape() as tape:
        y = w * 3.0
    return y * y, tape


def test_a_loss_unpacked_from_a_helpers_result_is_not_said_made_where_it_was_unpacked():
    w = tf.Variable(2.0, name="w")
    loss, tape = _step(w)   # made in _step: this line did not make it
    found = why_none(tape, loss, w)
    assert found.kind == "target_not_recorded" and found.source is None
    assert found.message.startswith("the target was not recorded on this tape: it was "
                                    "computed outside the `with tape:` block"), found.message


def test_an_optimizer_given_the_none_of_such_a_loss_says_its_line():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        y = w * 3.0
    made_at = sys._getframe().f_lineno + 1
    loss = y * y
    grads = tape.gradient(loss, [w])
    with pytest.raises(ValueError) as raised:
        tf.keras.optimizers.SGD(0.1).apply_gradients(zip(grads, [w]))
    assert "the target (made at " in str(raised.value)
    assert f"test_reliability_messages.py:{made_at}: loss = y * y) was not recorded" in \
        str(raised.value)
    assert float(w) == 2.0   # nothing was applied


@pytest.mark.parametrize("written", [{"line": "train.py:12"}, {"file": "train.py:12"}])
def test_break_on_given_a_file_and_line_as_one_string_says_they_are_two_arguments(written):
    with pytest.raises((TypeError, ValueError)) as raised:
        tf.debugger.break_on(**written)
    text = str(raised.value)
    assert text.startswith("break_on: ") and "got 'train.py:12'" in text, text
    assert "hint: the file and the line are two arguments: break_on(file='train.py', line=12)" \
        in text, text
    assert raised.value.source.filename == __file__
    assert tf.debugger.breakpoints() == []   # nothing was set


def test_a_widget_or_a_search_given_the_model_says_to_record_a_step_of_it():
    from tapeviz.viz import TapeWidget
    model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    for call in (lambda: TapeWidget(model), lambda: tf.debugger.diagnose(model)):
        with pytest.raises(TypeError) as raised:
            call()
        text = str(raised.value)
        assert "got <Sequential" in text, text
        assert "hint: a model is not a record of what it ran: record a step of it, `with " \
               "tf.GradientTape() as tape: loss = loss_fn(y, model(x))`" in text, text
        assert raised.value.source.filename == __file__


@pytest.mark.parametrize("mistake, said", [
    (lambda ds: ds.take("a"), "take: count must be an int; got 'a' (str)"),
    (lambda ds: ds.skip(2.5), "skip: count must be an int; got 2.5"),
    (lambda ds: ds.repeat("3"), "repeat: count must be an int; got '3' (str)"),
    (lambda ds: ds.shard(2, "0"), "shard: index must be an int >= 0; got '0' (str)"),
    (lambda ds: ds.enumerate(start="1"), "enumerate: start must be an int; got '1' (str)"),
    (lambda ds: tf.data.Dataset.zip((ds, [1, 2, 3])),
     "zip: expected a tuple or dict of Datasets; got [1, 2, 3] (list) among them"),
], ids=["take", "skip", "repeat", "shard", "enumerate", "zip"])
def test_a_dataset_given_a_wrong_argument_names_it_at_the_users_line(mistake, said):
    dataset = tf.data.Dataset.range(4)
    with pytest.raises(TypeError) as raised:
        mistake(dataset)
    assert str(raised.value).startswith(said), str(raised.value)
    assert raised.value.source.filename == __file__
    assert [int(x) for x in dataset] == [0, 1, 2, 3]   # the dataset is as it was


def test_a_gradient_asked_of_the_model_itself_says_to_give_its_variables():
    model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(tf.ones((3, 4))))
    with pytest.raises(TypeError) as raised:
        tape.gradient(loss, model)
    text = str(raised.value)
    assert text.startswith("GradientTape.gradient: sources must be tensors or variables; got "
                           "<Sequential"), text
    assert "hint: ask for its variables: tape.gradient(loss, model.trainable_variables)" in text
    assert raised.value.source.filename == __file__
    assert len(tape.gradient(loss, model.trainable_variables)) == 2   # the tape still answers


def test_apply_gradients_given_none_says_what_it_expected():
    with pytest.raises(TypeError) as raised:
        tf.keras.optimizers.SGD(0.1).apply_gradients(None)
    assert str(raised.value).startswith("SGD.apply_gradients: expected (gradient, variable) "
                                        "pairs, e.g. zip(grads, model.trainable_variables); "
                                        "got None (NoneType)"), str(raised.value)
    assert raised.value.source.filename == __file__


@pytest.mark.parametrize("update, said", [
    (lambda w: w.assign(tf.constant([1, 2])),
     "assign: the new value must have the variable's dtype float32; got int32"),
    (lambda w: w.assign_add(tf.constant([1, 2])),
     "assign_add: the delta must have the variable's dtype float32; got int32"),
], ids=["assign", "assign_add"])
def test_a_variable_updated_with_integers_says_the_variables_dtype(update, said):
    w = tf.Variable([1.0, 2.0])
    with pytest.raises(TypeError) as raised:
        update(w)
    text = str(raised.value)
    assert text.startswith(said) and "hint: cast it first: tf.cast(value, tf.float32)" in text
    assert raised.value.source.filename == __file__
    assert w.numpy().tolist() == [1.0, 2.0]   # left as it was


def test_a_constant_never_watched_is_named_with_the_watch_and_the_line_that_opened_its_tape():
    images = tf.constant([1.0, 2.0])
    w = tf.Variable([1.0, 2.0])
    opened = sys._getframe().f_lineno + 1
    with tf.GradientTape(persistent=True) as g:
        seen = tf.reduce_sum(images * w)
        loss = tf.reduce_sum(images * 2.0)
    found = why_none(g, loss, images)
    assert found.kind == "not_watched"
    assert found.message.startswith(
        "the tensor images (float32, shape (2,)) is not a Variable, and a tape watches only "
        "trainable variables by itself: add g.watch(images) as the first line inside the "
        "`with` block that opens g, before anything reads it; g was opened at "), found.message
    assert f"test_reliability_messages.py:{opened}: with tf.GradientTape(persistent=True) " \
           f"as g:" in found.message, found.message
    assert found.source.lineno == opened
    assert float(g.gradient(seen, w)[0]) == 1.0   # the tape still answers


def test_integers_beside_floats_are_named_as_the_user_passed_them():
    steps = tf.constant([3, 4], tf.int64)
    predictions = tf.constant([0.5, 0.5])
    with pytest.raises(TypeError) as raised:
        tf.reduce_mean(tf.square(predictions - steps))
    assert str(raised.value).startswith("subtract: inputs must have the same dtype; got input 0 "
                                        "is float32, input 1 is int64")
    assert raised.value.hint == ("cast steps to float32: tf.cast(steps, tf.float32) (casting "
                                 "the floats to an integer dtype would stop their gradient)")
    assert raised.value.source.filename == __file__
    with pytest.raises(TypeError) as raised:
        tf.matmul(tf.ones((2, 3)), tf.ones((3, 1), tf.int32))
    assert raised.value.hint.startswith("cast the second operand of matmul to float32: "
                                        "tf.cast(x, tf.float32)"), raised.value.hint


@pytest.mark.parametrize("kind, said", [
    ("relu", "; 'relu' is an op: break_on(op='relu')"),
    ("dense", "; the kinds: activation, compare, conv, "),
], ids=["an op's name", "no kind near it"])
def test_break_on_given_a_kind_no_op_has_says_what_to_write(kind, said):
    with pytest.raises(ValueError) as raised:
        tf.debugger.break_on(kind=kind)
    assert str(raised.value).startswith(f"break_on: no kind is called {kind!r}{said}"), \
        str(raised.value)
    assert raised.value.source.filename == __file__
    assert tf.debugger.breakpoints() == []   # nothing was set


def test_a_kind_no_op_has_lists_the_kinds_with_torch_imported_too(monkeypatch):
    """Kinds are the same in every engine: torch imported (by an earlier test, a notebook's
    cell) without tapeviz.torch changes nothing of what a kind's refusal says."""
    monkeypatch.setitem(sys.modules, "torch", sys.modules.get("torch", object()))
    monkeypatch.delitem(sys.modules, "tapeviz.torch", raising=False)
    with pytest.raises(ValueError) as raised:
        tf.debugger.break_on(kind="dense")
    assert str(raised.value).startswith("break_on: no kind is called 'dense'; the kinds: "
                                        "activation, compare, conv, "), str(raised.value)


def test_minimize_given_no_variables_says_what_to_give_at_the_users_line():
    w = tf.Variable([1.0, 2.0])
    with pytest.raises(TypeError) as raised:
        tf.keras.optimizers.SGD(0.1).minimize(lambda: tf.reduce_sum(w * w))
    assert str(raised.value).startswith("SGD.minimize: expected var_list, the variables to "
                                        "train, as TF 2's minimize does; got none"), \
        str(raised.value)
    assert "hint: minimize(loss_fn, model.trainable_variables)" in str(raised.value)
    assert raised.value.source.filename == __file__
    assert w.numpy().tolist() == [1.0, 2.0]   # nothing applied


def test_a_keras_2_method_tensorflow_removed_says_what_replaces_it():
    model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    assert not hasattr(model, "fit_generator")   # as in TF 2.16 and later
    with pytest.raises(AttributeError) as raised:
        model.fit_generator(None)
    assert str(raised.value).startswith("Sequential.fit_generator: TensorFlow 2.16 (Keras 3) "
                                        "removed fit_generator; fit takes its place"), \
        str(raised.value)
    assert "hint: model.fit(...) takes a Python generator or a tf.data.Dataset as x" in \
        str(raised.value)
    assert raised.value.source.filename == __file__
