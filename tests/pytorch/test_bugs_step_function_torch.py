"""torch: the lecture's per-example Huber regression with its prediction rounded
(`torch.round(w * x + b)`, a student's "the birth rate is a whole number"): round's
derivative is zero, so torch passes back exactly zero and w and b never train. `diagnose`
names round and its line (marked here, looked up, never hard-coded) where it said 'dead
ReLUs, a masked path, or a constant input; read by add'. (The numpy engine's round has no
gradient: apply_gradients refuses the Nones naming round.)"""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.datasets import synthetic_birth_life  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def huber_loss(y, y_predicted, delta=14.0):
    residual = (y - y_predicted).abs()
    return torch.where(residual < delta, 0.5 * residual ** 2, delta * residual - 0.5 * delta ** 2)


def regression(rounded: bool):
    data, _ = synthetic_birth_life()
    data = torch.tensor(data[:12], dtype=torch.float32)
    w, b = torch.zeros((), requires_grad=True), torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.001)
    with Recorder() as rec:
        for x, y in data:
            optimizer.zero_grad()
            y_predicted = w * x + b
            if rounded:
                y_predicted = torch.round(y_predicted)  # BUG: round
            loss = huber_loss(y, y_predicted)
            loss.backward()
            optimizer.step()
    return rec


def test_a_rounded_prediction_names_round_as_why_the_gradients_are_zero():
    found = diagnose(regression(rounded=True))
    assert [f.kind for f in found] == ["zero_gradient", "zero_gradient"]
    for finding in found:
        assert (": the gradient is exactly zero in all 12 steps (1 values each): it never "
                "trains: its way to the loss goes through round at ") in finding.message
        assert f"tests/pytorch/{marked_line(__file__, '# BUG: round')}" in finding.message
        assert finding.message.endswith("fix: keep the values continuous up to the loss (round "
                                        "only what you report, not what you train on)")
        assert finding.source.lineno == int(marked_line(__file__, "# BUG: round").split(":")[1])


def test_the_prediction_unrounded_gives_no_finding():
    assert diagnose(regression(rounded=False)) == []
