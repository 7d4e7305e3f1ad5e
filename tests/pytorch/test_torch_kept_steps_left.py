"""A Recorder's torch step kept as its inputs (tapeviz/torch/kept_steps.py) where it is left
midway or looked at midway, and what it holds once stopped: a listener that comes after a
backward (the calls recorded fully after it read the outputs of the calls run again: one
graph), a look from the training's own thread in the middle of a step (what ran so far), a
stopped Recorder (nothing of it or of the model held on the thread), a call whose output is
not on the CPU (recorded fully: a look runs again on the CPU alone)."""
import gc
import weakref

import pytest

torch = pytest.importorskip("torch", reason='the torch adapter needs torch: pip install '
                                           '"tapeviz[torch]" (torch==2.13.0, the CPU build)')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402
from tapeviz.debugger import Recorder  # noqa: E402
from tapeviz.debugger.kept_forward import holds_kept  # noqa: E402
from digits_cnn import digit_batches, make_training  # noqa: E402
from kept_compare import both_ways, _producers, assert_same_steps  # noqa: E402


def test_a_listener_after_the_backward_leaves_one_graph_with_the_calls_run_again(switch):
    """A breakpoint armed after `loss.backward()` (never hit): the calls up to the backward
    are kept and run again on a look, those after it recorded fully; the accuracy read from
    the logits after it takes the very logits the look makes (not a value from outside)."""
    def make():
        model, optimizer, _ = make_training()
        count = [0]

        def train(images, labels):
            optimizer.zero_grad()
            logits = model(images)
            F.cross_entropy(logits, labels).backward()
            count[0] += 1
            breakpoint_ = tvt.break_on(op="log") if count[0] == 3 else None
            (logits.argmax(1) == labels).float().mean()
            if breakpoint_ is not None:
                breakpoint_.clear()
            optimizer.step()
        return train
    batches = digit_batches(count=4)
    full, kept, held = both_ways(switch, make, batches)
    assert held == [False, True, True, True]   # the third: kept up to its backward
    argmax = [op.op for op in kept[2].ops].index("argmax")
    assert _producers(kept[2])[argmax] == [[op.op for op in kept[2].ops].index("linear")]
    assert_same_steps(full, kept)


def test_a_look_on_the_training_thread_mid_step_shows_the_calls_so_far(switch):
    """`rec.steps` read inside the third step, between its forward and backward: the step in
    progress shows its forward calls (recorded fully from there: its backward steps too)."""
    def make(looks: list):
        model, optimizer, _ = make_training()

        def train(images, labels):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            if len(looks) == 2:   # (a look at each step's middle from the third on)
                looks.append([op.op for op in rec_of[0].steps[-1].ops])
            else:
                looks.append(None)
            loss.backward()
            optimizer.step()
        return train
    batches = digit_batches(count=4)
    rec_of = [None]

    def recorded(on: bool, looks: list):
        switch(on)
        train = make(looks)
        with Recorder() as rec:
            rec_of[0] = rec
            for images, labels in batches:
                train(images, labels)
        return rec.steps
    full_looks, kept_looks = [], []
    full = recorded(False, full_looks)
    kept = recorded(True, kept_looks)
    assert kept_looks[2] == full_looks[2]
    assert kept_looks[2][:2] == ["conv2d", "relu"] and "cross_entropy" in kept_looks[2]
    assert_same_steps(full, kept)


def test_a_stopped_recorder_leaves_nothing_of_it_or_the_model_on_the_thread(switch):
    """Its programs, the parameters they read and its list go when it stops, with no other
    routing change after: the Recorder and the model's parameters are collected once the
    user lets them go."""
    switch(True)
    model, optimizer, train = make_training()
    with Recorder() as rec:
        for images, labels in digit_batches(count=3):
            train(images, labels)
    assert holds_kept(rec._steps[2])
    recorder, parameter = weakref.ref(rec), weakref.ref(model.fc.weight)
    del rec, model, optimizer, train
    gc.collect()
    assert recorder() is None and parameter() is None


def test_a_call_whose_output_is_on_another_device_is_recorded_fully(switch):
    """A value moved off the CPU inside the step (here to the 'meta' device; on a GPU,
    `.cuda()`): the step is recorded fully, its kept calls' values all the CPU's (a look
    runs again from numpy copies; a device's kernels need not give the same bits)."""
    def make():
        model, optimizer, _ = make_training()

        def train(images, labels):
            optimizer.zero_grad()
            logits = model(images)
            logits.detach().to("meta").sum()   # (a device's copy: shape and dtype only)
            F.cross_entropy(logits, labels).backward()
            optimizer.step()
        return train
    batches = digit_batches(count=3)
    full, kept, held = both_ways(switch, make, batches)
    assert not any(held)
    assert_same_steps(full, kept)


def test_notebook_04s_recorder_loop_kept_is_diagnosed_and_inspected_as_recorded_fully(switch):
    """Notebook 04's Recorder cell (a loop that never calls zero_grad): its steps after the
    first are kept, and `diagnose` and the widget's inspector at a kept step (the first
    conv's values and gradient) say what they say of the loop recorded fully."""
    from tapeviz.debugger import diagnose
    from tapeviz.viz.widget import TapeWidget
    from digits_cnn import DigitsCNN

    batches = digit_batches(count=4)

    def seen(on: bool) -> tuple:
        switch(on)
        torch.manual_seed(0)
        model = DigitsCNN()
        optimizer = torch.optim.Adam(model.parameters())
        optimizer.zero_grad()
        with Recorder() as rec:
            for images, labels in batches:
                F.cross_entropy(model(images), labels).backward()
                optimizer.step()
        kept = [holds_kept(step) for step in rec._steps]
        widget = TapeWidget(rec)
        widget.show_step(2)
        widget.selected = next(node for node, shown in widget.graph.nodes.items()
                               if shown.op == "conv2d")
        sections = [section["title"] for section in widget.inspector["sections"]]
        return kept, [finding.message for finding in diagnose(rec)], sections
    full, kept = seen(False), seen(True)
    assert kept[0] == [False, True, True, True]
    assert "gradients pile up" in " ".join(kept[1])
    assert {"Output", "Gradient"} <= set(kept[2])
    assert kept[1:] == full[1:]
