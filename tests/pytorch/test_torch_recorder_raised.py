"""A torch training step that raises (a call torch refuses), caught by the loop, is a step of
its own in a Recorder, labelled "raised" and holding the error; the next step holds its own
calls alone, kept (followed) or recorded fully as before, with the values of a loop that
never raised."""
import pytest

torch = pytest.importorskip("torch", reason='the torch adapter needs torch: pip install '
                                           '"tapeviz[torch]" (torch==2.13.0, the CPU build)')
from torch import nn  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402,F401  (the adapter: records torch ops)
from tapeviz.debugger import Recorder  # noqa: E402

FULL = ["linear", "relu", "linear", "sub", "pow", "mean"] + ["sgd_step"] * 4


def _loop(failing: int, steps: int = 6, threads=None):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    caught = []
    with (Recorder(threads=threads) if threads else Recorder()) as rec:
        for i in range(steps):
            try:
                opt.zero_grad()
                out = model(x)
                if i == failing:
                    out = out @ torch.ones(5, 5)   # mat1 and mat2 shapes cannot be multiplied
                loss = ((out - y) ** 2).mean()
                loss.backward()
                opt.step()
            except RuntimeError as error:
                caught.append(error)
    return rec, caught


@pytest.mark.parametrize("threads", [None, "all"])   # its sink on the thread, or fed events
@pytest.mark.parametrize("failing", [0, 1, 4])   # the first, the second, a followed one
def test_a_torch_step_that_raised_is_its_own(failing, threads):
    rec, caught = _loop(failing, threads=threads)
    steps = rec.steps
    assert [step.label for step in steps] == \
        [None] * failing + ["raised"] + [None] * (6 - failing - 1)
    assert steps[failing].error is caught[0]
    assert [op.op for op in steps[failing].ops] == ["linear", "relu", "linear"]
    for step in steps[:failing] + steps[failing + 1:]:
        assert [op.op for op in step.ops if op.phase == "forward"] == FULL
    clean, _ = _loop(-1, steps=5)
    assert [step.loss for step in steps if step.label is None] == \
        pytest.approx([step.loss for step in clean.steps])


def test_the_hooks_go_when_it_stops_though_the_error_is_kept():
    """The error a step raised holds the adapter's mode in its traceback (and the Recorder
    keeps the error): the global module hooks still go when recording stops."""
    from tapeviz.torch import modules
    rec, caught = _loop(0, steps=2)
    assert caught and rec.steps[0].error is caught[0]
    assert not modules.installed()


def test_a_torch_step_whose_backward_raised_is_its_own_and_the_next_loss_its_own():
    """loss.backward() twice (the graph freed): the step raised after one pass ran; the pass
    it held for an optimizer step that never came is not summed into the next step's."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = torch.optim.SGD(model.parameters(), 0.1)
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    with Recorder() as rec:
        for i in range(4):
            try:
                opt.zero_grad()
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                if i == 1:
                    loss.backward()   # Trying to backward through the graph a second time
                opt.step()
            except RuntimeError:
                pass
    steps = rec.steps
    assert [step.label for step in steps] == [None, "raised", None, None]
    assert "second time" in str(steps[1].error)
    clean, _ = _loop(-1, steps=3)
    assert [step.loss for step in steps if step.label is None] == \
        pytest.approx([step.loss for step in clean.steps])
