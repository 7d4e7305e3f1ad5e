"""Central finite differences against the engine's VJPs, driven by an op's registry row."""
from __future__ import annotations

import numpy as np

import tapeviz as tf


def sample_inputs(op, specs, seed: int = 0) -> list:
    """Inputs for one sample: shapes become float64 draws from the op's domain."""
    rng = np.random.default_rng(seed)
    low, high = op.domain
    return [rng.uniform(low, high, size=spec) if isinstance(spec, tuple) else spec
            for spec in specs]


def check_grads(op, inputs, params, seed: int = 1, eps: float = 1e-6, rtol: float = 1e-5,
                atol: float = 1e-7) -> None:
    """Assert <vjp(v), u> == (f(x + eps u) - f(x - eps u)) . v / (2 eps) for each float input."""
    rng = np.random.default_rng(seed)
    tensors = [tf.constant(x) for x in inputs]
    floats = [i for i, x in enumerate(inputs) if np.asarray(x).dtype.kind == "f"]
    with tf.GradientTape(persistent=True) as tape:
        for i in floats:
            tape.watch(tensors[i])
        y = op(*tensors, **params)
    v = rng.standard_normal(np.shape(y.numpy()))
    grads = tape.gradient(y, [tensors[i] for i in floats], output_gradients=tf.constant(v))
    for i, grad in zip(floats, grads):
        x = np.asarray(inputs[i], dtype=np.float64)
        u = rng.standard_normal(x.shape)
        analytic = 0.0 if grad is None else float(np.sum(grad.numpy() * u))
        if grad is not None:
            assert grad.shape == x.shape, f"{op.name}: gradient {i} has shape {grad.shape}, " \
                                          f"input has {x.shape}"

        def f(shifted, i=i):
            args = list(inputs)
            args[i] = shifted
            return np.asarray(op(*[tf.constant(a) for a in args], **params).numpy(), np.float64)

        numeric = float(np.sum((f(x + eps * u) - f(x - eps * u)) * v) / (2 * eps))
        assert np.isclose(analytic, numeric, rtol=rtol, atol=atol), \
            f"{op.name}: input {i}: VJP gives {analytic!r}, finite differences {numeric!r}"
