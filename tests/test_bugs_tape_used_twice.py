"""A non-persistent GradientTape asked for a second gradient: TF says only that the tape was
used; tapeviz's error names the second call's line and the FIRST call's too (marked `# FIRST`
here, looked up, never hard-coded), or says the first ran at that same line, an earlier
pass (a tape opened once, outside the training loop). A tape opened inside the loop, or a
persistent one, trains with no error."""
import pytest

from programs import line_of, marked_line

import tapeviz as tf


def two_losses_one_tape():
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = w * w
        penalty = 0.1 * tf.abs(w)
    grads = tape.gradient(loss, [w])  # FIRST: two losses
    more = tape.gradient(penalty, [w])  # SECOND: two losses
    return grads, more


def tape_opened_before_the_loop(steps=3):
    w = tf.Variable(2.0)
    optimizer = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = w * w
    for _ in range(steps):
        grads = tape.gradient(loss, [w])  # FIRST AND SECOND: the loop
        optimizer.apply_gradients(zip(grads, [w]))


def tape_opened_in_the_loop(steps=3, persistent=False):
    w = tf.Variable(2.0)
    optimizer = tf.keras.optimizers.SGD(0.1)
    for _ in range(steps):
        with tf.GradientTape(persistent=persistent) as tape:
            loss = w * w
        grads = tape.gradient(loss, [w])
        if persistent:
            grads = tape.gradient(loss, [w])
        optimizer.apply_gradients(zip(grads, [w]))
    return float(w.numpy())


def test_a_second_gradient_call_names_the_first_calls_line():
    """was: '... this call to gradient is the second' at the second's line alone."""
    with pytest.raises(RuntimeError) as raised:
        two_losses_one_tape()
    text = str(raised.value)
    first = marked_line(__file__, "# FIRST: two losses")
    assert (f"this call to gradient is the second (the first ran at tests/{first} in "
            f"two_losses_one_tape: grads = tape.gradient(loss, [w])  # FIRST: two losses)"
            ) in text
    assert raised.value.source.lineno == line_of(__file__, "# SECOND: two losses")


def test_a_tape_opened_before_the_loop_is_told_the_first_call_was_the_same_line():
    with pytest.raises(RuntimeError) as raised:
        tape_opened_before_the_loop()
    assert ("this call to gradient is the second (the first ran at this same line, on an "
            "earlier pass through it)") in str(raised.value)
    assert raised.value.source.lineno == line_of(__file__, "# FIRST AND SECOND: the loop")
    assert "open a new `with tf.GradientTape() as tape:` inside the loop" in str(raised.value)


@pytest.mark.parametrize("persistent", [False, True])
def test_a_tape_opened_in_the_loop_or_a_persistent_one_trains(persistent):
    assert tape_opened_in_the_loop(persistent=persistent) < 2.0   # w moved toward 0
