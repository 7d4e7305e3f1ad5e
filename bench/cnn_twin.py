"""The guide's CNN training step twice, as bench_cnn.py times it: in tapeviz (the guide's own
code) and in PyTorch (the same network, NCHW, holding a copy of the same weights), with the
check that one step of each gives the same loss and gradients before anything is timed.
"""
from __future__ import annotations

import numpy as np

import tapeviz as tf
from bench_debugger import guide_cnn  # this folder: one definition of the guide's model

BATCH, SIZE, CLASSES = 32, 28, 10


def batches(count: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [(rng.random((BATCH, SIZE, SIZE, 1), dtype=np.float32),
             rng.integers(0, CLASSES, BATCH)) for _ in range(count)]


# ---- tapeviz: the guide's code ---------------------------------------------------------------
def tapeviz_model():
    model = guide_cnn()
    model(tf.zeros([1, SIZE, SIZE, 1]))
    return model


def tapeviz_step(model, optimizer, loss_object):
    def step(images, labels):
        with tf.GradientTape() as tape:
            loss = loss_object(labels, model(images, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss, grads
    return step


# ---- PyTorch: the same network, NCHW -------------------------------------------------------
def torch_model(torch, keras_model):
    """The PyTorch twin of `keras_model`, holding a copy of its weights (HWIO -> OIHW)."""
    nn = torch.nn
    conv1, conv2, dense = nn.Conv2d(1, 16, 3), nn.Conv2d(16, 16, 3), nn.Linear(16, CLASSES)
    k1, b1, k2, b2, w, b = (v.numpy() for v in keras_model.trainable_variables)
    with torch.no_grad():
        conv1.weight.copy_(torch.from_numpy(k1.transpose(3, 2, 0, 1).copy()))
        conv1.bias.copy_(torch.from_numpy(b1))
        conv2.weight.copy_(torch.from_numpy(k2.transpose(3, 2, 0, 1).copy()))
        conv2.bias.copy_(torch.from_numpy(b2))
        dense.weight.copy_(torch.from_numpy(w.T.copy()))
        dense.bias.copy_(torch.from_numpy(b))

    class GuideCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2, self.dense = conv1, conv2, dense

        def forward(self, x):
            x = torch.relu(self.conv1(x))
            x = torch.relu(self.conv2(x))
            return self.dense(x.mean(dim=(2, 3)))

    return GuideCNN()


def torch_step(torch, model):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)  # Keras's epsilon

    def step(images, labels):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss
    return step


def torch_grads_as_keras(model) -> list:
    """The twin's gradients in the Keras variables' order and layouts."""
    m = model
    return [m.conv1.weight.grad.numpy().transpose(2, 3, 1, 0), m.conv1.bias.grad.numpy(),
            m.conv2.weight.grad.numpy().transpose(2, 3, 1, 0), m.conv2.bias.grad.numpy(),
            m.dense.weight.grad.numpy().T, m.dense.bias.grad.numpy()]


def check_same(tv_step, th_step, th_model, tv_batch, th_batch, tolerance=1e-4) -> float:
    """One step of each from the same weights: the losses and gradients must agree."""
    loss, grads = tv_step(*tv_batch)
    th_loss = th_step(*th_batch)
    worst = abs(float(loss) - th_loss.item()) / max(abs(th_loss.item()), 1.0)
    for name, ours, theirs in zip(("kernel 1", "bias 1", "kernel 2", "bias 2", "dense kernel",
                                   "dense bias"), grads, torch_grads_as_keras(th_model)):
        scale = max(float(np.max(np.abs(theirs))), 1e-12)
        worst = max(worst, float(np.max(np.abs(ours.numpy() - theirs))) / scale)
        if worst > tolerance:
            raise AssertionError(f"tapeviz and PyTorch disagree on the gradient of {name}: "
                                 f"largest difference {worst:.2e} of its largest value")
    return worst
