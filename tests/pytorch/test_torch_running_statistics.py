"""Batch norm's running statistics are written in place by torch's kernel without moving their
`_version`: a recording (a tape, a Recorder, a listener's node) shows them as the op read
them, never a copy kept from an earlier op (before: 0.0 in every node while the buffer held
0.10, the copy of the first read kept by version)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz import events
from tapeviz.debugger import Recorder


def _batches():
    torch.manual_seed(0)
    return [torch.randn(8, 3) + 1.0, torch.randn(8, 3) - 2.0, torch.randn(8, 3)]


def _run(norm, batches, read_first=False) -> list:
    """Each batch through `norm` in train mode: torch's (running_mean, running_var) as each
    call read them. `read_first`: an op reads the buffers before (a copy kept by version)."""
    seen = []
    for x in batches:
        seen.append((norm.running_mean.clone().numpy(), norm.running_var.clone().numpy()))
        if read_first:
            norm.running_mean * 1.0, norm.running_var * 1.0
        norm(x)
    assert not np.array_equal(seen[0][0], seen[-1][0])   # torch moved them
    return seen


def _shown(nodes) -> list:
    return [(node.inputs[1]._value, node.inputs[2]._value) for node in nodes
            if node.op.name == "batch_norm"]


@pytest.mark.parametrize("read_first", [False, True], ids=["alone", "read before"])
def test_a_tape_shows_each_calls_running_statistics_as_torch_read_them(read_first):
    norm = nn.BatchNorm1d(3).train()
    with tvt.record() as tape:
        seen = _run(norm, _batches(), read_first)
    shown = _shown(tape.nodes)
    assert len(shown) == 3
    for (mean, var), (shown_mean, shown_var) in zip(seen, shown):
        np.testing.assert_array_equal(shown_mean, mean)
        np.testing.assert_array_equal(shown_var, var)


def test_a_recorder_shows_each_steps_running_statistics_as_torch_read_them():
    norm, head = nn.BatchNorm1d(3).train(), nn.Linear(3, 1)
    seen = []
    with Recorder() as rec:
        for x in _batches():
            seen.append(norm.running_mean.clone().numpy())
            head(norm(x)).sum().backward()
    shown = [mean for step in rec.steps for mean, _ in _shown(step.nodes)]
    assert len(shown) == 3
    for mean, shown_mean in zip(seen, shown):
        np.testing.assert_array_equal(shown_mean, mean)


def test_a_recorder_given_batch_norms_function_alone_records_each_step_as_it_read():
    """F.batch_norm called by the user's code (no num_batches_tracked.add_ to leave a kept
    step's program): its steps are recorded fully, not followed from copies kept after it."""
    mean, var = torch.zeros(3), torch.ones(3)
    weight = torch.ones(3, requires_grad=True)
    seen = []
    with Recorder() as rec:
        for x in _batches() * 2:
            seen.append(mean.clone().numpy())
            F.batch_norm(x, mean, var, weight, training=True).sum().backward()
    shown = [mean for step in rec.steps for mean, _ in _shown(step.nodes)]
    assert len(shown) == 6
    for mean, shown_mean in zip(seen, shown):
        np.testing.assert_array_equal(shown_mean, mean)


def test_a_listener_reading_later_sees_the_statistics_the_op_read():
    """A listener alone (a LazyNode, copied when read) that keeps the nodes and reads them
    after every call ran."""
    norm = nn.BatchNorm1d(3).train()
    kept = []

    def listener(event):
        kept.append(event.node)
    events.subscribe(listener, kinds=(events.OpExecuted,))
    try:
        seen = _run(norm, _batches())
    finally:
        events.unsubscribe(listener)
    shown = _shown(kept)
    assert len(shown) == 3
    for (mean, var), (shown_mean, shown_var) in zip(seen, shown):
        np.testing.assert_array_equal(shown_mean, mean)
        np.testing.assert_array_equal(shown_var, var)


def test_instance_norms_running_statistics_too():
    norm = nn.InstanceNorm1d(3, track_running_stats=True).train()
    batches = [x.reshape(2, 3, 4) for x in _batches()]
    with tvt.record() as tape:
        seen = _run(norm, batches)
    shown = [(n.inputs[1]._value, n.inputs[2]._value) for n in tape.nodes
             if n.op.name == "instance_norm"]
    assert len(shown) == 3
    for (mean, _), (shown_mean, _) in zip(seen, shown):
        np.testing.assert_array_equal(shown_mean, mean)


def test_in_eval_mode_the_statistics_are_read_not_written():
    norm = nn.BatchNorm1d(3).train()
    _run(norm, _batches()[:2])
    norm.eval()
    before = norm.running_mean.clone().numpy()
    with tvt.record() as tape:
        F.relu(norm(torch.ones(4, 3)))
    np.testing.assert_array_equal(_shown(tape.nodes)[0][0], before)


def test_statistics_written_while_nobody_heard_the_norm_are_read_again():
    """A listener at one line alone: the norm's calls elsewhere run unheard, and each read
    at that line shows the statistics then, not a copy kept from the first read."""
    norm = nn.BatchNorm1d(3).train()
    kept = []

    def listener(event):
        kept.append(event.node)
    with tvt.record():   # a call heard once: the statistics known as written in place
        norm(_batches()[0])
    events.subscribe(listener, sites=lambda source: "# HEARD" in (source.line or ""))
    try:
        seen = []
        for x in _batches():
            seen.append(norm.running_mean.clone().numpy())
            norm.running_mean * 1.0   # HEARD
            norm(x)
    finally:
        events.unsubscribe(listener)
    assert len(kept) == 3
    for mean, node in zip(seen, kept):
        np.testing.assert_array_equal(node.inputs[0]._value, mean)
