"""A tapeviz tensor given to torch, and a torch tensor given to tapeviz: a newcomer moving
between notebook 01 (tapeviz) and 04 (PyTorch) mixes them."""
import numpy as np
import pytest

import tapeviz as tf

torch = pytest.importorskip("torch")

X = [[1.0, 2.0]]


@pytest.mark.parametrize("call", [
    lambda x: torch.relu(x),
    lambda x: torch.nn.Linear(2, 1)(x),
    lambda x: torch.nn.functional.mse_loss(torch.ones(1, 2), x),
    lambda x: torch.stack([x, x]),
], ids=["relu", "Linear", "mse_loss", "stack"])
def test_a_torch_function_given_a_tapeviz_tensor_names_both_engines_and_the_fix(call):
    """torch said 'relu(): argument 'input' (position 1) must be Tensor, not Tensor'."""
    with pytest.raises(TypeError) as info:
        call(tf.constant(X))
    message = str(info.value)
    assert "was given a tapeviz tensor" in message
    assert "torch.from_numpy(x.numpy())" in message


def test_a_tapeviz_variable_given_to_torch_is_refused_the_same_way():
    with pytest.raises(TypeError, match="was given a tapeviz tensor"):
        torch.relu(tf.Variable(X))


def test_the_two_engines_arithmetic_and_tapeviz_ops_on_torch_tensors_still_convert():
    """As tf.constant(torch_tensor) converts through numpy in TF."""
    x, t = tf.constant(X), torch.ones(2, 1)
    assert (x @ t).numpy().tolist() == [[3.0]]
    assert tf.matmul(x, t).numpy().tolist() == [[3.0]]
    assert tf.reduce_sum(t).numpy() == 2.0


def test_a_keras_layer_given_a_torch_tensor_takes_it_as_an_array():
    """Dense(1)(torch.ones(2, 1)) failed inside build: 'object of type 'NoneType' has no
    len()'; tapeviz's ops took the same tensor."""
    layer = tf.keras.layers.Dense(1, kernel_initializer="ones")
    out = layer(torch.ones(2, 3))
    np.testing.assert_array_equal(out.numpy(), [[3.0], [3.0]])
