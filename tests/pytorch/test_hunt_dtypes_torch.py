"""A binary classifier on word counts loaded from numpy, trained with BCEWithLogitsLoss and
Adam, as a student writes it after the PyTorch tutorials, under every tool. Planted bugs, of
dtypes: the 0/1 labels left int64 (torch: 'result type Float can't be cast to the desired
output type Long'; before: a note naming the loss, its inputs and the line, and no hint; now
the hint says the target must be float); the counts given as int64 and the features as
numpy's float64 through torch.from_numpy (noted with the layer, the line and the
conversion: found as-is)."""
import numpy as np
import pytest
import torch
from torch import nn

import tapeviz.torch as tvt
from hunt_tools import (diagnosed_clean, drawn_and_stepped, paused_then_stopped, recorded_steps,
                        trained_quietly)
from programs import line_of
from tf_program_tools import paused_by, runs_past

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


def word_counts(n=64, words=20, seed=0):
    rng = np.random.default_rng(seed)
    counts = rng.poisson(1.0, size=(n, words))
    spam = (counts[:, :5].sum(axis=1) > counts[:, 5:10].sum(axis=1)).astype(np.int64)
    return counts, spam


def train(steps=3, labels_as_int=False, features="float32"):
    torch.manual_seed(0)
    counts, spam = word_counts()
    if features == "float32":
        x = torch.from_numpy(counts.astype(np.float32))
    elif features == "float64":
        x = torch.from_numpy(np.log1p(counts))   # FLOAT64
    else:
        x = torch.from_numpy(counts)   # COUNTS
    y = torch.from_numpy(spam) if labels_as_int else torch.from_numpy(spam).float()
    model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x).squeeze(1), y)   # LOSS
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_the_classifier_is_drawn_stepped_and_run_under_every_tool_saying_nothing_wrong():
    with tvt.record() as tape:
        losses = train(steps=2)
    assert losses[1] < losses[0]
    assert drawn_and_stepped(tape) == len(tape.steps) > 0
    runs_past(train, op="conv2d")
    paused_at, hit = paused_by(train, op="binary_cross_entropy_with_logits")
    assert paused_at.source.lineno == line_of(__file__, "# LOSS")
    rec = diagnosed_clean(train, steps=20)
    assert len([s for s in rec.steps if s.variable_gradients]) == 20
    assert tvt.find_nan_origin(train, steps=1) is None
    assert paused_then_stopped(train)[1] is not None
    trained_quietly(train)


def refused(**kwargs) -> str:
    """The note tapeviz adds to torch's error from `train(**kwargs)` run under a Recorder."""
    with pytest.raises(RuntimeError) as info:
        recorded_steps(train, **kwargs)
    return "\n".join(getattr(info.value, "__notes__", []))


def test_integer_labels_given_to_bce_with_logits_are_told_to_be_floats():
    """Before: the note named the loss, input float32[64], target int64[64] and the line, and
    gave no hint."""
    note = refused(labels_as_int=True)
    assert note.startswith("tapeviz: binary_cross_entropy_with_logits in layer "
                           "loss_fn was given input float32[64], target int64[64]")
    assert f"test_hunt_dtypes_torch.py:{line_of(__file__, '# LOSS')}" in note
    assert note.endswith("hint: the target holds integers (int64): "
                         "binary_cross_entropy_with_logits takes float targets, each the "
                         "probability of the positive class: pass target.float()")


def test_integer_counts_and_numpy_float64_features_are_noted_at_the_first_layer():
    note = refused(features="int64")
    assert note.startswith("tapeviz: linear in layer model[0] (Linear) was given input "
                           "int64[64, 20], weight float32[16, 20], bias float32[16]")
    assert note.endswith("hint: the input is int64 and the weight float32: convert the batch, "
                         "x.to(torch.float32)")
    note = refused(features="float64")
    assert "input float64[64, 20]" in note and "(numpy's default, which torch.from_numpy " \
        "keeps)" in note
