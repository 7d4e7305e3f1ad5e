"""One training step of a small torch model, recorded: what the torch Recorder's tests compare
alone and with another listener."""
import torch
import torch.nn.functional as F

from tapeviz import events
from tapeviz.debugger import Recorder


def recorded_small_step(listener=None, kinds=()) -> Recorder:
    """A Recorder over one SGD step of a 3-4-1 MLP on 8 random examples (seed 0), with
    `listener` (if any) subscribed to the event `kinds` while it runs."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    if listener is not None:
        events.subscribe(listener, kinds=kinds)
    try:
        with Recorder() as rec:
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
    finally:
        if listener is not None:
            events.unsubscribe(listener)
    return rec
