"""torch.tensor(x) of a tapeviz tensor, the way a newcomer between notebook 01 (tapeviz) and
04 (PyTorch) converts one: torch asks no __torch_function__ here but a DLPack buffer, then
walked x as nested lists down to a scalar and said 'Scalar tensor has no `len()`'."""
import numpy as np
import pytest

import tapeviz as tf

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("make", [torch.tensor, torch.as_tensor, torch.asarray,
                                  torch.from_dlpack], ids=lambda make: make.__name__)
@pytest.mark.parametrize("kind", [tf.constant, tf.Variable], ids=["constant", "Variable"])
def test_a_torch_factory_given_a_tapeviz_tensor_names_both_engines_the_fix_and_the_line(
        make, kind):
    x = kind(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError) as info:
        make(x)
    message = str(info.value)
    assert message.startswith("torch was given a tapeviz tensor (float32[2, 3])")
    assert "two engines" in message and "torch.tensor(x.numpy())" in message
    assert "test_errors_two_engines_factories.py" in message   # the user's line, not torch's
    assert "make(x)" in message
    assert torch.tensor(x.numpy()).shape == (2, 3)   # the way over works; x unchanged
    np.testing.assert_array_equal(x.numpy(), np.ones((2, 3)))


def test_a_torch_module_given_a_tapeviz_tensor_names_the_users_line_not_torchs():
    """torch.nn.Linear's forward is torch's Python code: the line shown is the caller's."""
    with pytest.raises(TypeError) as info:
        torch.nn.Linear(3, 2)(tf.ones((2, 3)))
    message = str(info.value)
    assert "torch's linear was given a tapeviz tensor" in message
    assert "test_errors_two_engines_factories.py" in message and "torch/nn" not in message
