"""Two recordings in one process (two notebook cells): the first, once its tape is dropped,
leaves nothing behind for the second to trip on: no tape, graph or remembered op."""
import gc
import weakref

import torch
from torch import nn

import tapeviz as tf
import tapeviz.torch as tvt
from tapeviz.torch import autograd


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def _recorded_cell(model, optimizer, x) -> weakref.ref:
    """A cell's recording: a step (backward and update), then one more forward."""
    with tvt.record() as tape:
        model(x).sum().backward()
        optimizer.step()
        model(x)
    assert [n.op.name for n in tape.nodes][-3:] == ["linear", "tanh", "linear"]
    return weakref.ref(tape)


def test_a_dropped_recording_is_freed_with_its_graph_and_the_next_starts_clean():
    model = _mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(3, 4)
    for _ in range(2):
        tape = _recorded_cell(model, optimizer, x)
        gc.collect()
        # the hooks left on the freed pass's autograd nodes held the tape and its last output
        assert tape() is None, "the recording outlived its last reference"
        assert autograd._local.pending == {}, "ops of a dropped graph are still remembered"


def test_a_backward_after_a_dropped_recording_walks_no_leftover_graph(monkeypatch):
    """A listener of gradient calls alone (a Runner counting steps) walks no graph: nothing
    of the recording before it is left to look for."""
    model = _mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(3, 4)
    _recorded_cell(model, optimizer, x)
    gc.collect()
    walks = []
    walk = autograd.walk
    monkeypatch.setattr(autograd, "walk", lambda *a: walks.append(1) or walk(*a))
    ends = []
    tf.subscribe(ends.append, kinds=(tf.events.GradientComputed,))
    try:
        model(x).sum().backward()
        optimizer.step()
    finally:
        tf.unsubscribe(ends.append)
    assert len(ends) == 1 and walks == []
