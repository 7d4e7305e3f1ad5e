"""break_on(nan=True) and attention masks: an Inf the program writes on purpose (a mask's
-inf, which softmax turns into zero weights) is no stop; a real NaN, or an Inf an op
computes or the data brings, still stops at its op and line."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from source_lines import lines_of


pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py


_line_of = lines_of(__file__)


def _encoder_training():
    """(layer, optimizer, step(x, padded)): a TransformerEncoderLayer trained with a causal
    mask and a key padding mask, as a PyTorch user writes it."""
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0,
                                       batch_first=True)
    optimizer = torch.optim.Adam(layer.parameters(), lr=1e-3)

    def step(x, padded):
        optimizer.zero_grad()
        causal = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        out = layer(x, src_mask=causal, src_key_padding_mask=padded, is_causal=True)
        loss = out.pow(2).mean()
        loss.backward()
        optimizer.step()
        return out
    return layer, optimizer, step


PADDED = torch.tensor([[False] * 5, [False] * 3 + [True] * 2, [False] * 4 + [True]])


def test_a_transformers_masks_never_stop_a_nan_breakpoint_and_a_real_nan_does():
    layer, _, step = _encoder_training()
    x = torch.randn(3, 5, 8)
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    assert torch.isinf(causal).any()   # the masks do hold -inf
    bp = tvt.break_on(nan=True, action="continue")
    for _ in range(2):
        out = step(x, PADDED.float().masked_fill(PADDED, float("-inf")))   # a float mask
        step(x, PADDED)                                                     # a bool one
    assert bp.hits == [] and torch.isfinite(out).all()
    with torch.no_grad():
        layer.linear1.bias[3] = float("nan")   # a real NaN, planted in a parameter
    step(x, PADDED)
    hit = bp.hits[0]
    assert hit.node.op.name == "linear" and "output has nan" in hit.reasons
    assert hit.source.lineno == _line_of(
        "out = layer(x, src_mask=causal, src_key_padding_mask=padded, is_causal=True)")
    names = [t.variable.name if hasattr(t, "variable") else None for t in hit.node.inputs]
    assert names == [None, "linear1.weight", "linear1.bias"]


def _attention(q, k, padded):
    scores = q @ k.transpose(-2, -1)
    scores = scores.masked_fill(padded, float("-inf"))
    return torch.softmax(scores, dim=-1)


def test_a_hand_written_masked_softmax_does_not_stop_and_a_fully_masked_row_does():
    q, k = torch.randn(2, 4, 3), torch.randn(2, 4, 3)
    bp = tvt.break_on(nan=True, action="continue")
    _attention(q, k, torch.tensor([False, False, True, True]))
    assert bp.hits == []
    _attention(q, k, torch.tensor([True, True, True, True]))   # every key masked: NaN
    (hit,) = bp.hits
    assert hit.node.op.name == "softmax"
    assert hit.source.lineno == _line_of("return torch.softmax(scores, dim=-1)")
    assert np.isnan(hit.node.output.numpy()).all()


def test_an_inf_an_op_computes_stops_at_its_line_as_before():
    bp = tvt.break_on(nan=True, action="continue")
    mask = torch.zeros(3).masked_fill(torch.tensor([False, True, False]), float("-inf"))
    shifted = mask + 1.0       # carried: still the mask's -inf
    assert bp.hits == [] and torch.isinf(shifted).sum() == 1
    logged = torch.log(torch.tensor([1.0, 0.0]))   # -inf computed: log(0)
    grown = torch.exp(torch.tensor([100.0]))       # +inf computed: exp's overflow
    assert [h.node.op.name for h in bp.hits] == ["log", "exp"]
    assert [h.source.lineno for h in bp.hits] == [
        _line_of("logged = torch.log(torch.tensor([1.0, 0.0]))   # -inf computed: log(0)"),
        _line_of("grown = torch.exp(torch.tensor([100.0]))       # +inf computed: exp's overflow")]
    assert torch.isinf(logged).any() and torch.isinf(grown).all()


def test_an_inf_the_data_brings_into_a_mask_stops_there():
    bp = tvt.break_on(nan=True, action="continue")
    mask = torch.zeros(3).masked_fill(torch.tensor([True, False, False]), float("-inf"))
    data = torch.from_numpy(np.array([0.0, np.inf, 1.0], np.float32))   # read, not written
    mask + data
    (hit,) = bp.hits
    assert hit.node.op.name == "add" and hit.source.lineno == _line_of("mask + data")


def test_an_in_place_write_into_a_mask_keeps_it_a_mask_and_a_computed_inf_in_place_stops():
    bp = tvt.break_on(nan=True, action="continue")
    mask = torch.full((2, 2), float("-inf")).triu(diagonal=1)
    mask.add_(torch.ones(2, 2))
    scores = torch.randn(2, 2)
    scores.add_(mask)
    assert bp.hits == []
    torch.tensor([0.0, 2.0]).log_()
    assert [h.node.op.name for h in bp.hits] == ["log_"]


def test_the_marks_go_when_nobody_listens():
    from tapeviz.torch import masks
    bp = tvt.break_on(nan=True, action="continue")
    mask = torch.zeros(2).masked_fill(torch.tensor([True, False]), float("-inf"))
    assert [entry[0]() for entry in masks._written.values()] == [mask]
    bp.clear()
    assert masks._written == {}
    assert F.softmax(torch.zeros(2), 0).sum() == 1.0   # torch runs on without the adapter
