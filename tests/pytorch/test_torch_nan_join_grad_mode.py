"""finite.join, the one torch call that copies a nan breakpoint's parameters and gradients at
`optimizer.step()`, turns autograd off for itself alone (no node for the copy) and gives the
thread's grad mode back as it found it, joined or refused (a sparse gradient)."""
import pytest

torch = pytest.importorskip("torch", reason='needs PyTorch: pip install "tapeviz[torch]"')

from torch import nn  # noqa: E402

from tapeviz.torch import finite  # noqa: E402


@pytest.mark.parametrize("grad_on", [True, False])
def test_a_join_makes_no_autograd_node_and_leaves_the_grad_mode_as_it_was(grad_on):
    model = nn.Linear(3, 2)
    with torch.set_grad_enabled(grad_on):
        joined = finite.join([model.weight, model.bias])
        assert torch.is_grad_enabled() is grad_on
    assert joined.grad_fn is None and not joined.requires_grad
    assert joined.tolist() == [*model.weight.detach().flatten().tolist(),
                               *model.bias.detach().tolist()]


def test_a_refused_join_leaves_the_grad_mode_on():
    table = nn.Embedding(5, 2, sparse=True)
    table(torch.tensor([1, 3])).sum().backward()
    assert finite.join([table.weight.grad]) is None   # a sparse tensor cannot be flattened
    assert finite.join([table.weight, table.weight.grad.double()]) is None   # two dtypes
    assert torch.is_grad_enabled()
