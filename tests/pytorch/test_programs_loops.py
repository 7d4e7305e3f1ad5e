"""Training loops beyond the guide's CNN (issue 15), each as a user writes it: BatchNorm and
Dropout switched by model.train()/model.eval() with a torch.no_grad() evaluation, gradient
accumulation over micro-batches with clip_grad_norm_, and a DataLoader over a Dataset class;
recorded, drawn by layer at the user's lines, their NaN found, run by the Runner."""
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder, Runner, diagnose


class BNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.bn = nn.Linear(6, 10), nn.BatchNorm1d(10)
        self.drop, self.out = nn.Dropout(0.3), nn.Linear(10, 2)

    def forward(self, x):
        return self.out(self.drop(F.relu(self.bn(self.fc(x)))))


def _bn_training(seed=0):
    torch.manual_seed(seed)
    model = BNNet()
    optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9)
    x, y = torch.randn(8, 6), torch.randint(0, 2, (8,))
    held_x, held_y = torch.randn(8, 6), torch.randint(0, 2, (8,))
    accuracies = []

    def epoch():
        model.train()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracies.append((model(held_x).argmax(1) == held_y).float().mean().item())
        return loss
    return model, epoch, accuracies


def test_batch_norm_and_dropout_train_and_evaluate_as_torch_runs_them_while_recorded():
    model, epoch, accuracies = _bn_training()
    torch.manual_seed(1)
    with tvt.record() as tape:
        epoch()
    recorded = (model.bn.running_mean.clone(), accuracies[-1])
    model, epoch, accuracies = _bn_training()
    torch.manual_seed(1)
    epoch()
    np.testing.assert_array_equal(recorded[0].numpy(), model.bn.running_mean.numpy())
    assert recorded[1] == accuracies[-1]
    names = [(n.op.name, n.scope) for n in tape.nodes]
    assert names[:6] == [("linear", "BNNet/fc"), ("add_", "BNNet/bn"),
                         ("batch_norm", "BNNet/bn"), ("relu", "BNNet"),
                         ("dropout", "BNNet/drop"), ("linear", "BNNet/out")]
    evaluation = [n for n in tape.nodes if n.op.name == "batch_norm"][1]
    assert evaluation.params["training"] is False and not model.training
    assert [s.node.op.name for s in tape.steps][-1] == "linear"   # the evaluation: no steps
    assert torch.is_grad_enabled()


def test_an_evaluation_under_no_grad_is_told_apart_from_the_training_steps():
    _, epoch, _ = _bn_training()
    with Recorder() as rec:
        for _ in range(3):
            epoch()
    trained = [s for s in rec.steps if s.variable_gradients]
    assert len(trained) == 3 and diagnose(rec) == []


def _accumulating(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), 0.05)
    x, y = torch.randn(12, 4), torch.randn(12, 1)

    def step(offset=1.0):
        optimizer.zero_grad()
        for xb, yb in zip(x.split(4), y.split(4)):
            loss = F.mse_loss(model(xb), yb) / 3 + torch.log(offset + 0 * yb).mean()
            loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        return norm
    return model, step


def test_accumulated_micro_batches_are_one_recorder_step_clipped_as_the_optimizer_saw():
    model, step = _accumulating()
    with Recorder() as rec:
        for _ in range(3):
            norm = step()
    assert len(rec.steps) == 3
    last = rec.steps[-1]
    assert [op.op for op in last.ops].count("mse_loss") == 3
    assert "clip_grad_norm_" in [op.op for op in last.ops]
    grads = last.variable_gradients
    total = np.sqrt(sum(float((g.numpy() ** 2).sum()) for g in grads.values()))
    assert total <= 0.5 + 1e-5 < norm.item()   # what the optimizer used: clipped
    _, step = _accumulating()
    origin = tvt.find_nan_origin(step, 0.0)   # log(0 + 0 * yb)
    assert (origin.op, origin.source.lineno) == ("log", step.__code__.co_firstlineno + 3)


class Points(torch.utils.data.Dataset):
    def __init__(self):
        generator = torch.Generator().manual_seed(1)
        self.x = torch.randn(20, 3, generator=generator)
        self.y = (self.x.sum(1) > 0).long()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def test_a_dataloaders_batches_are_recorded_from_the_datasets_lines_and_run_by_the_runner():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    loader = torch.utils.data.DataLoader(Points(), batch_size=5, shuffle=True)

    def train():
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
        return loss.item()

    with tvt.record() as tape:
        train()
    item = Points.__getitem__.__code__.co_firstlineno + 1
    assert {n.source.lineno for n in tape.nodes if n.op.name == "getitem"} == {item}
    assert [n.op.name for n in tape.nodes].count("linear") == 8   # 4 batches of 5
    runner = Runner(train).start()
    assert runner.join(60) and runner.state == "finished" and runner.error is None
    assert runner.step_count == 4


def test_a_recorder_that_heard_no_torch_op_says_to_import_the_adapter(monkeypatch):
    """`from tapeviz.debugger import Recorder` alone records no torch op (the adapter is
    `tapeviz.torch`): diagnose said only to run the steps inside `with rec:`, as they were."""
    monkeypatch.delitem(sys.modules, "tapeviz.torch")
    with Recorder() as rec:
        pass
    with pytest.warns(UserWarning, match=r"a PyTorch loop is heard once `import tapeviz.torch`"):
        diagnose(rec)
