"""A torch error's note names the layer that failed as the user's code reaches it, from the
name the code binds the model to: 'linear in layer net[1] (Linear)' for `net =
nn.Sequential(...)`, 'in layer head' for a layer called alone as `head(x)`. Was its layer
path: 'Sequential/1', 'Linear'."""
import pytest
import torch
from torch import nn

import tapeviz.torch as tvt


def _note(call) -> str:
    with pytest.raises(RuntimeError) as raised, tvt.record():
        call()
    return "\n".join(raised.value.__notes__)


def test_a_layer_of_a_bound_sequential_is_named_from_its_binding():
    net = nn.Sequential(nn.ReLU(), nn.Linear(3, 4))
    note = _note(lambda: net(torch.randn(8, 5)))
    assert note.startswith("tapeviz: linear in layer net[1] (Linear) was given input "
                           "float32[8, 5]"), note


def test_a_layer_called_alone_is_named_as_bound():
    head = nn.Linear(3, 4)
    note = _note(lambda: head(torch.randn(8, 5)))
    assert note.startswith("tapeviz: linear in layer head was given input float32[8, 5]"), note
