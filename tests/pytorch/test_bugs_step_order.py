"""`optimizer.step()` called before `loss.backward()`: after `zero_grad()` it finds no
gradient, so nothing moves, while the loop looks complete. `diagnose` on the Recorder names
the step's line and the backward's (marked here, looked up, never hard-coded); the loop in
the right order gives no finding."""
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def classifier_and_data():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    return model, torch.randn(64, 8), torch.randint(0, 3, (64,))


def step_before_backward(steps: int = 6) -> Recorder:
    model, x, y = classifier_and_data()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for i in range(steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[i * 8:(i + 1) * 8]), y[i * 8:(i + 1) * 8])
            optimizer.step()  # BUG: before backward
            loss.backward()  # THE BACKWARD
    return rec


def step_first_in_the_loop(steps: int = 6) -> Recorder:
    model, x, y = classifier_and_data()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for i in range(steps):
            optimizer.zero_grad()
            optimizer.step()  # BUG: first in the loop
            loss = F.cross_entropy(model(x[i * 8:(i + 1) * 8]), y[i * 8:(i + 1) * 8])
            loss.backward()
    return rec


def step_after_backward(steps: int = 6) -> Recorder:
    model, x, y = classifier_and_data()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with Recorder() as rec:
        for i in range(steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[i * 8:(i + 1) * 8]), y[i * 8:(i + 1) * 8])
            loss.backward()
            optimizer.step()
    return rec


def test_a_step_before_backward_names_both_lines_and_the_order():
    """was: 'but no update op ran ...; fix: call optimizer.step() after loss.backward()',
    as if the loop had no optimizer.step(), at the loss's line."""
    [finding] = diagnose(step_before_backward())
    assert finding.kind == "gradients_not_applied"
    step = marked_line(__file__, "# BUG: before backward")
    backward = marked_line(__file__, "# THE BACKWARD")
    assert (f"but optimizer.step() at tests/pytorch/{step}: optimizer.step()  # BUG: before "
            f"backward runs before loss.backward() at tests/pytorch/{backward}: "
            f"loss.backward()  # THE BACKWARD: when it steps, this step's gradients are not "
            f"computed yet and the last step's are cleared (zero_grad()): it updates "
            f"nothing, so the weights never change") in finding.message
    assert finding.message.endswith("fix: call optimizer.step() after loss.backward(): "
                                    "zero_grad(), the forward pass and the loss, backward(), "
                                    "then step()")
    assert finding.source.lineno == line_of(__file__, "# BUG: before backward")


def test_a_step_first_in_the_loop_is_named_at_its_line():
    [finding] = diagnose(step_first_in_the_loop())
    assert finding.kind == "gradients_not_applied"
    assert finding.source.lineno == line_of(__file__, "# BUG: first in the loop")
    assert "runs before loss.backward()" in finding.message


def test_the_step_after_backward_is_no_finding():
    rec = step_after_backward()
    assert diagnose(rec) == []
    assert len(rec.steps) == 6   # (each step ended at its optimizer.step())
