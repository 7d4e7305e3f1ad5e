"""Learning-rate schedules' dtypes: each computes in its initial rate's dtype as
convert_to_tensor gives it (a Python float float32, np.float64 float64, an int int32, which
casts decay_rate, end_learning_rate, power and the step to int too and leaves CosineDecay's
pi 3, as Keras 3 does); PiecewiseConstantDecay gives its first value's dtype. An optimizer
under such a schedule reads `learning_rate` in that dtype and updates in the variable's.
CosineDecayRestarts below -first_decay_steps is NaN, as TF's log of a negative number.
Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case

SCHEDULES = {
    "ExponentialDecay": lambda s, r: s.ExponentialDecay(r, 10, 0.5),
    "ExponentialDecay/staircase": lambda s, r: s.ExponentialDecay(r * 3, 10, 2.7,
                                                                  staircase=True),
    "InverseTimeDecay": lambda s, r: s.InverseTimeDecay(r * 3, 10, 2.7),
    "PolynomialDecay": lambda s, r: s.PolynomialDecay(r * 2, 10, 0.5, power=1.5),
    "PolynomialDecay/cycle": lambda s, r: s.PolynomialDecay(r * 2, 10, 0.5, power=1.5,
                                                            cycle=True),
    "CosineDecay": lambda s, r: s.CosineDecay(r, 10, alpha=0.1),
    "CosineDecay/warmup": lambda s, r: s.CosineDecay(r, 10, warmup_target=r * 2,
                                                     warmup_steps=5),
    "CosineDecayRestarts": lambda s, r: s.CosineDecayRestarts(r, 10),
    "CosineDecayRestarts/equal_periods": lambda s, r: s.CosineDecayRestarts(r, 10, t_mul=1.0),
}
RATES = {   # the initial rate: each a dtype convert_to_tensor gives it
    "int": lambda tf: 1,
    "numpy_int64": lambda tf: np.int64(1),
    "float64": lambda tf: np.float64(0.5),
    "float64_tensor": lambda tf: tf.constant(0.5, tf.float64),
    "float32": lambda tf: np.float32(0.5),
}
STEPS = {
    "scalar": lambda tf: 3,
    "fraction": lambda tf: 3.7,
    "array": lambda tf: np.array([0, 3.7, 12, 25]),
}


def _rates(tf, make, rate, steps):
    return make(tf.keras.optimizers.schedules, rate(tf))(steps(tf))


for _name, _make in SCHEDULES.items():
    for _rate_name, _rate in RATES.items():
        for _steps_name, _steps in STEPS.items():
            if _name == "CosineDecay/warmup" and _steps_name == "array":
                continue   # refused for any dtype (cases_schedule_arrays has it)
            add_case(f"keras.optimizers.schedules.{_name}/rate_{_rate_name}_{_steps_name}",
                     lambda tf, _m=_make, _r=_rate, _s=_steps: _rates(tf, _m, _r, _s),
                     grad=False, op=_name.split("/")[0])

PIECEWISE_VALUES = {
    "int": lambda tf: [1, 2, 3],
    "float64": lambda tf: [np.float64(0.5), np.float64(0.25), np.float64(0.125)],
    "float32": lambda tf: [0.5, 0.25, 0.125],
    "int_then_float": lambda tf: [1, 2.0, 3.0],
    "float_then_int": lambda tf: [2.0, 1, 1],
}
for _values_name, _values in PIECEWISE_VALUES.items():
    for _steps_name, _steps in STEPS.items():
        add_case(f"keras.optimizers.schedules.PiecewiseConstantDecay/values_{_values_name}_"
                 f"{_steps_name}",
                 lambda tf, _v=_values, _s=_steps: tf.keras.optimizers.schedules.
                 PiecewiseConstantDecay([2, 10], _v(tf))(_s(tf)), grad=False,
                 op="PiecewiseConstantDecay")


def _trained(tf, optimizer, schedule, variable_dtype):
    """The optimizer's learning_rate before and after two updates, and the weights (three
    for an `optimizer` given as a function of tf making it)."""
    opt = optimizer(tf) if callable(optimizer) else getattr(tf.keras.optimizers,
                                                             optimizer)(schedule)
    w = tf.Variable([1.0, 2.0], dtype=variable_dtype)
    seen = [opt.learning_rate]
    for _ in range(3 if callable(optimizer) else 2):
        opt.apply_gradients([(tf.constant([0.5, -1.0], variable_dtype), w)])
        seen += [opt.learning_rate, tf.identity(w)]
    return seen


OPTIMIZED = {
    "exponential_float64": lambda s: s.ExponentialDecay(np.float64(0.5), 10, 0.5),
    "exponential_int": lambda s: s.ExponentialDecay(1, 10, 0.5),
    "piecewise_int": lambda s: s.PiecewiseConstantDecay([1], [1, 0]),
    "piecewise_float64": lambda s: s.PiecewiseConstantDecay([1], [np.float64(0.5),
                                                                   np.float64(0.25)]),
    "cosine_float64": lambda s: s.CosineDecay(np.float64(0.5), 10),
}
for _name, _make in OPTIMIZED.items():
    for _optimizer, _variable_dtypes in (("SGD", ("float32", "float64")), ("Adam", ("float32",))):
        for _variable_dtype in _variable_dtypes:
            add_case(f"keras.optimizers.{_optimizer}/schedule_{_name}_{_variable_dtype}",
                     lambda tf, _o=_optimizer, _m=_make, _d=_variable_dtype: _trained(
                         tf, _o, _m(tf.keras.optimizers.schedules), _d), grad=False)

add_case("keras.optimizers.Adam/schedule_piecewise_float64_float64",
         lambda tf: _trained(tf, "Adam", tf.keras.optimizers.schedules.PiecewiseConstantDecay(
             [1], [np.float64(0.5), np.float64(0.25)]), "float64"), grad=False)
# Adam's betas are float32 before the cast to a float64 or float16 variable's dtype in Keras 3
ADAM_FORMS = {
    "Adam": lambda tf: tf.keras.optimizers.Adam(0.1),
    "amsgrad": lambda tf: tf.keras.optimizers.Adam(0.1, amsgrad=True),
    "AdamW": lambda tf: tf.keras.optimizers.AdamW(0.1),
    "betas": lambda tf: tf.keras.optimizers.Adam(0.1, beta_1=0.7, beta_2=0.77, epsilon=1e-3),
}
# Adagrad's accumulator starts at Constant(0.1): float32's 0.1 in a float64 variable's slot
for _variable_dtype in ("float64", "float16"):
    add_case(f"keras.optimizers.Adagrad/variable_{_variable_dtype}",
             lambda tf, _d=_variable_dtype: _trained(
                 tf, lambda tf: tf.keras.optimizers.Adagrad(0.1), None, _d), grad=False)
for _form, _make_adam in ADAM_FORMS.items():
    for _variable_dtype in ("float64", "float16"):
        add_case(f"keras.optimizers.Adam/variable_{_variable_dtype}_{_form}",
                 lambda tf, _m=_make_adam, _d=_variable_dtype: _trained(tf, _m, None, _d),
                 grad=False)

# an int initial rate under each optimizer and variable dtype: the schedule's int32 rate
# (ExponentialDecay(1, 10, 0.5) is 1 then 0, its decay_rate cast to int) read by the update
INT_RATES = {
    "exponential": lambda s: s.ExponentialDecay(1, 10, 0.5),
    "inverse_time": lambda s: s.InverseTimeDecay(1, 10, 2),
    "polynomial": lambda s: s.PolynomialDecay(2, 10, 1),
    "cosine": lambda s: s.CosineDecay(1, 10),
    "piecewise": lambda s: s.PiecewiseConstantDecay([1], [1, 0]),
}
for _name, _make in INT_RATES.items():
    for _optimizer in ("SGD", "Adam", "RMSprop", "Adagrad", "AdamW"):
        for _variable_dtype in ("float32", "float64"):
            add_case(f"keras.optimizers.{_optimizer}/int_rate_{_name}_{_variable_dtype}",
                     lambda tf, _o=_optimizer, _m=_make, _d=_variable_dtype: _trained(
                         tf, _o, _m(tf.keras.optimizers.schedules), _d), grad=False)

RESTART_STEPS = {   # below -first_decay_steps the log's argument is negative: NaN in TF
    "minus_15": lambda tf: -15,
    "minus_10": lambda tf: -10,
    "minus_11_float": lambda tf: -11.0,
    "minus_5": lambda tf: -5,
    "array": lambda tf: np.array([-15.0, -10.0, -5.0, 5.0]),
    "int_tensor": lambda tf: tf.constant([-25, -3, 7]),
}
for _steps_name, _steps in RESTART_STEPS.items():
    add_case(f"keras.optimizers.schedules.CosineDecayRestarts/negative_{_steps_name}",
             lambda tf, _s=_steps: tf.keras.optimizers.schedules.CosineDecayRestarts(
                 1.0, 10)(_s(tf)), grad=False)
    add_case(f"keras.optimizers.schedules.CosineDecayRestarts/negative_equal_periods_"
             f"{_steps_name}",
             lambda tf, _s=_steps: tf.keras.optimizers.schedules.CosineDecayRestarts(
                 1.0, 10, t_mul=1.0, m_mul=0.5)(_s(tf)), grad=False)
add_case("keras.optimizers.schedules.CosineDecayRestarts/shrinking_periods_past_their_sum",
         lambda tf: [tf.keras.optimizers.schedules.CosineDecayRestarts(1.0, 10, t_mul=0.5)(s)
                     for s in (5, 15, 19, 25)], grad=False)
