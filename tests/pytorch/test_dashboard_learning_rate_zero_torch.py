"""A torch learning rate of 0 on the Dashboard, said from its opening steps and naming the
model as the loop binds it (`mlp`); the numpy engine's case:
tests/test_dashboard_learning_rate_zero.py."""
import torch
import torch.nn.functional as F
from torch_hunts import four_classes

from dashboard_loops import dashboards, ended  # noqa: F401  (dashboards: a fixture)
from tapeviz.torch import activation


def still_loop(steps):
    torch.manual_seed(0)
    x, y = four_classes()
    mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4))
    optimizer = torch.optim.SGD(mlp.parameters(), lr=0)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(mlp(x), y).backward()
        optimizer.step()


def test_a_learning_rate_of_zero_is_said_on_the_dashboard(dashboards):  # noqa: F811
    dash = dashboards(show_tape=False)
    try:
        ended(dash, dash.train(still_loop, 20))
    finally:
        activation.sync_thread()
    [alert] = [a for a in dash.alerts if a["kind"] == "updates_change_nothing"]
    assert alert["message"].startswith("the updates change nothing: mlp[0].weight, "
                                       "mlp[0].bias, mlp[2].weight and mlp[2].bias are the "
                                       "same"), alert["message"]
