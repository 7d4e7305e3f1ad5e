"""A torch tape's widget given a target no op of the tape made (a tensor made outside the
`with tvt.record()` block, a parameter) says so at the first Step, naming what to pass; was
torch's "`inputs` argument to `grad()` cannot be empty", naming nothing of the widget. A
recorded target still steps."""
import pytest

torch = pytest.importorskip("torch", reason='the torch adapter needs torch: pip install '
                                           '"tapeviz[torch]" (torch==2.13.0, the CPU build)')
pytest.importorskip("anywidget")
from torch import nn  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402
from tapeviz.viz.widget import TapeWidget  # noqa: E402


def _recorded():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    with tvt.record() as tape:
        loss = model(torch.randn(4, 3)).sum()
    return tape, model, loss


@pytest.mark.parametrize("stray", ["outside", "parameter"])
def test_a_target_the_torch_tape_did_not_make_is_refused_at_the_step(stray):
    tape, model, _ = _recorded()
    target = torch.ones(1) if stray == "outside" else model.weight
    widget = TapeWidget(tape, target=target, check_later=False)
    with pytest.raises(ValueError, match=r"TapeWidget: target must be a tensor this torch "
                                         r"tape's ops made, which requires grad; got a float32 "
                                         r"tensor of shape \((1|2, 3)\,?\) that no op made"):
        widget.step()
    widget.close()


def test_a_recorded_target_steps():
    tape, _, loss = _recorded()
    widget = TapeWidget(tape, target=loss, check_later=False)
    widget.step()
    assert widget.stepper["op"] == "sum"
    widget.close()
