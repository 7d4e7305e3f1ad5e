"""Adam's updates compared bit for bit (a tolerance of 1e-300): TF1's `AdamOptimizer`, whose
ApplyAdam kernel gets its rate, betas and epsilon as float32 tensors cast to the variable's
dtype and beta1^t, beta2^t as float32 variables multiplied by the betas once an apply, and
Keras 3's `Adam`; both update m += (g - m) (1 - beta1), v += (g^2 - v) (1 - beta2), then
var -= m alpha / (sqrt(v) + epsilon). On float64 and float32 variables, 20 steps of 24
elements. Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

from .cases import add_case, spread, v1_train

_EXACT = dict(grad=False, rtol=1e-300, atol=1e-300)


def _history(tf, make, dtype: str, steps: int = 20) -> list:
    v = tf.Variable(spread((24,), seed=3, dtype=dtype))
    optimizer = make()
    history = []
    for step in range(steps):
        optimizer.apply_gradients([(tf.constant(spread((24,), seed=50 + step, dtype=dtype)), v)])
        history.append(v.numpy())
    return history


_TF1 = {"default": ((0.01,), {}),
        "betas": ((0.05,), {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-3})}
_KERAS = {"default": {"learning_rate": 0.01},
          "betas": {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3},
          "amsgrad": {"learning_rate": 0.01, "amsgrad": True}}

for _dtype in ("float64", "float32"):
    for _label, (_args, _kwargs) in _TF1.items():
        add_case(f"train.AdamOptimizer/bits_{_label}_{_dtype}",
                 lambda tf, _d=_dtype, _a=_args, _k=_kwargs: _history(
                     tf, lambda: v1_train(tf).AdamOptimizer(*_a, **_k), _d), **_EXACT)
    for _label, _kwargs in _KERAS.items():
        add_case(f"keras.optimizers.Adam/bits_{_label}_{_dtype}",
                 lambda tf, _d=_dtype, _k=_kwargs: _history(
                     tf, lambda: tf.keras.optimizers.Adam(**_k), _d), **_EXACT)
