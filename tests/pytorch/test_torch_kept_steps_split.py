"""A Recorder keeps the steps of loops that clip their gradients (`clip_grad_norm_` or
`clip_grad_value_`, after the backward pass) or split each batch into micro-batches
(`x.split(4)`, `x.chunk(3)`: several backward passes, one optimizer step) as it keeps a
plain loop's: learned from the first step, the later ones kept as their inputs and run
again on a look, showing what a full recording shows, bitwise (was: each step recorded
fully, every time: split's tuple of pieces and clip's list of parameters left the program;
clip_grad_value_'s in-place clamps too)."""
import json
import re

import pytest

torch = pytest.importorskip("torch", reason='the torch adapter needs torch: pip install '
                                           '"tapeviz[torch]" (torch==2.13.0, the CPU build)')
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402,F401  (the adapter: records torch ops)
from tapeviz.debugger import Recorder  # noqa: E402
from tapeviz.debugger.kept_forward import holds_kept  # noqa: E402
from tapeviz.debugger.recorded_stepper import RecordedStepper  # noqa: E402
from kept_compare import both_ways, assert_same_steps  # noqa: E402


def _loop(kind: str):
    """A fresh training step of a small regression model, by `kind`: clipped, split into
    micro-batches, chunked, or both split and clipped."""
    def make():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        optimizer = torch.optim.SGD(model.parameters(), 0.05)

        def train(x, y):
            optimizer.zero_grad()
            if kind in ("clip", "clip value"):
                F.mse_loss(model(x), y).backward()
            else:
                pieces = zip(x.split(4), y.split(4)) if kind != "chunk" else \
                    zip(x.chunk(3), y.chunk(3))
                for xb, yb in pieces:
                    loss = F.mse_loss(model(xb), yb) / 3
                    loss.backward()
            if kind in ("clip", "split and clip"):
                nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            elif kind == "clip value":
                nn.utils.clip_grad_value_(model.parameters(), 0.05)
            optimizer.step()
        return train
    return make


def _batches(count: int = 5) -> list:
    generator = torch.Generator().manual_seed(3)
    return [(torch.randn(12, 4, generator=generator), torch.randn(12, 1, generator=generator))
            for _ in range(count)]


@pytest.mark.parametrize("kind", ["clip", "clip value", "split", "chunk", "split and clip"])
def test_the_steps_are_kept_after_the_first_and_run_again_bitwise(switch, kind):
    full, kept, held = both_ways(switch, _loop(kind), _batches())
    assert held == [False] + [True] * 4
    assert_same_steps(full, kept)
    ops = [op.op for op in kept[3].ops]
    assert ops.count("mse_loss") == (1 if kind.startswith("clip") else 3)
    assert ("clip_grad_norm_" in ops) == (kind in ("clip", "split and clip"))
    assert ops.count("clip_grad_value_") == (kind == "clip value")   # (was 8 clamp heads)
    assert len(kept[3].backward_steps) == len(full[3].backward_steps) > 0


def test_a_piece_read_by_the_model_is_linked_to_the_split_that_made_it(switch):
    _, kept, _ = both_ways(switch, _loop("split"), _batches(3))
    step = kept[2]
    made = {id(op.node.output): op for op in step.ops}
    first_linear = next(op for op in step.ops if op.op == "linear")
    producer = made[id(first_linear.node.inputs[0])]
    assert producer.op == "split" and producer.node.params.get("output", 0) == 0


def test_the_stepper_and_the_widget_show_a_kept_split_and_clipped_step_as_recorded_fully(switch):
    from tapeviz.viz.widget import TapeWidget
    batches = _batches(4)

    def shown(on: bool) -> str:
        switch(on)
        train = _loop("split and clip")()
        with Recorder() as rec:
            for x, y in batches:
                train(x, y)
        assert holds_kept(rec._steps[2]) == on   # (before anyone looks)
        step = rec.steps[2]
        stepper = RecordedStepper(step.backward_steps, [op.node for op in step.ops])
        stepped = [(stepper.step().node.op.name, stepper.upstream.numpy().tobytes().hex())
                   for _ in range(len(step.backward_steps))] + [
            stepper.gradient(v).numpy().tobytes().hex() for v in stepper.flat_sources]
        widget = TapeWidget(rec)
        widget.show_step(2)
        seen = [stepped, widget.title, widget.svg, widget.alerts]
        seen += [widget.inspect(f"n{i}") for i in range(12)]
        for _ in range(4):
            widget.step()
            seen += [widget.highlight, widget.stepper, widget.inspector]
        return re.sub(r"\d+(\.\d+)? (ms|us|s)\b", "<time>", json.dumps(seen, default=str))
    full = shown(False)
    assert shown(True) == full
    assert "clip_grad_norm_" in full and "split" in full


@pytest.mark.parametrize("joined", [list, tuple])
def test_a_call_given_only_a_sequence_of_tensors_keeps_its_place_in_a_kept_step(switch, joined):
    """`torch.cat([a, b])` / `torch.cat((a, b))` reads its tensors from a sequence: followed in
    its place (was: never kept, each step recorded fully)."""
    class TwoBranches(nn.Module):
        def __init__(self):
            super().__init__()
            self.left, self.right, self.head = nn.Linear(4, 3), nn.Linear(4, 3), nn.Linear(6, 1)

        def forward(self, x):
            return self.head(torch.cat(joined((torch.tanh(self.left(x)), self.right(x))), 1))

    def make():
        torch.manual_seed(0)
        model = TwoBranches()
        optimizer = torch.optim.SGD(model.parameters(), 0.05)

        def train(x, y):
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        return train
    full, kept, held = both_ways(switch, make, _batches(4))
    assert held == [False, True, True, True]
    assert_same_steps(full, kept)
    assert [op.op for op in kept[2].ops][:5] == ["linear", "tanh", "linear", "cat", "linear"]
