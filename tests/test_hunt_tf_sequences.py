"""Sequence models through `import tapeviz as tf`, as a student writes them after the text
tutorials, under every tool: an Embedding and GRU language model trained by a custom loop,
and an LSTM regressor. Planted bugs: the next-token softmax taken over axis 1, the steps of
each sequence, not the vocabulary (diagnose said nothing: the loss falls, to a model that
learns which step a token goes to); and the LSTM's code taken out by .numpy() and made a
tensor again, so the LSTM never trains (said, with both lines)."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose, find_nan_origin
from hunt_tools import found, paused_then_stopped, recorded_steps
from programs import line_of
from tf_program_tools import (no_warning_from, nothing_left_around, ops_drawn, paused_by,
                              recorded, runs_past, stepped_gradients, stepped_to_the_end,
                              trained_by_dashboard, widget_of)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def language_model(steps=3, axis=-1):
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 12, size=(8, 5))
    following = np.roll(tokens, -1, axis=1)
    model = tf.keras.Sequential([tf.keras.layers.Embedding(12, 4),
                                 tf.keras.layers.GRU(6, return_sequences=True),
                                 tf.keras.layers.Dense(12)])
    optimizer = tf.keras.optimizers.Adam(1e-2)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            logits = model(tokens)   # MODEL
            probabilities = tf.nn.softmax(logits, axis=axis)   # SOFTMAX
            picked = tf.gather(probabilities, following, batch_dims=2)
            loss = -tf.reduce_mean(tf.math.log(picked + 1e-9))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    return losses


def test_a_gru_language_model_is_drawn_stepped_and_run_under_every_tool():
    losses, rec = recorded(language_model)
    assert len(rec.steps) == 3 and losses[-1] < losses[0]
    widget = widget_of(rec)
    try:
        assert ops_drawn(widget)[0] == "softmax"   # (the model's layers: one box each)
        stepped_to_the_end(widget, limit=2000)
        assert {"embedding/embeddings", "dense/kernel"} <= set(stepped_gradients(widget))
    finally:
        widget.close()
    assert no_warning_from(lambda: find_nan_origin(rec.steps[-1])) is None
    runs_past(language_model, op="conv2d")
    paused_at, _ = paused_by(language_model, op="softmax")
    assert paused_at.source.lineno == line_of(__file__, "# SOFTMAX")
    many = recorded_steps(language_model, steps=20)   # (its steps kept after the first)
    assert len(many.steps) == 20 and diagnose(many) == []
    assert paused_then_stopped(language_model)[1] == line_of(__file__, "# MODEL")
    shown = trained_by_dashboard(language_model)
    assert shown["state"] == "finished" and shown["steps"] == 3 and shown["alerts"] == []


def test_a_softmax_over_the_steps_of_each_sequence_is_said_at_its_line():
    """Before: diagnose found nothing (the loss falls, slowly)."""
    rec = recorded_steps(language_model, steps=4, axis=1)
    finding = found(diagnose(rec), "softmax_axis")
    assert finding.source.lineno == line_of(__file__, "# SOFTMAX")
    assert finding.message.startswith(
        "softmax over axis 1 of (8, 5, 12), the 5 steps of each sequence, while its 12 "
        "classes, the units of the layer that made it, lie on the last axis")
    assert finding.message.endswith("fix: normalise over the classes, the last axis: "
                                    "tf.nn.softmax(logits) (axis=-1, the default)")


def test_attention_weights_over_the_keys_and_a_softmax_of_a_batch_of_matrices_are_not_it():
    """A softmax over axis 1 of values no layer's x @ w made (q @ k^T) is no finding."""
    queries = tf.Variable(np.random.default_rng(0).normal(size=(2, 4, 8)).astype(np.float32))
    with tf.GradientTape() as tape:
        scores = tf.matmul(queries, queries, transpose_b=True)
        loss = tf.reduce_sum(tf.nn.softmax(scores, axis=1) * scores)
    assert [f.kind for f in diagnose(tape, loss)] == []


def lstm_regressor(steps=3, numpy_between=False):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5, 3)).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    encoder, head = tf.keras.layers.LSTM(8), tf.keras.layers.Dense(1)
    optimizer = tf.keras.optimizers.Adam(1e-2)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            code = encoder(x)   # ENCODED
            if numpy_between:
                code = tf.constant(code.numpy())   # CUT
            loss = tf.reduce_mean(tf.square(head(code) - y))   # LOSS
        variables = encoder.trainable_variables + head.trainable_variables
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients([(g, v) for g, v in zip(grads, variables) if g is not None])
        losses.append(float(loss))
    return losses


def test_an_lstm_whose_code_leaves_the_tape_is_said_never_to_train_with_both_lines():
    rec = recorded_steps(lstm_regressor, steps=20)
    assert diagnose(rec) == []
    rec = recorded_steps(lstm_regressor, steps=4, numpy_between=True)
    finding = found(diagnose(rec), "gradient_cut")
    assert finding.source.lineno == line_of(__file__, "# LOSS")
    assert f"test_hunt_tf_sequences.py:{line_of(__file__, '# ENCODED')}" in finding.message
    assert "lstm" in finding.message and "left the graph and came back" in finding.message
    paused_at, hit = paused_by(lambda: lstm_regressor(steps=1), op="tanh")
    assert hit.node.scope.startswith("lstm")


def attention_by_hand(lengths):
    """Self-attention weights over the keys each row keeps, padding masked by -inf."""
    queries = tf.Variable(np.random.default_rng(0).normal(size=(2, 4, 8)).astype(np.float32))
    keep = np.arange(4)[None, None, :] < np.array(lengths)[:, None, None]
    with tf.GradientTape() as tape:
        scores = tf.matmul(queries, queries, transpose_b=True)
        scores = tf.where(keep, scores, -np.inf)   # MASKED
        loss = tf.reduce_sum(tf.matmul(tf.nn.softmax(scores), queries))   # WEIGHTS
    return tape, loss


def test_a_sequence_of_no_kept_key_is_found_at_the_softmax_not_said_bad_data():
    """Before: 'where was given -inf from outside the tape ... so it is in the data ...; fix:
    check the data before training ... np.nan_to_num': the user's own -np.inf, a mask that
    hid every key of the second sequence (length 0)."""
    tape, _ = attention_by_hand([4, 2])
    assert find_nan_origin(tape) is None
    tape, _ = attention_by_hand([4, 0])
    origin = find_nan_origin(tape)
    assert (origin.op, origin.source.lineno) == ("softmax", line_of(__file__, "# WEIGHTS"))
    assert "input 0 is the mask where filled with -inf at " in origin.reason
    assert f"test_hunt_tf_sequences.py:{line_of(__file__, '# MASKED')}: " in origin.reason
    assert "masks every entry of 4 of its 8 rows" in origin.reason
    assert "nan_to_num" not in str(origin) and "`keep` must be True on the keys" in origin.fix
