"""A transformer encoder layer (nn.MultiheadAttention with a key_padding_mask, LayerNorm, a
feed-forward block, mean pooling over the real tokens) on ragged token rows, under every
tool; its planted bug: the padding mask built the wrong way round, True on the real tokens,
so the longest row has every key masked and attention over it is NaN. find_nan_origin and
diagnose blamed the mask's own -inf ('masked_fill_ produced -inf ...; the result overflowed
float32 (largest |input| 0)'), a value written on purpose, with an overflow that never was:
the origin is the attention that read a row of nothing but -inf."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import diagnose
from hunt_tools import (diagnosed_clean, found, paused_then_stopped, recorded_steps,
                        trained_quietly)
from programs import line_of
from tf_program_tools import (ops_drawn, paused_by, runs_past, stepped_to_the_end,
                              trained_by_dashboard, widget_of)

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


class Encoder(nn.Module):
    def __init__(self, width=16, vocabulary=20):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, width)
        self.attention = nn.MultiheadAttention(width, 2, batch_first=True)
        self.norm = nn.LayerNorm(width)
        self.feed = nn.Sequential(nn.Linear(width, 32), nn.ReLU(), nn.Linear(32, width))
        self.head = nn.Linear(width, 2)

    def forward(self, tokens, padding):
        h = self.embed(tokens)
        attended, _ = self.attention(h, h, h, key_padding_mask=padding)   # ATTENTION
        h = self.norm(h + attended)
        h = h + self.feed(h)
        kept = (~padding).unsqueeze(-1).float()
        return self.head((h * kept).sum(1) / kept.sum(1))


def encoder(steps=3, mask_kept=False):
    torch.manual_seed(0)
    model = Encoder()
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    lengths = torch.tensor([5, 3, 6, 2])
    tokens, labels = torch.randint(1, 20, (4, 6)), torch.tensor([0, 1, 1, 0])
    positions = torch.arange(6)
    if mask_kept:
        padding = positions[None] < lengths[:, None]   # MASK: True on the real tokens
    else:
        padding = positions[None] >= lengths[:, None]
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tokens, padding), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_the_encoder_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        encoder(steps=1)
    widget = widget_of(tape)
    try:
        assert "multi_head_attention_forward" in [n.op.name for n in tape.nodes]
        assert len(ops_drawn(widget)) > 10
        assert stepped_to_the_end(widget) == len(tape.steps)
    finally:
        widget.close()
    assert tvt.find_nan_origin(encoder, steps=1) is None
    runs_past(encoder, nan=True)   # the mask's -inf is no NaN
    rec = diagnosed_clean(encoder, steps=20)
    assert len(rec.steps) == 20
    assert paused_then_stopped(encoder) == ("normal_", line_of(__file__, "self.embed = nn."))
    trained_quietly(encoder)


def test_a_mask_true_on_the_real_tokens_is_found_at_the_attention_not_at_the_masks_fill():
    origin = tvt.find_nan_origin(encoder, steps=1, mask_kept=True)
    assert (origin.op, origin.source.lineno) == ("multi_head_attention_forward",
                                                 line_of(__file__, "# ATTENTION"))
    assert "input 7 is the mask masked_fill_ filled with -inf at the same line, and it " \
           "masks every entry of 1 of its 4 rows: a softmax over entries all -inf is 0 / 0 " \
           "= NaN" in origin.reason
    assert "overflowed" not in str(origin) and "key_padding_mask" in origin.fix
    nan = found(diagnose(recorded_steps(encoder, steps=3, mask_kept=True)), "nan")
    assert nan.message.startswith("multi_head_attention_forward produced nan") and \
        nan.source.lineno == line_of(__file__, "# ATTENTION")
    paused_at, _ = paused_by(lambda: encoder(steps=1, mask_kept=True), nan=True)
    assert paused_at.op_name == "multi_head_attention_forward"


def attention_by_hand(causal_from: int):
    """Scaled dot-product attention written out, its causal mask shifted by `causal_from`
    (1: each row sees itself and before; 0: the first row sees nothing)."""
    torch.manual_seed(0)
    queries = torch.randn(2, 4, 8, requires_grad=True)
    scores = queries @ queries.transpose(1, 2) / 8 ** 0.5
    future = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=causal_from)
    scores = scores.masked_fill(future, float("-inf"))   # FILL
    weights = torch.softmax(scores, dim=-1)   # SOFTMAX
    (weights @ queries).sum().backward()


def test_a_causal_mask_that_hides_a_whole_row_is_found_at_the_softmax_that_read_it():
    assert tvt.find_nan_origin(attention_by_hand, 1) is None
    origin = tvt.find_nan_origin(attention_by_hand, 0)
    assert (origin.op, origin.source.lineno) == ("softmax", line_of(__file__, "# SOFTMAX"))
    fill = line_of(__file__, "# FILL")
    assert "input 0 is the mask masked_fill filled with -inf at " in origin.reason
    assert f"test_hunt_attention_mask.py:{fill}: " in origin.reason
    assert "masks every entry of 2 of its 8 rows" in origin.reason


def test_the_dashboards_alert_says_the_mask_not_bad_data():
    """The dashboard's tape holds the ops gradients flow through, not the mask's fill inside
    nn.MultiheadAttention: its alert said the -inf 'is in the input batch' and to drop or
    fill those rows (torch.nan_to_num), the data's fix, for a mask the wrong way round."""
    shown = trained_by_dashboard(lambda: encoder(steps=2, mask_kept=True))
    [alert] = [a["message"] for a in shown["alerts"] if a["kind"] == "nan"]
    assert alert.startswith("multi_head_attention_forward was given -inf from outside")
    assert "so it is in a mask that hides every entry of 1 of its 4 rows: a softmax over " \
           "entries all -inf is 0 / 0 = NaN; fix: leave at least one entry of every row " \
           "unmasked" in alert
    assert "input batch" not in alert and "nan_to_num" not in alert
