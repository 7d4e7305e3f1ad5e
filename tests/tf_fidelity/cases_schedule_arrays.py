"""Learning-rate schedules called on arrays of steps, as overfit_and_underfit plots
`lr_schedule(np.linspace(0, STEPS_PER_EPOCH * 1000, 1000))`: every built-in schedule on a
float64 linspace, an int array, a float32 tensor, a 2-D array and a list, staircase too;
CosineDecay's warmup on one step (TF refuses more than one: its tf.cond needs one truth
value); a fractional scalar step, which TF does not truncate. Registered into
`cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case

SCHEDULES = {
    "ExponentialDecay": lambda s: s.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5),
    "ExponentialDecay/staircase": lambda s: s.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    "InverseTimeDecay": lambda s: s.InverseTimeDecay(0.001, decay_steps=20, decay_rate=1),
    "InverseTimeDecay/staircase": lambda s: s.InverseTimeDecay(0.001, 20, 1, staircase=True),
    "PiecewiseConstantDecay": lambda s: s.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    "PiecewiseConstantDecay/float_boundary": lambda s: s.PiecewiseConstantDecay(
        [10.5], [0.1, 0.01]),
    "PolynomialDecay": lambda s: s.PolynomialDecay(0.1, 20, end_learning_rate=0.01),
    "PolynomialDecay/power_cycle": lambda s: s.PolynomialDecay(0.1, 8, 0.0, power=2.0,
                                                               cycle=True),
    "CosineDecay": lambda s: s.CosineDecay(0.1, 20),
    "CosineDecay/alpha": lambda s: s.CosineDecay(0.1, 20, alpha=0.1),
    "CosineDecayRestarts": lambda s: s.CosineDecayRestarts(0.1, 10),
    "CosineDecayRestarts/equal_periods": lambda s: s.CosineDecayRestarts(
        0.1, 10, t_mul=1.0, m_mul=0.5, alpha=0.1),
}
STEPS = {
    "linspace": lambda tf: np.linspace(0, 100, 9),
    "int_array": lambda tf: np.array([0, 1, 9, 10, 11, 20, 25, 40]),
    "float32_tensor": lambda tf: tf.constant([0.0, 2.5, 10.0, 19.5, 31.0], tf.float32),
    "int64_tensor": lambda tf: tf.constant([0, 5, 10, 15, 30], tf.int64),
    "2d": lambda tf: np.arange(12).reshape(3, 4) * 3,
    "list": lambda tf: [0, 7, 21],
    "fraction": lambda tf: 2.5,
}


def _rates(tf, make, steps):
    return make(tf.keras.optimizers.schedules)(steps(tf))


for _name, _make in SCHEDULES.items():
    for _steps_name, _steps in STEPS.items():
        add_case(f"keras.optimizers.schedules.{_name}/{_steps_name}",
                 lambda tf, _m=_make, _s=_steps: _rates(tf, _m, _s), grad=False)

add_case("keras.optimizers.schedules.InverseTimeDecay/overfit_tutorial_linspace",
         lambda tf: tf.keras.optimizers.schedules.InverseTimeDecay(
             0.001, decay_steps=20 * 1000, decay_rate=1, staircase=False)(
             np.linspace(0, 20 * 1000 * 5, 5)), grad=False)


def _warmup(tf):
    return tf.keras.optimizers.schedules.CosineDecay(0.0, 15, warmup_target=0.1,
                                                     warmup_steps=10)


for _steps_name, _steps in {"linspace": STEPS["linspace"], "fraction": STEPS["fraction"],
                            "one_element": lambda tf: np.array([3]),
                            "one_element_decay": lambda tf: np.array([12.5]),
                            "float32_scalar_tensor": lambda tf: tf.constant(4.0)}.items():
    add_case(f"keras.optimizers.schedules.CosineDecay/warmup_{_steps_name}",
             lambda tf, _s=_steps: _warmup(tf)(_s(tf)), grad=False)

add_case("keras.optimizers.schedules.ExponentialDecay/string_step",
         lambda tf: tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)("ten"),
         grad=False)
