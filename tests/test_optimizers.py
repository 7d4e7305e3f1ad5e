"""Keras and TF1 optimizers against hand-computed numpy updates, plus their bookkeeping."""
import gc
import re
import warnings

import numpy as np
import pytest

import tapeviz as tf
import tapeviz.contrib.eager as tfe
from tapeviz.keras import optimizers
from tapeviz.keras.optimizers.base import optimizer_made_at

from programs import line_of

# a small quadratic: f(w) = 0.5 * sum(a * (w - c)^2), gradient a * (w - c)
A = np.array([1.0, 3.0, 0.5])
C = np.array([0.5, -1.0, 2.0])
W0 = np.array([2.0, 1.0, -1.0])


def _grad(w):
    return A * (w - C)


def _loss(w):
    return 0.5 * tf.reduce_sum(A * tf.square(w - C))


def _run(optimizer, steps=4):
    w = tf.Variable(W0.copy())
    history = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = _loss(w)
        optimizer.apply_gradients(zip([tape.gradient(loss, w)], [w]))
        history.append(w.numpy())
    return history


# ---- numpy references, Keras 2 formulas --------------------------------------------------------
def ref_sgd(lr=0.01, momentum=0.0, nesterov=False, steps=4):
    lr = float(np.float32(lr))  # the learning rate lives in a float32 variable, as in Keras
    w, v, out = W0.copy(), np.zeros(3), []
    for _ in range(steps):
        g = _grad(w)
        v = momentum * v - lr * g
        w = w + (momentum * v - lr * g if nesterov else v)
        out.append(w.copy())
    return out


def ref_adam(lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, steps=4, tf1=False):
    lr = float(np.float32(lr))  # the learning rate lives in a float32 variable, as in Keras
    if tf1:   # TF1's ApplyAdam: float32 betas and epsilon, its beta powers float32 products
        b1, b2, eps = (float(np.float32(x)) for x in (b1, b2, eps))
        powers = [np.float32(1.0), np.float32(1.0)]
    w, m, v, vhat, out = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3), []
    for t in range(1, steps + 1):
        g = _grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vhat = np.maximum(vhat, v)
        # Keras 3 casts the betas to the variable's dtype from float32 (ops.cast of a Python
        # float), TF1 keeps their powers in float32 variables: float32 betas in the step size
        b1_t, b2_t = float(np.float32(b1)) ** t, float(np.float32(b2)) ** t
        if tf1:
            powers = [powers[0] * np.float32(b1), powers[1] * np.float32(b2)]
            b1_t, b2_t = float(powers[0]), float(powers[1])
        lr_t = lr * np.sqrt(1 - b2_t) / (1 - b1_t)
        w = w - lr_t * m / (np.sqrt(vhat if amsgrad else v) + eps)
        out.append(w.copy())
    return out


def ref_rmsprop(lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False, steps=4, rms0=0.0):
    lr = float(np.float32(lr))  # the learning rate lives in a float32 variable, as in Keras
    w, rms, mg, mom, out = W0.copy(), np.full(3, rms0), np.zeros(3), np.zeros(3), []
    for _ in range(steps):
        g = _grad(w)
        rms = rho * rms + (1 - rho) * g * g
        mg = rho * mg + (1 - rho) * g
        denom = rms - mg * mg if centered else rms
        # Keras 3 and TF1's ApplyRMSProp kernel: epsilon inside the square root
        mom = momentum * mom + lr * g / np.sqrt(denom + eps)
        w = w - mom
        out.append(w.copy())
    return out


def ref_adagrad(lr=0.001, init=0.1, eps=1e-7, steps=4):
    lr = float(np.float32(lr))  # the learning rate lives in a float32 variable, as in Keras
    w, acc, out = W0.copy(), np.full(3, init), []
    for _ in range(steps):
        g = _grad(w)
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)   # Keras 3 (TF 2.21): epsilon inside the root
        out.append(w.copy())
    return out


CASES = {
    "sgd": (lambda: optimizers.SGD(), ref_sgd),
    "sgd_lr": (lambda: optimizers.SGD(0.1), lambda: ref_sgd(0.1)),
    "sgd_momentum": (lambda: optimizers.SGD(0.1, momentum=0.9), lambda: ref_sgd(0.1, 0.9)),
    "sgd_nesterov": (lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
                     lambda: ref_sgd(0.1, 0.9, True)),
    "adam": (lambda: optimizers.Adam(), ref_adam),
    "adam_lr": (lambda: optimizers.Adam(0.1, beta_1=0.8), lambda: ref_adam(0.1, b1=0.8)),
    "amsgrad": (lambda: optimizers.Adam(0.1, amsgrad=True), lambda: ref_adam(0.1, amsgrad=True)),
    "rmsprop": (lambda: optimizers.RMSprop(), ref_rmsprop),
    "rmsprop_centered": (lambda: optimizers.RMSprop(0.01, centered=True),
                         lambda: ref_rmsprop(0.01, centered=True)),
    "rmsprop_momentum": (lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
                         lambda: ref_rmsprop(0.01, momentum=0.5, centered=True)),
    "adagrad": (lambda: optimizers.Adagrad(), ref_adagrad),
    "adagrad_lr": (lambda: optimizers.Adagrad(0.5, initial_accumulator_value=1.0),
                   lambda: ref_adagrad(0.5, 1.0)),
    "tf1_gd": (lambda: tf.train.GradientDescentOptimizer(0.1), lambda: ref_sgd(0.1)),
    "tf1_adam": (lambda: tf.train.AdamOptimizer(0.1), lambda: ref_adam(0.1, eps=1e-8, tf1=True)),
    "tf1_momentum": (lambda: tf.train.MomentumOptimizer(0.1, 0.9), lambda: ref_sgd(0.1, 0.9)),
    "tf1_nesterov": (lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
                     lambda: ref_sgd(0.1, 0.9, True)),
    "tf1_adagrad": (lambda: tf.train.AdagradOptimizer(0.5), lambda: ref_adagrad(0.5, eps=0.0)),
    "tf1_rmsprop": (lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5),
                    lambda: ref_rmsprop(0.01, momentum=0.5, eps=1e-10, rms0=1.0)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_first_steps_match_hand_computed_updates(case):
    make, ref = CASES[case]
    for got, want in zip(_run(make()), ref()):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_keras_defaults():
    adam = optimizers.Adam()
    assert (float(adam.learning_rate), adam.beta_1, adam.beta_2, adam.epsilon) == \
        pytest.approx((0.001, 0.9, 0.999, 1e-7))
    assert float(optimizers.SGD().learning_rate) == pytest.approx(0.01)
    assert optimizers.RMSprop().rho == 0.9
    assert optimizers.Adagrad().initial_accumulator_value == 0.1


def test_iterations_is_a_non_trainable_int64_variable_counting_steps():
    opt = optimizers.Adam()
    _run(opt, steps=3)
    assert isinstance(opt.iterations, tf.Variable) and not opt.iterations.trainable
    assert opt.iterations.dtype == tf.int64 and int(opt.iterations) == 3


def test_slots_are_named_like_keras_and_keyed_by_variable():
    w = tf.Variable([1.0, 2.0], name="dense/kernel")
    opt = optimizers.Adam()
    opt.apply_gradients([(tf.constant([0.1, 0.2]), w)])
    m = opt.get_slot(w, "m")
    assert m.name.startswith(f"Adam/{w.name[:-2]}/m") and not m.trainable
    assert opt.get_slot_names() == ["m", "v"]
    assert len(opt.variables()) == len(opt.variables) == 3
    with pytest.raises(KeyError, match="vhat"):
        opt.get_slot(w, "vhat")


def test_learning_rate_is_readable_and_settable():
    opt = optimizers.SGD(0.1)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5 and float(opt.lr) == 0.5
    opt.learning_rate.assign(0.25)
    w = tf.Variable(1.0)
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == 0.75
    assert opt.get_config()["learning_rate"] == 0.25


def test_a_schedule_sets_the_learning_rate_from_iterations():
    schedule = optimizers.schedules.PiecewiseConstantDecay([0], [1.0, 0.5])
    opt = optimizers.SGD(schedule)
    w = tf.Variable(0.0)
    for _ in range(3):
        opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == -2.0  # 1.0 at step 0, then 0.5 twice


def test_none_gradients_warn_naming_the_variable_and_are_skipped():
    used, unused = tf.Variable(1.0, name="dense/kernel"), tf.Variable(1.0, name="dense/bias")
    opt = optimizers.SGD(0.5)
    assert unused.name.startswith("dense/bias")
    with pytest.warns(UserWarning) as caught:
        opt.apply_gradients(zip([tf.constant(1.0), None], [used, unused]))  # the call
    [warning] = caught
    call = line_of(__file__, "# the call")
    assert warning.filename == __file__ and warning.lineno == call
    message = str(warning.message)
    assert re.search(rf"SGD.apply_gradients at \S*test_optimizers\.py:{call}\b", message)
    said = unused.name.removesuffix(":0")   # as the graph draws it: no TF ':0'
    assert said != unused.name
    assert f"the gradient for variable '{said}' is None, so it is not updated" in message
    assert "did you forget to provide a `loss` argument" not in message
    assert float(used) == 0.5 and float(unused) == 1.0
    with pytest.raises(ValueError, match="no gradients provided for any variable"):
        opt.apply_gradients([(None, unused)])


def test_a_none_gradient_from_the_last_tape_is_warned_about_with_its_reason():
    w, unused = tf.Variable([1.0, 2.0], name="w"), tf.Variable(3.0, name="temperature")
    opt = optimizers.Adam(0.1)
    for _ in range(3):  # one warning for the line, not one per step
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * w)  # the loss
        grads = tape.gradient(loss, [w, unused])
        with pytest.warns(UserWarning) as caught:
            opt.apply_gradients(zip(grads, [w, unused]))
    [warning] = [w for w in caught if "temperature" in str(w.message)]
    message = str(warning.message)
    said = unused.name.removesuffix(":0")   # as the graph draws it
    assert f"variable '{said}' was never read by an op recorded on this tape" in message
    loss_line = line_of(__file__, "# the loss")
    assert re.search(rf"made at \S*test_optimizers\.py:{loss_line}\b", message)


def test_tf1_optimizers_skip_none_gradients_quietly():
    used, unused = tf.Variable(1.0), tf.Variable(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tf.train.GradientDescentOptimizer(0.5).apply_gradients([(tf.constant(1.0), used),
                                                                (None, unused)])
    assert float(used) == 0.5


def test_gradient_of_the_wrong_shape_names_the_variable():
    w = tf.Variable([1.0, 2.0], name="w")
    with pytest.raises(tf.ShapeError, match=r"SGD.*variable 'w' must.*\(2,\).*\(3,\)"):
        optimizers.SGD().apply_gradients([(tf.constant([1.0, 2.0, 3.0]), w)])


def test_minimize_with_a_callable_loss():
    w = tf.Variable(W0.copy())
    opt = optimizers.SGD(0.1)
    for _ in range(4):
        opt.minimize(lambda: _loss(w), var_list=[w])
    np.testing.assert_allclose(w.numpy(), ref_sgd(0.1)[-1])


def test_minimize_with_a_tensor_loss_and_its_tape():
    w = tf.Variable(W0.copy())
    opt = optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = _loss(w)
    opt.minimize(loss, var_list=[w], tape=tape)
    np.testing.assert_allclose(w.numpy(), ref_sgd(0.1, steps=1)[-1])
    with pytest.raises(ValueError, match="`tape` is required"):
        opt.minimize(_loss(w), var_list=[w])


def test_updates_are_seen_by_subscribers_but_not_recorded_by_an_enclosing_tape():
    w = tf.Variable(W0.copy())
    opt = optimizers.Adam(0.1)
    events = []
    tf.subscribe(events.append)
    try:
        with tf.GradientTape(persistent=True) as outer:
            with tf.GradientTape() as inner:
                loss = _loss(w)
            grad = inner.gradient(loss, w)  # its VJPs are on the outer tape (higher order)
            recorded = len(outer.nodes)
            opt.apply_gradients(zip([grad], [w]))
    finally:
        tf.unsubscribe(events.append)
    update_ops = [e.node for e in events if isinstance(e, tf.OpExecuted)
                  and e.node.op.kind == "update"]
    # m, v and w each changed by one update op reading that variable; then the step count
    assert [(n.op.name, n.inputs[0].variable) for n in update_ops] == [
        ("moving_average", opt.get_slot(w, "m")), ("moving_average", opt.get_slot(w, "v")),
        ("adam_step", w), ("assign_add", opt.iterations)]
    assert [n.scope for n in update_ops] == [f"Adam/{w.name[:-2]}"] * 3 + ["Adam"]
    np.testing.assert_array_equal(update_ops[2].output.numpy(), w.numpy())
    assert len(outer.nodes) == recorded  # nothing from the update reached the outer tape
    assert not any(n.scope.startswith("Adam") for n in outer.nodes)


def test_sgd_converges_on_least_squares():
    x = np.linspace(-1, 1, 50)
    y = 3.0 * x - 0.5
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    opt = optimizers.SGD(0.2)
    for _ in range(300):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(w * x.astype(np.float32) + b - y.astype(np.float32)))
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    assert float(w) == pytest.approx(3.0, abs=1e-3) and float(b) == pytest.approx(-0.5, abs=1e-3)


def test_tf1_gradient_descent_with_implicit_gradients_matches_plain_sgd():
    w = tf.Variable(W0.copy())
    step = tf.train.get_or_create_global_step()
    start = int(step)
    value_and_grads = tfe.implicit_value_and_gradients(lambda: _loss(w))
    opt = tf.train.GradientDescentOptimizer(0.1)
    history = []
    for _ in range(4):
        _, grads_and_vars = value_and_grads()
        opt.apply_gradients(grads_and_vars, global_step=step)
        history.append(w.numpy())
    for got, want in zip(history, ref_sgd(0.1)):
        np.testing.assert_allclose(got, want)
    assert int(step) == start + 4 and tf.train.get_global_step() is step


def test_tf1_minimize_differentiates_every_variable_the_loss_reads():
    w = tf.Variable(W0.copy())
    tf.train.AdamOptimizer(0.1).minimize(lambda: _loss(w))
    np.testing.assert_allclose(w.numpy(), ref_adam(0.1, eps=1e-8, steps=1, tf1=True)[-1])


def test_clipping_options():
    w = tf.Variable([0.0, 0.0])
    optimizers.SGD(1.0, clipvalue=0.5).apply_gradients([(tf.constant([2.0, -0.1]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.5, 0.1])
    w = tf.Variable([0.0, 0.0])
    optimizers.SGD(1.0, clipnorm=1.0).apply_gradients([(tf.constant([3.0, 4.0]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.6, -0.8], rtol=1e-6)


def test_get_and_serialize():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("SGD"), optimizers.SGD)
    assert isinstance(optimizers.get("rmsprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("adagrad"), optimizers.Adagrad)
    opt = optimizers.Adam(0.01, amsgrad=True)
    assert optimizers.get(opt) is opt
    tf1 = tf.train.AdamOptimizer()
    assert optimizers.get(tf1) is tf1
    copy = optimizers.deserialize(optimizers.serialize(opt))
    assert copy.amsgrad and float(copy.learning_rate) == pytest.approx(0.01)
    assert isinstance(optimizers.get("adamw"), optimizers.AdamW)
    with pytest.raises(ValueError, match="Unknown optimizer: 'nadam'"):
        optimizers.get("nadam")
    decayed = optimizers.deserialize(optimizers.serialize(optimizers.AdamW(weight_decay=0.1)))
    assert isinstance(decayed, optimizers.AdamW) and decayed.weight_decay == 0.1
    assert optimizers.legacy.Adam is optimizers.Adam


def test_only_a_live_optimizers_step_count_says_where_the_optimizer_was_made():
    optimizer = tf.keras.optimizers.SGD(0.1)   # made here
    count = optimizer.iterations
    made = optimizer_made_at(count)
    assert (made.line, made.lineno) == (
        "optimizer = tf.keras.optimizers.SGD(0.1)   # made here", count.made_at.lineno)
    assert optimizer_made_at(tf.Variable(1.0)) is None
    name = count.name
    del optimizer, count, made
    gc.collect()
    # a variable of the user's that takes the dead optimizer's name is not its step count
    counter = tf.Variable(np.int64(0), trainable=False, name=name.split(":")[0])
    assert counter.name == name
    assert optimizer_made_at(counter) is None
