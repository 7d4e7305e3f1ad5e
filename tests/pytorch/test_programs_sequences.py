"""Programs beyond the guide's CNN (issue 15): a sequence classifier, as a user writes one,
an embedding, a packed LSTM, its last hidden state to a linear head, recorded, drawn, stepped,
broken on, its NaN found and its training diagnosed."""
import gc
import weakref

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import BreakpointError, Recorder, diagnose
from tapeviz.viz import TapeWidget


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 12, batch_first=True)
        self.head = nn.Linear(12, 3)

    def forward(self, tokens, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(tokens), lengths,
                                                   batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)   # the last hidden state alone
        return self.head(h[-1])


def _training(seed=0):
    """(model, step): one Adam step a call on 4 padded sequences of 6 tokens."""
    torch.manual_seed(seed)
    model = LSTMClassifier()
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    tokens, lengths = torch.randint(0, 20, (4, 6)), torch.tensor([6, 3, 5, 2])
    labels = torch.tensor([0, 1, 2, 1])

    def step(planted=0.0):
        optimizer.zero_grad()
        logits = model(tokens, lengths)
        loss = F.cross_entropy(logits + torch.log(torch.tensor(1.0 - planted)), labels)
        loss.backward()
        optimizer.step()
        return loss
    return model, step


def test_a_packed_lstm_classifier_is_drawn_by_layer_at_the_users_lines_and_stepped():
    model, step = _training()
    with tvt.record() as tape:
        step()
    forward = LSTMClassifier.forward.__code__.co_firstlineno
    by_op = {}
    for node in tape.nodes:
        by_op.setdefault(node.op.name, node)
    assert (by_op["embedding"].scope, by_op["embedding"].source.lineno) == (
        "LSTMClassifier/embed", forward + 1)
    assert (by_op["lstm"].scope, by_op["lstm"].source.lineno) == (
        "LSTMClassifier/lstm", forward + 3)
    assert (by_op["linear"].scope, by_op["linear"].source.lineno) == (
        "LSTMClassifier/head", forward + 4)
    stepped = [s.node.op.name for s in tape.steps]
    assert stepped[:3] == ["cross_entropy", "add", "linear"] and stepped[-1] == "embedding"
    [lstm] = [s for s in tape.steps if s.node.op.name == "lstm"]
    sent = {t.variable.name: g for t, g in zip(lstm.node.inputs, lstm.input_grads)
            if hasattr(t, "variable")}
    np.testing.assert_allclose(sent["lstm.weight_hh_l0"].numpy(),   # (zero_grad comes
                               model.lstm.weight_hh_l0.grad.numpy(),   # next step)
                               rtol=1e-5, atol=1e-7)
    widget = TapeWidget(tape)
    try:
        assert "LSTMClassifier/lstm" in widget.to_html()
        stepper = tape.stepper()
        assert sum(1 for _ in iter(stepper.step, None)) == len(tape.steps)
    finally:
        widget.close()



def test_breakpoints_and_the_nan_origin_name_the_users_lines():
    _, step = _training()
    first = step.__code__.co_firstlineno
    tvt.break_on(op="lstm", action="raise")
    try:
        with pytest.raises(BreakpointError, match=r"lstm in the forward pass at "
                           r"\S*test_programs_sequences.py:\d+ \(_, \(h, _\) = self.lstm"):
            step()
    finally:
        tvt.clear_breakpoints()
    origin = tvt.find_nan_origin(step, 1.0)   # log(0): -inf, added to the logits
    assert (origin.op, origin.source.lineno) == ("log", first + 3)


def test_a_classifier_reading_the_last_hidden_state_alone_is_diagnosed_as_training_cleanly():
    """The LSTM call makes output, h and c (a node each); h alone is read. diagnose said 'a
    forward pass whose graph no backward pass reads ... lstm' from the second step on."""
    _, step = _training()
    with Recorder() as rec:
        for _ in range(3):
            step()
    assert diagnose(rec) == []



def test_the_dashboard_charts_the_lstm_loop():
    from tapeviz.viz import Dashboard
    _, step = _training()
    losses = []

    def train():
        for _ in range(4):
            losses.append(step().item())
        return len(losses)

    dash = Dashboard()
    try:
        runner = dash.train(train)
        assert runner.join(60) and runner.result == 4
        dash.flush()
        history = dash.history()
    finally:
        dash.close()
    assert history["loss"] == ([1, 2, 3, 4], losses)
    assert "lstm.weight_hh_l0" in history["grad_norms"]


def _recorded_and_drawn() -> weakref.ref:
    model, step = _training()
    with tvt.record() as tape:
        step()
    TapeWidget(tape).close()
    return weakref.ref(model)


def test_a_recorded_and_drawn_lstm_is_let_go_of():
    alive = _recorded_and_drawn()
    gc.collect()
    assert alive() is None
