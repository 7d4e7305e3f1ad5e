"""torch: the guide's CNN (an nn.Sequential, or a module of the user's own, whose ops run at
lines of its forward: both named by the loop's call of the model) evaluated under torch.no_grad() on
the batches it trained on: `diagnose` names the evaluation and its line (marked here, looked
up, never hard-coded), where it said nothing; held-out batches are no finding. The numpy
engine's twin: tests/test_bugs_training_data.py."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from digits_cnn import digit_batches  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


class Net(torch.nn.Module):
    """The same CNN as a module of the user's own: its ops run at lines of forward()."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = torch.nn.Conv2d(1, 16, 3), torch.nn.Conv2d(16, 16, 3)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.fc(x.mean((2, 3)))


def sequential():
    return torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(),
                               torch.nn.Conv2d(16, 16, 3), torch.nn.ReLU(),
                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                               torch.nn.Linear(16, 10))


def _train(model, batches) -> None:
    """A step of Adam on each (images, labels) batch, as the guide's loop makes it."""
    optimizer = torch.optim.Adam(model.parameters())
    for images, labels in batches:
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()


def evaluated(on_training: bool, make_model=sequential, then_test: bool = False,
              batches=None):
    batches = digit_batches(count=6) if batches is None else batches
    torch.manual_seed(0)
    model = make_model()
    with Recorder() as rec:
        _train(model, batches[:4])
        model.eval()
        with torch.no_grad():
            if on_training:
                model(batches[1][0])  # BUG: evaluates on a training batch
                if then_test:
                    model(batches[5][0])
            else:
                model(batches[5][0])
    return rec


@pytest.mark.parametrize("make_model", [sequential, Net])
def test_an_evaluation_on_a_training_batch_is_named_at_the_loops_call(make_model):
    [finding] = diagnose(evaluated(on_training=True, make_model=make_model))
    assert finding.kind == "evaluated_on_training_data"
    assert "on 32 examples, 32 of which it trained on (step 2 read them)" in finding.message
    line = line_of(__file__, "# BUG: evaluates on a training batch")
    assert finding.source.lineno == line
    assert f"of the model called at tests/pytorch/test_bugs_training_data_torch.py:{line}: " \
        "model(batches[1][0])" in finding.message


def test_an_evaluation_on_a_held_out_batch_is_no_finding():
    assert diagnose(evaluated(on_training=False)) == []


def test_an_evaluation_followed_by_a_held_out_one_is_named_at_its_own_call():
    """The training batch evaluated, then a held-out one, the data still held (as a
    notebook's is; a call whose data is gone matches none): was the held-out call's line."""
    batches = digit_batches(count=6)
    [finding] = diagnose(evaluated(on_training=True, then_test=True, batches=batches))
    line = line_of(__file__, "# BUG: evaluates on a training batch")
    assert finding.source.lineno == line
    assert f"of the model called at tests/pytorch/test_bugs_training_data_torch.py:{line}: " \
        "model(batches[1][0])" in finding.message


def test_an_evaluation_on_an_empty_batch_is_no_finding_and_no_error():
    """A test slice past the data's end (`x[1500:]` of 1,437 examples) evaluated: was
    diagnose's own ValueError 'cannot reshape array of size 0'."""
    batches = digit_batches(count=5)
    torch.manual_seed(0)
    model = sequential()
    with Recorder() as rec:
        _train(model, batches[:4])
        with torch.no_grad():
            model(batches[4][0][32:])   # empty
    assert [f.kind for f in diagnose(rec)] == []
