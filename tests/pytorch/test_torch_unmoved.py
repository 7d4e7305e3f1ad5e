"""A learning rate of 0 in the guide's CNN written in PyTorch (`torch.optim.SGD(..., lr=0.0)`):
`optimizer.step()` runs on non-zero gradients and no parameter moves. `diagnose` names the
update op at the user's `step()` line and the fix in torch's words."""
import functools

import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN, digit_batches
from programs import marked_line

import tapeviz.torch  # noqa: F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose

here = functools.partial(marked_line, __file__)


def test_a_learning_rate_of_zero_is_named_at_the_step_line():
    torch.manual_seed(0)
    model = DigitsCNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    before = [p.detach().clone() for p in model.parameters()]
    with Recorder() as rec:
        for images, labels in digit_batches(count=6):
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()  # STEP
    assert all(torch.equal(a, p) for a, p in zip(before, model.parameters()))
    [finding] = diagnose(rec)   # was: none
    assert finding.kind == "updates_change_nothing"
    names = [f"model.{name}" for name, _ in model.named_parameters()]   # as code reaches them
    assert finding.message.startswith(
        f"the updates change nothing: {', '.join(names[:-1])} and {names[-1]} are the same "
        f"after step 6's updates as before step 1's (6 steps), though the gradients are not "
        f"zero")
    assert f"sgd_step at tests/pytorch/{here('# STEP')}: optimizer.step()" in finding.message
    assert finding.message.endswith("fix: a learning rate that moves the weights "
                                    "(torch.optim.Adam's default lr=0.001; lr=0.01 for SGD)")
    assert finding.source.lineno == int(here("# STEP").split(":")[1])
