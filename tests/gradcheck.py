"""Registry-driven gradient checks: an op's samples as inputs, `check_grads` as the judge.

The finite differences themselves live in the package (`tapeviz.debugger.gradcheck`),
so the tests and the widget's gradient check share one numeric-gradient helper.
"""
from __future__ import annotations

import numpy as np

from tapeviz.debugger.gradcheck import check_grads as check_function_grads


def sample_inputs(op, specs, seed: int = 0) -> list:
    """Inputs for one sample: shapes become float64 draws from the op's domain."""
    rng = np.random.default_rng(seed)
    low, high = op.domain
    return [rng.uniform(low, high, size=spec) if isinstance(spec, tuple) else spec
            for spec in specs]


def check_grads(op, inputs, params, order: int = 1, seed: int = 1, **tolerances) -> None:
    """Assert `op`'s tape gradients (order 1 or 2) at `inputs` match finite differences."""
    def f(*tensors):
        return op(*tensors, **params)
    check_function_grads(f, inputs, order=order, seed=seed, name=op.name, **tolerances)
