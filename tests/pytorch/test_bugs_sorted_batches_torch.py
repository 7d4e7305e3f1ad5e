"""torch: the digits sorted by label in a DataLoader left at shuffle=False (the numpy
engine's twin: tests/test_bugs_sorted_batches.py): `diagnose` names the batches of one class
each, and so does the Dashboard, from its last steps' labels (was: nothing); shuffle=True
says nothing."""
import numpy as np
import pytest

from dashboard_loops import dashboards, ended  # noqa: F401  (dashboards: a fixture)
from programs import line_of

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.datasets import load_digits  # noqa: E402
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def trained(shuffle: bool) -> Recorder:
    with Recorder() as rec:
        loop(shuffle)
    return rec


def loop(shuffle: bool) -> None:
    (images, labels), _ = load_digits()
    order = np.argsort(labels, kind="stable")
    x = torch.tensor(images[order].reshape(-1, 64) / 255, dtype=torch.float32)
    y = torch.tensor(labels[order], dtype=torch.int64)
    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32,
                                         shuffle=shuffle)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    optimizer = torch.optim.Adam(model.parameters())
    for step, (batch, target) in enumerate(loader):
        loss = F.cross_entropy(model(batch), target)  # LOSS
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step == 19:
            break


def test_a_dataloader_of_sorted_digits_left_unshuffled_is_named():
    [finding] = [f for f in diagnose(trained(False)) if f.kind == "sorted_batches"]   # was: none
    assert "each training batch holds examples of one class or two" in finding.message
    assert f"as given to cross_entropy at tests/pytorch/test_bugs_sorted_batches_torch.py:" \
           f"{line_of(__file__, '# LOSS')}" in finding.message


def test_shuffled_batches_say_nothing():
    assert [f for f in diagnose(trained(True)) if f.kind == "sorted_batches"] == []


@pytest.mark.parametrize("shuffle", [False, True], ids=["sorted", "shuffled"])
def test_the_dashboard_names_a_dataloader_of_sorted_digits(shuffle, dashboards):  # noqa: F811
    from tapeviz.torch import activation
    dash = dashboards(show_tape=False)
    try:
        ended(dash, dash.train(loop, shuffle))
    finally:
        activation.sync_thread()
    said = [a for a in dash.alerts if a["kind"] == "sorted_batches"]
    if shuffle:
        assert said == []
    else:   # before: none
        assert said[0]["message"].startswith("each training batch holds examples of one class "
                                             "or two (their classes by batch over steps 5-20: ")
