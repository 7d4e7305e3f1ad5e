"""break_on(nan=True) at `optimizer.step()` tests the parameters after the step as one joined
copy, and keeps what the step starts from as one (finite.join): an update that makes NaN
is still found and shown where they cannot be joined (two dtypes, a sparse gradient), and a
joined sum that overflows on finite values stops nothing."""
import numpy as np
import pytest
import torch
from torch import nn

import tapeviz.torch as tvt
from tapeviz.torch import finite

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py


def test_an_update_making_nan_is_found_among_parameters_of_two_dtypes():
    torch.manual_seed(0)
    wide, narrow = nn.Linear(3, 2).double(), nn.Linear(2, 1)
    optimizer = torch.optim.SGD([*wide.parameters(), *narrow.parameters()], lr=0.1)
    narrow(wide(torch.randn(4, 3, dtype=torch.float64)).float()).sum().backward()
    narrow.weight.grad[0, 1] = float("inf")
    before, grad = narrow.weight.detach().clone(), narrow.weight.grad.clone()
    assert finite.join([wide.weight, narrow.weight]) is None   # so each is copied alone
    bp = tvt.break_on(nan=True, action="continue")
    optimizer.step()
    (hit,) = bp.hits
    assert hit.node.op.name == "sgd_step"
    np.testing.assert_array_equal(hit.node.inputs[0].numpy(), before.numpy())
    np.testing.assert_array_equal(hit.node.inputs[1].numpy(), grad.numpy())
    assert hit.node.inputs[0].numpy().dtype == np.float32


def test_an_update_making_nan_from_a_sparse_gradient_shows_what_it_started_from():
    torch.manual_seed(0)
    table = nn.Embedding(5, 2, sparse=True)
    optimizer = torch.optim.SGD(table.parameters(), lr=float("nan"))
    table(torch.tensor([1, 3])).sum().backward()
    assert table.weight.grad.is_sparse
    before, grad = table.weight.detach().clone(), table.weight.grad.to_dense()
    bp = tvt.break_on(nan=True, action="continue")
    optimizer.step()
    (hit,) = bp.hits
    np.testing.assert_array_equal(hit.node.inputs[0].numpy(), before.numpy())
    np.testing.assert_array_equal(hit.node.inputs[1].numpy(), grad.numpy())
    assert np.isnan(hit.node.output.numpy()[[1, 3]]).all()


def test_finite_parameters_whose_joined_sum_overflows_stop_nothing_but_an_inf_update_does():
    big = [nn.Parameter(torch.full((2,), 3e38)) for _ in range(2)]
    optimizer = torch.optim.SGD(big, lr=1.0)
    for parameter in big:
        parameter.grad = torch.zeros(2)
    assert finite.join(big).sum().isinf()   # a false alarm, settled by the exact test
    bp = tvt.break_on(nan=True, action="continue")
    optimizer.step()
    assert bp.hits == []
    big[1].grad = torch.tensor([0.0, -3e38])   # 3e38 + 3e38: inf
    optimizer.step()
    (hit,) = bp.hits
    assert hit.node.output.variable is hit.node.inputs[0].variable
    np.testing.assert_array_equal(hit.node.inputs[0].numpy(), np.float32([3e38, 3e38]))
    assert np.isinf(big[1].detach().numpy()[1]) and np.isfinite(big[0].detach().numpy()).all()
