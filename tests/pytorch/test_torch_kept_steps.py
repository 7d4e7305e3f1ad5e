"""A Recorder's torch step kept as its inputs (tapeviz/torch/kept_steps.py) and run again on a
look shows what a step recorded fully shows, bitwise: every op's inputs, output, upstream
gradient, line and layer path, every backward step's gradients, the parameters' values and
gradients, the loss. And the steps it cannot run again the same are recorded fully: an
in-place write, batch norm's running statistics, a program that changes, an evaluation
under no_grad; two backward passes in a step (gradient accumulation) are kept and run again
in order, dropout from torch's generator state kept before its draws."""
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
from digits_cnn import DigitsCNN, digit_batches, make_training  # noqa: E402
from kept_compare import both_ways, _recorded, assert_same_steps  # noqa: E402


def test_the_cnn_kept_and_run_again_is_its_full_recording_bitwise(switch):
    batches = digit_batches(count=6)
    full = _recorded(switch, False, make_training()[2], batches)
    held = []
    kept = _recorded(switch, True, make_training()[2], batches, held)
    assert held == [False] + [True] * 5   # the first recorded fully, learned
    assert_same_steps(full, kept)
    assert [len(step.backward_steps) for step in kept] == [7] * 6


def test_a_look_between_steps_runs_again_apart_from_the_training(switch):
    """A step looked at while the loop still records (the mode on the thread's stack): the
    look runs nothing the Recorder hears, and the steps after it are kept and right."""
    batches = digit_batches(count=6)
    full = _recorded(switch, False, make_training()[2], batches)
    switch(True)
    model, _, train = make_training()
    with Recorder() as rec:
        for i, (images, labels) in enumerate(batches):
            train(images, labels)
            if i == 3:
                looked = rec.steps[2]
                assert len(looked.ops) == 13 and len(looked.backward_steps) == 7
        assert holds_kept(rec._steps[4])
    assert_same_steps(full, rec.steps)


def test_gradient_accumulation_two_passes_a_step_are_kept_and_run_again_in_order(switch):
    def make():
        torch.manual_seed(0)
        model = DigitsCNN()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

        def train(images, labels):
            optimizer.zero_grad()
            for half in (slice(0, 16), slice(16, 32)):
                F.cross_entropy(model(images[half]), labels[half]).backward()
            optimizer.step()
        return train
    batches = digit_batches(count=4)
    full, kept, held = both_ways(switch, make, batches)
    assert held[1:] == [True] * (len(held) - 1)
    assert_same_steps(full, kept)
    assert [len(step.backward_steps) for step in kept] == [14] * 4


class _Net(nn.Module):
    """A small model whose forward does what a kept step cannot run again, by `kind`."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.fc = nn.Linear(64, 10)
        self.norm = nn.BatchNorm1d(64)

    def forward(self, x):
        x = x.flatten(1)
        if self.kind == "dropout":
            x = F.dropout(x, 0.5, training=True)
        elif self.kind == "inplace":
            x = F.relu(x * 2.0, inplace=True)
        elif self.kind == "batchnorm":
            x = self.norm(x)
        return self.fc(x)


@pytest.mark.parametrize("kind", ["dropout", "inplace", "batchnorm"])
def test_what_cannot_run_again_is_recorded_fully_and_dropout_is_drawn_again(switch, kind):
    """An in-place write and batch norm's running statistics are recorded fully; dropout's
    draws are made again from torch's generator state kept before them."""
    def make():
        torch.manual_seed(0)
        model = _Net(kind)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

        def train(images, labels):
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()
        return model, train
    batches = digit_batches(count=4)
    torch.manual_seed(1)
    full_model, train = make()
    full = _recorded(switch, False, train, batches)
    torch.manual_seed(1)
    kept_model, train = make()
    held = []
    kept = _recorded(switch, True, train, batches, held)
    if kind == "dropout":   # kept with torch's generator state before the draw
        assert held[1:] == [True] * (len(held) - 1)
    else:                   # never learned: each step recorded fully
        assert not any(held)
    assert_same_steps(full, kept)
    assert torch.equal(full_model.norm.running_mean, kept_model.norm.running_mean)


def test_a_step_whose_program_changes_is_recorded_fully_from_the_change(switch):
    def make():
        torch.manual_seed(0)
        model = DigitsCNN()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        count = [0]

        def train(images, labels):
            optimizer.zero_grad()
            logits = model(images)
            count[0] += 1
            if count[0] % 3 == 0:   # every third step another loss (another line)
                loss = F.mse_loss(logits.softmax(1), F.one_hot(labels, 10).float())
            else:
                loss = F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
        return train
    batches = digit_batches(count=6)
    full, kept, held = both_ways(switch, make, batches)
    assert held[1] and held[3] and not held[2]
    assert_same_steps(full, kept)


def test_an_evaluation_under_no_grad_is_its_own_step_as_when_recorded_fully(switch):
    def make():
        model, optimizer, train = make_training()
        images, labels = digit_batches(count=8)[7]

        def train_and_evaluate(x, y):
            train(x, y)
            with torch.no_grad():
                model(images)
        return train_and_evaluate
    batches = digit_batches(count=4)
    full = _recorded(switch, False, make(), batches)
    kept = _recorded(switch, True, make(), batches)
    assert [step.label for step in full] == [step.label for step in kept]
    assert_same_steps(full, kept)


def test_the_rng_draws_and_the_parameters_are_what_ran_after_a_look(switch):
    """A look runs again with torch's function handling off and its own leaves: the model's
    parameters, their .grad and torch's random stream (which a look at dropout's draws
    sets to the state they found) are as the training left them."""
    switch(True)
    torch.manual_seed(0)
    model = _Net("dropout")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batches = digit_batches(count=4)
    with Recorder() as rec:
        for images, labels in batches:
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()
    state = torch.get_rng_state()
    before = [p.detach().clone() for p in model.parameters()]
    grads = [p.grad.clone() for p in model.fc.parameters()]
    assert holds_kept(rec._steps[2])
    assert [op.op for op in rec.steps[2].ops][:3] == ["flatten", "dropout", "linear"]
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(torch.equal(a, b.grad) for a, b in zip(grads, model.fc.parameters()))


def test_a_no_grad_call_in_the_step_is_run_again_without_grad(switch):
    """A call under no_grad (an accuracy read from the logits) is kept with its grad mode:
    run again untaped, so its step and its place are those of a full recording."""
    def make():
        model, optimizer, _ = make_training()

        def train(images, labels):
            optimizer.zero_grad()
            logits = model(images)
            with torch.no_grad():
                (logits * 2.0).argmax(1)
            F.cross_entropy(logits, labels).backward()
            optimizer.step()
        return train
    batches = digit_batches(count=4)
    full, kept, held = both_ways(switch, make, batches)
    assert held[1:] == [True] * 3
    assert [(op.op, op.taped) for op in kept[2].ops][5:8] == [
        ("linear", True), ("mul", False), ("argmax", False)]
    assert_same_steps(full, kept)


def test_a_breakpoint_armed_inside_a_followed_step_records_it_fully_from_there(switch):
    """Someone else listens from the middle of a step on (a breakpoint armed between the
    forward pass and backward, never hit): the calls followed so far are recorded fully,
    with their backward steps, as a full recording shows them."""
    def make():
        model, optimizer, _ = make_training()
        count = [0]

        def train(images, labels):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            count[0] += 1
            breakpoint_ = tvt.break_on(op="log") if count[0] == 3 else None
            loss.backward()
            if breakpoint_ is not None:
                breakpoint_.clear()
            optimizer.step()
        return train
    batches = digit_batches(count=5)
    full, kept, held = both_ways(switch, make, batches)
    assert held[1] and not held[2] and held[3]
    assert_same_steps(full, kept)


def test_the_widget_shows_a_kept_step_as_it_shows_it_recorded_fully(switch):
    """The tape widget on each Recorder, at a step kept (the third): the same drawing, title,
    alerts, inspector of each node, and backward steps stepped through."""
    from tapeviz.viz.widget import TapeWidget
    batches = digit_batches(count=4)

    def shown(on: bool) -> list:
        switch(on)
        _, _, train = make_training()
        with Recorder() as rec:
            for images, labels in batches:
                train(images, labels)
        assert holds_kept(rec._steps[2]) == on   # (before the widget looks)
        widget = TapeWidget(rec)
        widget.show_step(2)
        seen = [widget.title, widget.svg, widget.alerts]
        seen += [widget.inspect(f"n{i}") for i in range(7)]
        for _ in range(4):
            widget.step()
            seen += [widget.highlight, widget.stepper, widget.inspector]
        # (each run's own durations: two runs of the loop, not one run shown twice)
        return re.sub(r"\d+(\.\d+)? (ms|us|s)\b", "<time>", json.dumps(seen, default=str))
    full = shown(False)
    assert shown(True) == full
    assert full.startswith('["step 3') and "<time>" in full
