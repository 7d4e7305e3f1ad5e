"""Jupyter's "interrupt kernel" pressed while a cell trains under a Recorder, then the cell
run again: in a real kernel, the training goes on from a consistent state (the variables
are those of the steps `iterations` counts: an interrupt inside an update lands after it)
and the run again's Recorder is the only one recording."""
import sys
import time
from pathlib import Path

import pytest

jupyter_client = pytest.importorskip("jupyter_client")

SETUP = """
import numpy as np, tapeviz as tf
from tapeviz import keras, events
from tapeviz.debugger import Recorder
from tapeviz.threadstate import thread_state

def made():
    tf.random.set_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
    return model, keras.optimizers.Adam(0.01)

x = tf.constant(np.random.RandomState(0).randn(32, 3).astype("float32"))
y = tf.reduce_sum(x, axis=1, keepdims=True)

def step(model, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))

model, optimizer = made()
steps = 10**6
"""

TRAIN = """
rec = Recorder().start()
for i in range(steps):
    step(model, optimizer)
    if i == 20:
        print("training", flush=True)
"""

CHECK = """
state = thread_state()
assert list(state.tapes) == [] and state.phase == "forward" and state.backward is None
assert len(events.subscribers()) == 1 and rec.recording, events.subscribers()
twin, twin_optimizer = made()
for _ in range(int(optimizer.iterations)):
    step(twin, twin_optimizer)
for mine, theirs in zip(model.variables + optimizer.variables,
                        twin.variables + twin_optimizer.variables, strict=True):
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
print("consistent after", int(optimizer.iterations), "steps")
"""


@pytest.fixture
def kernel():
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    manager.start_kernel(cwd=str(Path(__file__).resolve().parents[1]))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(60)
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def run(client, code, on_output=None, timeout=120.0):
    """Run `code` in the kernel: its printed text and error names, once it is idle again."""
    msg_id = client.execute(code)
    said, deadline = [], time.monotonic() + timeout
    while True:
        msg = client.get_iopub_msg(timeout=max(1.0, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            said.append(content["text"])
            if on_output is not None:
                on_output(content["text"])
        elif kind == "error":
            said.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(said)


def test_an_interrupted_training_cell_run_again_trains_on_consistently(kernel):
    manager, client = kernel
    assert "Error" not in run(client, SETUP)
    for delay in (0.0, 0.3, 0.7):   # after 21 steps, and into later ones
        said = run(client, TRAIN, on_output=lambda text, delay=delay:
                   (time.sleep(delay), manager.interrupt_kernel()))
        assert "KeyboardInterrupt" in said, said
        assert "consistent after" in run(client, CHECK), run(client, CHECK)
    run(client, "steps = 3")
    assert "Error" not in run(client, TRAIN)   # the same cell, to its end this time
    assert "consistent after" in run(client, CHECK)
