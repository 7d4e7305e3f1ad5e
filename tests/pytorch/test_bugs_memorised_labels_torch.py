"""torch: labels shuffled apart from their images once, then memorised (the numpy engine's
twin: tests/test_bugs_memorised_labels.py): an MLP on 512 of the bundled digits learns its
shuffled labels while its accuracy on 300 held-out digits, evaluated each epoch under
torch.no_grad(), stays at chance. `diagnose` names it with the evaluation's line and the
loss's; the same loop with its labels in place says nothing."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.datasets import load_digits  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def trained(shuffled: bool) -> Recorder:
    (images, labels), (test_images, test_labels) = load_digits()
    x = torch.tensor(images[:512].reshape(512, -1) / 255, dtype=torch.float32)
    y = torch.tensor(labels[:512], dtype=torch.int64)
    test_x = torch.tensor(test_images[:300].reshape(300, -1) / 255, dtype=torch.float32)
    test_y = torch.tensor(test_labels[:300], dtype=torch.int64)
    if shuffled:
        y = y[torch.randperm(512, generator=torch.Generator().manual_seed(0))]  # BUG
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    scores = []   # each epoch's held-out score, as a student prints it
    with Recorder() as rec:
        for _epoch in range(12):
            for i in range(0, 512, 64):
                loss = F.cross_entropy(model(x[i:i + 64]), y[i:i + 64])  # LOSS
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                scores.append((model(test_x).argmax(1) == test_y).float().mean())  # ACCURACY
    return rec


def test_shuffled_labels_memorised_are_named_by_the_evaluations_at_chance():
    [finding] = diagnose(trained(shuffled=True))   # was: no finding
    assert finding.kind == "memorised_labels"
    message = finding.message
    evaluated = float(message.split("were right on ")[1].split("%")[0])
    assert evaluated < 13.0 and int(message.split("right on ")[1].split("%")[0]) >= 30
    eval_line, loss_line = line_of(__file__, "# ACCURACY"), line_of(__file__, "# LOSS")
    assert f"(eq at tests/pytorch/test_bugs_memorised_labels_torch.py:{eval_line}: " in message
    assert "the training loss is cross_entropy at tests/pytorch/" \
           f"test_bugs_memorised_labels_torch.py:{loss_line}" in message
    assert finding.source.lineno == eval_line and finding.related.lineno == loss_line


def test_the_same_loop_with_its_labels_in_place_says_nothing():
    assert diagnose(trained(shuffled=False)) == []
