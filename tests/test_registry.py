"""Every registered op: well-formed row, and its VJP against finite differences."""
import numpy as np
import pytest

import tapeviz  # noqa: F401  (registers every op)
from tapeviz.ops import REGISTRY

from gradcheck import check_grads, sample_inputs

DIFFERENTIABLE = [op for op in REGISTRY.values() if not op.nondiff]
CASES = [(op, i) for op in DIFFERENTIABLE for i in range(len(op.samples))]


def test_registry_covers_the_issue_surface():
    assert len(REGISTRY) >= 60, sorted(REGISTRY)


@pytest.mark.parametrize("op", list(REGISTRY.values()), ids=lambda op: op.name)
def test_every_op_row_is_complete(op):
    assert op.input_grads is not None or op.nondiff
    assert op.label and op.kind and op.__doc__
    low, high = op.domain
    assert low < high
    assert op.samples, f"{op.name} has no samples for the gradient test"


@pytest.mark.parametrize("op,index", CASES, ids=[f"{op.name}-{i}" for op, i in CASES])
def test_vjp_matches_finite_differences(op, index):
    specs, params = op.samples[index]
    check_grads(op, sample_inputs(op, specs, seed=index), params)


@pytest.mark.parametrize("op", DIFFERENTIABLE, ids=lambda op: op.name)
def test_vjp_is_linear_in_the_upstream_gradient(op):
    import tapeviz as tf
    specs, params = op.samples[0]
    inputs = [tf.constant(x) for x in sample_inputs(op, specs)]
    ans = op(*inputs, **params)
    g = tf.constant(np.random.default_rng(3).standard_normal(np.shape(ans.numpy())))
    once = op.input_grads(g, ans, inputs, params)
    twice = op.input_grads(g * 2.0, ans, inputs, params)
    for a, b in zip(once, twice):
        if a is not None:
            np.testing.assert_allclose(np.asarray(b), 2 * np.asarray(a), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op", [op for op in DIFFERENTIABLE if op.input_names],
                         ids=lambda op: op.name)
def test_inputs_can_be_passed_by_their_tensorflow_names(op):
    import tapeviz as tf
    specs, params = op.samples[0]
    inputs = [tf.constant(x) for x in sample_inputs(op, specs)]
    assert len(op.input_names) == len(inputs), op.input_names
    positional = op(*inputs, **params)
    by_name = op(**dict(zip(op.input_names, inputs)), **params)
    np.testing.assert_array_equal(by_name.numpy(), positional.numpy())


def test_tf_name_argument_is_accepted_and_bad_keyword_inputs_are_named():
    import tapeviz as tf
    x = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(tf.exp(x, name="e").numpy(), tf.exp(x).numpy())
    assert float(tf.reduce_sum(x, axis=0, name="total")) == 3.0
    with pytest.raises(TypeError, match=r"exp\(\) got multiple values for input 'x'"):
        tf.exp(x, x=x)
    with pytest.raises(TypeError, match=r"subtract\(\) missing input 'x'"):
        tf.subtract(y=x)   # an op row itself (tf.add is a function that checks x, as TF's)
