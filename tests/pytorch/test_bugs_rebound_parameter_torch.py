"""torch: the lecture's per-example regression with Huber loss, its parameters updated by
`w = w - lr * w.grad` (the numpy engine's habit) outside torch.no_grad(): the second step's
`w.grad` is None and the update line fails with Python's TypeError ('unsupported operand
type(s) for *: float and NoneType'), which no torch call raised and no note reaches;
`diagnose` said nothing. Now it names the rebinding, its line and the in-place fix; the
same loop updating in place under torch.no_grad() says nothing."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402
from test_bugs_lectures import birth_life  # noqa: E402


def regression(rec: Recorder, in_place: bool) -> Recorder:
    birth_rate, life = birth_life()
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    learning_rate = 0.001
    with rec:
        for x_i, y_i in list(zip(birth_rate, life))[:20]:
            prediction = float(x_i) * w + b
            loss = F.huber_loss(prediction, torch.tensor(float(y_i)), delta=14.0)
            loss.backward()
            if in_place:
                with torch.no_grad():
                    w -= learning_rate * w.grad
                    b -= learning_rate * b.grad
                w.grad.zero_()
                b.grad.zero_()
            else:
                w = w - learning_rate * w.grad  # BUG: rebinds w
                b = b - learning_rate * b.grad
    return rec


def test_a_parameter_rebound_by_its_update_is_named_at_its_line():
    rec = Recorder()
    with pytest.raises(TypeError, match="NoneType"):   # the student's own line fails
        regression(rec, in_place=False)
    [finding] = [f for f in diagnose(rec) if f.kind == "parameter_rebound"]   # was: none
    line = line_of(__file__, "# BUG: rebinds w")
    assert finding.message.startswith(
        "w is replaced by a tensor computed from it, at tests/pytorch/"
        f"test_bugs_rebound_parameter_torch.py:{line}: w = w - learning_rate * w.grad")
    assert "fix: update the parameter in place, untracked: with torch.no_grad(): w -= lr * " \
           "w.grad, then w.grad.zero_()" in finding.message
    assert finding.source.lineno == line


def test_an_update_in_place_under_no_grad_says_nothing():
    found = diagnose(regression(Recorder(), in_place=True))
    assert [f for f in found if f.kind == "parameter_rebound"] == []
