"""The update formulas, one function each, shared by the Keras optimizers and `tapeviz.train`.

Each function rebinds `var` (and its slot variables) with tapeviz ops: `assign*` or an
update row of `ops/optim.py`, so the debugger sees every update. Callers run them inside
`dispatch.unrecorded()`, so no tape records them. Hyperparameters arrive as Python floats
(already decayed or scheduled); `step` is the 1-based update count.
"""
from __future__ import annotations

import functools

import numpy as np

from ...ops.math import maximum, sqrt, square
from ...ops.optim import adam_step, moving_average


def gradient_descent(var, grad, lr: float) -> None:
    """var -= lr * grad."""
    var.assign_sub(lr * grad)


def keras_momentum(var, grad, velocity, lr: float, momentum: float, nesterov: bool) -> None:
    """Keras's SGD with momentum: v = momentum v - lr g; var += v (nesterov: momentum v - lr g)."""
    velocity.assign(momentum * velocity - lr * grad)
    if nesterov:
        var.assign_add(momentum * velocity - lr * grad)
    else:
        var.assign_add(velocity)


def tf1_momentum(var, grad, accum, lr: float, momentum: float, nesterov: bool) -> None:
    """TF1's MomentumOptimizer: a = momentum a + g; var -= lr a (nesterov: lr (g + momentum a))."""
    accum.assign(momentum * accum + grad)
    if nesterov:
        var.assign_sub(lr * grad + lr * momentum * accum)
    else:
        var.assign_sub(lr * accum)


def adam(var, grad, m, v, vhat, lr: float, beta_1: float, beta_2: float, epsilon: float,
         step: int, lr_t: float | None = None) -> None:
    """Adam as Keras and TF1 compute it: bias correction folded into the step size.

    lr_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t) (`adam_step_size`, unless TF1 gives its
    own); var -= lr_t m / (sqrt(v) + epsilon), with v replaced by its running maximum `vhat`
    for AMSGrad. m, v and var each change by one update op (`ops/optim.py`), not by the five
    arithmetic ops each formula reads as.
    """
    if lr_t is None:
        lr_t = adam_step_size(lr, beta_1, beta_2, step, var.dtype.as_numpy_dtype)
    m._rebind(moving_average(m, grad, decay=beta_1))
    v._rebind(moving_average(v, square(grad), decay=beta_2))
    denominator = v
    if vhat is not None:
        denominator = vhat.assign(maximum(vhat, v))
    var._rebind(adam_step(var, m, denominator, step_size=lr_t, epsilon=epsilon))


@functools.lru_cache(maxsize=8)
def adam_step_size(lr: float, beta_1: float, beta_2: float, step: int, dtype) -> float:
    """lr sqrt(1 - beta_2^t) / (1 - beta_1^t) in the variable's dtype, as Keras 3 and TF1's
    kernel compute it: in float32, 1 - 0.999**1 is 1 - 0.999f = 0.00099998713, 1.3e-5 of
    itself from float64's, which a rate of 0.1 shows past float32's rtol of 1e-5. The betas
    are float32 first in any dtype: Keras 3's ops.cast(self.beta_1, float64) converts the
    Python float to a float32 tensor before the cast (a float64 step 6.7e-6 of itself short).
    Kept per step: its numpy scalar operations cost ~5-9 us, once for each variable."""
    kind = np.dtype(dtype).type
    one = kind(1)
    return float(kind(lr) * np.sqrt(one - kind(np.float32(beta_2)) ** kind(step))
                 / (one - kind(np.float32(beta_1)) ** kind(step)))


ADAM_OPS = (moving_average, square, adam_step)   # what `adam_values` runs off dispatch


def adam_values(value, grad, m, v, lr: float, beta_1: float, beta_2: float, epsilon: float,
                step: int) -> tuple:
    """`adam`'s new (m, v, var) values (AMSGrad aside) by its update ops' own forwards, on
    the arrays (`value`: the variable's, weight-decayed where it decays): for an update
    nobody hears, the same bits with no dispatch, Tensor or node. Run it under
    `warnings_raised()`."""
    return adam_arrays(value, grad._value, m._value, v._value, lr, beta_1, beta_2, epsilon,
                       step)


def adam_arrays(value, g, m, v, lr: float, beta_1: float, beta_2: float, epsilon: float,
                step: int) -> tuple:
    """`adam_values` on arrays alone (`joined.py` gives it many variables end to end)."""
    lr_t = adam_step_size(lr, beta_1, beta_2, step, value.dtype)
    new_m = moving_average.forward(m, g, decay=beta_1)
    new_v = moving_average.forward(v, square.forward(g), decay=beta_2)
    return new_m, new_v, adam_step.forward(value, new_m, new_v, step_size=lr_t,
                                           epsilon=epsilon)


def warnings_raised():
    """numpy's floating-point errors raised as FloatingPointError wherever its settings
    would say them (ignored ones stay ignored): an update computed off its ops then leaves
    them to the ops, which say them naming the op and the user's line."""
    return np.errstate(**{kind: "ignore" if action == "ignore" else "raise"
                          for kind, action in np.geterr().items()})


def rmsprop(var, grad, rms, mg, mom, lr: float, rho: float, momentum: float,
            epsilon: float) -> None:
    """RMSprop as Keras 3 and TF1's ApplyRMSProp kernel compute it: epsilon inside the sqrt.

    increment = lr g / sqrt(rms - mg^2 + epsilon) (mg: centered only); with momentum
    (`mom` a slot) mom = momentum mom + increment and var -= mom, else var -= increment.
    """
    rms.assign(rho * rms + (1.0 - rho) * square(grad))
    denominator = rms
    if mg is not None:  # centered: subtract the squared mean gradient
        mg.assign(rho * mg + (1.0 - rho) * grad)
        denominator = rms - square(mg)
    increment = lr * grad / sqrt(denominator + epsilon)
    if mom is None:
        var.assign_sub(increment)
        return
    mom.assign(momentum * mom + increment)
    var.assign_sub(mom)


def adagrad(var, grad, accumulator, lr: float, epsilon: float) -> None:
    """accumulator += g^2; var -= lr g / sqrt(accumulator + epsilon), epsilon inside the root
    as Keras 3 (TF 2.21) adds it (TF1: epsilon 0)."""
    accumulator.assign_add(square(grad))
    var.assign_sub(lr * grad / sqrt(accumulator + epsilon))
