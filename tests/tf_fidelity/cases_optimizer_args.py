"""Cases for the Keras 3 optimizer constructor beyond the learning rate: `weight_decay=`
(every optimizer, AdamW's default, `exclude_from_weight_decay`, under a schedule, in
`fit`), the clipping arguments' rules (one at most, 0 clips nothing), `loss_scale_factor`
(in `fit` too), `use_ema` (its overwrite frequency, `fit`'s final swap),
`gradient_accumulation_steps`, and `decay`, which tapeviz reads as Keras 2 did.
Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case
from .harness import spread


def _steps(tf, make, steps=3, dtype="float32", finalize=False):
    """[w, b] after each of `steps` updates from fixed gradients, and the step count (then,
    to `finalize`, [w, b] with the moving averages swapped in, as fit does at its end)."""
    w = tf.Variable(np.array([1.0, -2.0, 0.5], dtype), name="kernel")
    b = tf.Variable(np.array([0.25, -0.75], dtype), name="bias")
    optimizer = make(tf)
    history = []
    for step in range(steps):
        optimizer.apply_gradients([
            (tf.constant(spread((3,), seed=50 + step, dtype=dtype)), w),
            (tf.constant(spread((2,), seed=60 + step, dtype=dtype)), b)])
        history += [w.numpy(), b.numpy()]
    history.append(int(optimizer.iterations.numpy()))
    if finalize:
        optimizer.finalize_variable_values([w, b])
        history += [w.numpy(), b.numpy()]
    return history


def _piecewise(tf):
    return tf.keras.optimizers.schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.05, 0.01])


def _excluded_by_list(tf):
    """AdamW with the bias left out of the decay by the variable itself."""
    w = tf.Variable([1.0, -2.0, 0.5])
    b = tf.Variable([0.25, -0.75])
    optimizer = tf.keras.optimizers.AdamW(0.05, weight_decay=0.2)
    optimizer.exclude_from_weight_decay(var_list=[b])
    for step in range(2):
        optimizer.apply_gradients([(tf.constant(spread((3,), seed=70 + step)), w),
                                   (tf.constant(spread((2,), seed=80 + step)), b)])
    return [w, b]


def _excluded_by_name(make):
    def run(tf):
        optimizer = make(tf)
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        return _steps(tf, lambda tf: optimizer, steps=2)
    return run


def _none_gradient_not_decayed(tf):
    """A variable whose gradient is None keeps its value: Keras 3 decays only the variables
    it updates."""
    w, b = tf.Variable([1.0, -2.0]), tf.Variable([0.5])
    optimizer = tf.keras.optimizers.SGD(0.1, weight_decay=0.5)
    optimizer.apply_gradients([(tf.constant([0.5, 0.5]), w), (tf.constant([0.0]), b)])
    optimizer.apply_gradients([(tf.constant([0.5, 0.5]), w), (None, b)])
    return [w, b, int(optimizer.iterations.numpy())]


def _fit_with(make, exclude_bias=False):
    """A Dense(1) of fixed weights fitted for two epochs with the optimizer `make` gives."""
    def run(tf):
        x = spread((8, 3), seed=90)
        y = spread((8, 1), seed=91)
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(
            1, kernel_initializer="ones", bias_initializer="ones")])
        optimizer = make(tf)
        if exclude_bias:
            optimizer.exclude_from_weight_decay(var_names=["bias"])
        model.compile(optimizer=optimizer, loss="mse")
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        return [w.numpy() for w in model.weights] + [np.array(history.history["loss"],
                                                             np.float32)]
    return run


WEIGHT_DECAY = {
    "SGD/rule_weight_decay_momentum": lambda tf: tf.keras.optimizers.SGD(
        0.1, momentum=0.9, weight_decay=0.05),
    "SGD/rule_weight_decay_schedule": lambda tf: tf.keras.optimizers.SGD(
        tf.keras.optimizers.schedules.ExponentialDecay(0.2, decay_steps=1, decay_rate=0.5),
        weight_decay=0.3),
    "AdamW/rule_default_weight_decay": lambda tf: tf.keras.optimizers.AdamW(0.05),
    "AdamW/rule_schedule": lambda tf: tf.keras.optimizers.AdamW(_piecewise(tf),
                                                                weight_decay=0.5),
    "AdamW/rule_amsgrad_clipnorm": lambda tf: tf.keras.optimizers.AdamW(
        0.05, weight_decay=0.1, amsgrad=True, clipnorm=0.5),
    "RMSprop/rule_weight_decay": lambda tf: tf.keras.optimizers.RMSprop(
        0.02, momentum=0.3, weight_decay=0.1),
    "Adagrad/rule_weight_decay": lambda tf: tf.keras.optimizers.Adagrad(0.1, weight_decay=0.2),
    "Adam/rule_weight_decay_float_learning_rate_set": None,
}


def _learning_rate_set_between(tf):
    """Adam with weight decay whose learning rate is set between steps: the decay reads the
    rate of its step."""
    w = tf.Variable([1.0, -2.0, 0.5])
    optimizer = tf.keras.optimizers.Adam(0.1, weight_decay=0.5)
    optimizer.apply_gradients([(tf.constant([0.5, -1.0, 2.0]), w)])
    optimizer.learning_rate = 0.01
    optimizer.apply_gradients([(tf.constant([0.5, -1.0, 2.0]), w)])
    return w


for _name, _make in WEIGHT_DECAY.items():
    add_case(f"keras.optimizers.{_name}",
             _learning_rate_set_between if _make is None
             else (lambda tf, _m=_make: _steps(tf, _m)), grad=False)

add_case("keras.optimizers.SGD/rule_weight_decay_float64",
         lambda tf: _steps(tf, lambda tf: tf.keras.optimizers.SGD(0.1, weight_decay=0.3),
                           dtype="float64"), grad=False)
add_case("keras.optimizers.AdamW/rule_exclude_var_list", _excluded_by_list, grad=False)
add_case("keras.optimizers.AdamW/rule_exclude_var_names", _excluded_by_name(
    lambda tf: tf.keras.optimizers.AdamW(0.05, weight_decay=0.2)), grad=False)
add_case("keras.optimizers.SGD/rule_exclude_var_names", _excluded_by_name(
    lambda tf: tf.keras.optimizers.SGD(0.1, weight_decay=0.5)), grad=False)
add_case("keras.optimizers.SGD/rule_weight_decay_none_gradient", _none_gradient_not_decayed,
         grad=False)
add_case("keras.optimizers.AdamW/rule_fit", _fit_with(
    lambda tf: tf.keras.optimizers.AdamW(0.1, weight_decay=0.2)), grad=False)
add_case("keras.optimizers.AdamW/rule_fit_bias_excluded", _fit_with(
    lambda tf: tf.keras.optimizers.AdamW(0.1, weight_decay=0.2), exclude_bias=True),
         grad=False)
add_case("keras.optimizers.Adam/rule_bias_correction_float32", lambda tf: _steps(
    tf, lambda tf: tf.keras.optimizers.Adam(0.1)), grad=False)
add_case("keras.optimizers.get/rule_adamw", lambda tf: [
    type(tf.keras.optimizers.get("adamw")).__name__,
    float(tf.keras.optimizers.get("adamw").weight_decay)], grad=False, op="get")
add_case("keras.optimizers.AdamW/rule_weight_decay_none",
         lambda tf: tf.keras.optimizers.AdamW(weight_decay=None), grad=False, op="weight_decay")

# ---- clipping, loss scaling ------------------------------------------------------------------
CLIPPING = {
    "SGD/rule_clipnorm_zero_clips_nothing": lambda tf: tf.keras.optimizers.SGD(
        0.1, clipnorm=0.0),
    "SGD/rule_clipnorm_each_gradient": lambda tf: tf.keras.optimizers.SGD(0.1, clipnorm=0.4),
    "Adam/rule_clipvalue_each_element": lambda tf: tf.keras.optimizers.Adam(
        0.05, clipvalue=0.2),
    "RMSprop/rule_global_clipnorm": lambda tf: tf.keras.optimizers.RMSprop(
        0.02, global_clipnorm=0.5),
    "SGD/rule_loss_scale_factor": lambda tf: tf.keras.optimizers.SGD(
        0.1, loss_scale_factor=4.0),
    "Adam/rule_loss_scale_factor_clipnorm": lambda tf: tf.keras.optimizers.Adam(
        0.05, loss_scale_factor=8.0, clipnorm=0.3),
}
for _name, _make in CLIPPING.items():
    add_case(f"keras.optimizers.{_name}", lambda tf, _m=_make: _steps(tf, _m), grad=False)

add_case("keras.optimizers.Adam/rule_clipnorm_and_clipvalue",
         lambda tf: tf.keras.optimizers.Adam(clipnorm=1.0, clipvalue=0.5), grad=False,
         op="clipnorm")
add_case("keras.optimizers.SGD/rule_clipvalue_and_global_clipnorm",
         lambda tf: tf.keras.optimizers.SGD(clipvalue=1.0, global_clipnorm=0.5), grad=False,
         op="clipvalue")
add_case("keras.optimizers.SGD/rule_scale_loss", lambda tf: [
    tf.keras.optimizers.SGD(loss_scale_factor=128.0).scale_loss(tf.constant(0.5)),
    tf.keras.optimizers.SGD().scale_loss(tf.constant(0.5))], grad=False)
add_case("keras.optimizers.SGD/rule_fit_loss_scale_factor", _fit_with(
    lambda tf: tf.keras.optimizers.SGD(0.05, loss_scale_factor=16.0)), grad=False)

# ---- moving averages, accumulated gradients, Keras 2's decay ----------------------------------
SEVERAL_CALLS = {
    "Adam/rule_use_ema": lambda tf: tf.keras.optimizers.Adam(0.05, use_ema=True,
                                                             ema_momentum=0.5),
    "Adam/rule_use_ema_overwrite_frequency": lambda tf: tf.keras.optimizers.Adam(
        0.05, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=2),
    "SGD/rule_gradient_accumulation_steps": lambda tf: tf.keras.optimizers.SGD(
        0.1, gradient_accumulation_steps=2),
    "Adam/rule_gradient_accumulation_weight_decay": lambda tf: tf.keras.optimizers.Adam(
        0.05, gradient_accumulation_steps=2, weight_decay=0.1),
    "SGD/rule_accumulation_and_ema": lambda tf: tf.keras.optimizers.SGD(
        0.1, momentum=0.5, gradient_accumulation_steps=3, use_ema=True, ema_momentum=0.8),
    "SGD/rule_decay_keras2": lambda tf: tf.keras.optimizers.SGD(0.1, decay=0.5),
    "SGD/rule_ema_arguments_without_use_ema": lambda tf: tf.keras.optimizers.SGD(
        0.1, ema_momentum=0.5, ema_overwrite_frequency=2),
}
for _name, _make in SEVERAL_CALLS.items():
    add_case(f"keras.optimizers.{_name}", lambda tf, _m=_make: _steps(tf, _m, steps=4),
             grad=False)


def _ema_with_a_none_gradient(tf):
    """The bias's gradient is None at the second step: Keras 3 still averages it."""
    w, b = tf.Variable([1.0, -2.0]), tf.Variable([0.5])
    optimizer = tf.keras.optimizers.SGD(0.5, use_ema=True, ema_momentum=0.5)
    optimizer.apply_gradients([(tf.constant([0.5, 0.5]), w), (tf.constant([1.0]), b)])
    optimizer.apply_gradients([(tf.constant([0.5, 0.5]), w), (None, b)])
    optimizer.finalize_variable_values([w, b])
    return [w, b]


add_case("keras.optimizers.SGD/rule_use_ema_none_gradient", _ema_with_a_none_gradient,
         grad=False)
add_case("keras.optimizers.SGD/rule_fit_use_ema", _fit_with(
    lambda tf: tf.keras.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5)), grad=False)
add_case("keras.optimizers.SGD/rule_fit_gradient_accumulation", _fit_with(
    lambda tf: tf.keras.optimizers.SGD(0.05, gradient_accumulation_steps=2)), grad=False)
add_case("keras.optimizers.SGD/rule_gradient_accumulation_steps_one",
         lambda tf: tf.keras.optimizers.SGD(0.1, gradient_accumulation_steps=1), grad=False,
         op="gradient_accumulation_steps")
add_case("keras.optimizers.SGD/rule_use_ema_momentum_out_of_range",
         lambda tf: tf.keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=1.5), grad=False,
         op="ema_momentum")


def _variable_given_twice(make):
    """The same variable in two pairs of one apply_gradients: Keras 3 applies both, one
    after the other, at one step count."""
    def run(tf):
        w, b = tf.Variable([1.0, 1.0], name="w"), tf.Variable(0.0, name="b")
        optimizer = make(tf)
        optimizer.apply_gradients([(tf.constant([1.0, 1.0]), w), (tf.constant(1.0), b),
                                   (tf.constant([3.0, 3.0]), w)])
        return [w, b, int(optimizer.iterations.numpy())]
    return run


add_case("keras.optimizers.SGD/hunt_variable_given_twice",
         _variable_given_twice(lambda tf: tf.keras.optimizers.SGD(0.1)), grad=False,
         op="apply_gradients")
add_case("keras.optimizers.Adam/hunt_variable_given_twice",
         _variable_given_twice(lambda tf: tf.keras.optimizers.Adam(0.1)), grad=False,
         op="apply_gradients")
