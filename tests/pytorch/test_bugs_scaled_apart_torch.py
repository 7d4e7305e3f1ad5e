"""torch: the digits standardised with the test set's per-pixel statistics before the loop
(the numpy engine's twin: tests/test_bugs_scaled_apart.py): `diagnose` names the training
data's first layer and the evaluation's, with their figures; the training statistics,
a constant pixel's std taken as 1, say nothing."""
import pytest

from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.datasets import load_digits  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def trained(statistics: str) -> Recorder:
    (images, labels), (test_images, _) = load_digits()
    x = torch.tensor(images[:512].reshape(512, -1) / 255, dtype=torch.float32)
    y = torch.tensor(labels[:512], dtype=torch.int64)
    test_x = torch.tensor(test_images[:300].reshape(300, -1) / 255, dtype=torch.float32)
    if statistics == "test":
        mean, std = test_x.mean(0), test_x.std(0) + 1e-7  # BUG: the test set's statistics
    else:
        mean, std = x.mean(0), x.std(0)
        std[std < 1e-6] = 1
    x, test_x = (x - mean) / std, (test_x - mean) / std
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    predictions = []
    with Recorder() as rec:
        for _epoch in range(2):
            for i in range(0, 512, 64):
                loss = F.cross_entropy(model(x[i:i + 64]), y[i:i + 64])  # TRAIN
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                predictions.append(model(test_x).argmax(1))  # EVALUATE
    return rec


def test_data_standardised_with_the_test_sets_statistics_is_named():
    found = diagnose(trained("test"))   # was: no finding
    assert found[0].kind == "scaled_apart"
    message = found[0].message
    train_line, eval_line = line_of(__file__, "# TRAIN"), line_of(__file__, "# EVALUATE")
    assert message.startswith("the training and evaluated data are scaled apart: the first "
                              "layer (linear at tests/pytorch/test_bugs_scaled_apart_torch.py:"
                              f"{train_line}")
    assert "the evaluated data is standardised, the training is not" in message
    assert found[0].source.lineno == eval_line


def test_the_training_sets_statistics_say_nothing():
    assert diagnose(trained("training")) == []
