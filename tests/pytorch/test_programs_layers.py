"""Programs beyond the guide's CNN (issue 15), each as a user writes it: a Transformer
encoder with a causal mask, a custom autograd.Function, activation checkpointing and
bfloat16 autocast on the CPU; recorded at the user's lines and layers, stepped, their
planted NaN found at its line, and torch's own state (grad mode, autocast) left as it was."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

import tapeviz.torch as tvt
from tapeviz.debugger import BreakpointError, Recorder, diagnose
from tapeviz.debugger.summary import summarize
from tapeviz.viz import TapeWidget


def _stepped_through(tape) -> int:
    """How many backward steps the widget's stepper walks (drawn first: it must not fail)."""
    widget = TapeWidget(tape)
    try:
        widget.to_html()
        stepper = tape.stepper()
        return sum(1 for _ in iter(stepper.step, None))
    finally:
        widget.close()


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.1, batch_first=True)
        self.head = nn.Linear(16, 2)

    def forward(self, x, mask):
        return self.head(self.layer(x, src_mask=mask).mean(1))


def _encoder_training(seed=0):
    torch.manual_seed(seed)
    model = Encoder()
    optimizer = torch.optim.AdamW(model.parameters(), 1e-3)
    x, y = torch.randn(3, 5, 16), torch.tensor([0, 1, 1])
    mask = nn.Transformer.generate_square_subsequent_mask(5)   # -inf above the diagonal

    def step(scale=1.0):
        optimizer.zero_grad()
        out = model(x, mask)
        loss = F.cross_entropy(out / (out * scale - out * scale + scale), y)
        loss.backward()
        optimizer.step()
        return loss
    return model, step


def test_a_transformer_encoder_is_drawn_by_sublayer_at_the_forward_line_and_stepped():
    _, step = _encoder_training()
    with tvt.record() as tape:
        step()
    forward = Encoder.forward.__code__.co_firstlineno + 1
    scopes = {n.op.name: n.scope for n in tape.nodes}
    assert scopes["multi_head_attention_forward"] == "Encoder/layer/self_attn"
    assert scopes["layer_norm"] == "Encoder/layer/norm2"
    assert {n.source.lineno for n in tape.nodes if n.scope.startswith("Encoder")} == {forward}
    assert _stepped_through(tape) == len(tape.steps) >= 10


def test_a_transformer_trained_with_its_causal_mask_is_diagnosed_clean_and_its_nan_found():
    """The mask's -inf is written on purpose: no finding over a Recorder's steps."""
    _, step = _encoder_training()
    with Recorder() as rec:
        for _ in range(3):
            step()
    assert diagnose(rec) == []
    _, step = _encoder_training()
    origin = tvt.find_nan_origin(step, 0.0)   # out / (out * 0 - out * 0 + 0): 0/0
    assert (origin.op, origin.source.lineno) == ("div", step.__code__.co_firstlineno + 3)


def test_an_evaluation_mode_encoder_runs_its_general_path_while_recorded_close_to_the_fast():
    """torch's fused fast path is refused while a torch function mode is on (README)."""
    model, _ = _encoder_training()
    model.eval()
    x = torch.randn(3, 5, 16)
    with torch.no_grad():
        fast = model(x, None)
        with tvt.record() as tape:
            general = model(x, None)
    assert "multi_head_attention_forward" in [n.op.name for n in tape.nodes]
    np.testing.assert_allclose(general.numpy(), fast.numpy(), atol=1e-5)


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


def test_a_custom_function_trains_as_one_op_with_its_backward_step_and_breaks_there():
    torch.manual_seed(0)
    model, x, y = nn.Linear(3, 1), torch.randn(5, 3), torch.randn(5, 1)

    def step():
        loss = Square.apply(model(x) - y).mean()
        loss.backward()
        return loss

    with tvt.record() as tape:
        step()
    assert [n.op.name for n in tape.nodes] == ["linear", "sub", "Square", "mean"]
    [square] = [s for s in tape.steps if s.node.op.name == "Square"]
    diff = tape.nodes[1].output.numpy()
    np.testing.assert_allclose(square.input_grads[0].numpy(), 2 * diff / 5, rtol=1e-6)
    assert _stepped_through(tape) == 4
    tvt.break_on(op="Square", action="raise")
    try:
        with pytest.raises(BreakpointError, match=r"Square in the forward pass at \S+:\d+ "
                                                  r"\(loss = Square.apply"):
            step()
    finally:
        tvt.clear_breakpoints()


class Checkpointed(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(checkpoint(self.block, x, use_reentrant=False))


def test_a_checkpointed_block_is_recorded_once_and_its_recomputation_is_not_drawn():
    torch.manual_seed(0)
    model, x, y = Checkpointed(), torch.randn(5, 4), torch.randn(5, 1)
    with tvt.record() as tape:
        F.mse_loss(model(x), y).backward()
    assert [(n.op.name, n.scope) for n in tape.nodes] == [
        ("linear", "Checkpointed/block/0"), ("relu", "Checkpointed/block/1"),
        ("linear", "Checkpointed/out"), ("mse_loss", "")]
    [first] = [s for s in tape.steps if s.node is tape.nodes[0]]
    sent = {t.variable.name: g for t, g in zip(first.node.inputs, first.input_grads)
            if hasattr(t, "variable")}
    np.testing.assert_allclose(sent["block.0.weight"].numpy(),
                               model.block[0].weight.grad.numpy(), rtol=1e-6)
    assert _stepped_through(tape) == 4 and torch.is_grad_enabled()


def test_bfloat16_autocast_is_recorded_in_its_dtypes_and_left_as_it_was():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x, y = torch.randn(6, 4), torch.tensor([0, 1, 0, 1, 1, 0])

    def step(shift=0.0):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(x)
            loss = F.cross_entropy(torch.log(logits - logits.min() - shift), y)
        loss.backward()
        return loss

    with tvt.record() as tape:
        step(-1.0)
    assert [(n.op.name, summarize(n.output).split("[")[0].split(" ")[0])
            for n in tape.nodes[:3]] == [
        ("linear", "bfloat16"), ("relu", "bfloat16"), ("linear", "bfloat16")]
    assert _stepped_through(tape) == len(tape.steps)
    origin = tvt.find_nan_origin(step, 0.0)   # log(0) at the minimum
    assert (origin.op, origin.source.lineno) == ("log", step.__code__.co_firstlineno + 3)
    assert not torch.is_autocast_enabled("cpu") and torch.is_grad_enabled()
