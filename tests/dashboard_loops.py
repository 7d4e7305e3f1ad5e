"""What the Dashboard's tests share: a stand-in for the browser (`Front`), a clock the test
drives (`ManualClock`), small training loops (scalar, held at known steps, the guide's CNN, a
log of zero), the `dashboards` fixture that stops and closes what a test made, and waits with a
timeout."""
import json
import threading
import time

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.viz.dashboard import Dashboard

T = 10.0


_rng = np.random.default_rng(0)


IMAGES = _rng.random((8, 8, 8, 1), dtype=np.float32)


LABELS = _rng.integers(0, 10, 8)


def wait_until(predicate, timeout=T):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


class Front:
    """Stands in for the browser: applies every state update the widget sends, with its
    binary buffers put back where `buffer_paths` says (as ipywidgets' JS does)."""

    def __init__(self, dash):
        self.updates, self.state = 0, {}
        dash._send = self.receive

    def receive(self, msg, buffers=None):
        if msg.get("method") == "update":
            json.dumps(msg, allow_nan=False)  # what the kernel's session does; no NaN allowed
            state = msg["state"]
            for path, buffer in zip(msg["buffer_paths"], buffers or []):
                obj = state
                for key in path[:-1]:
                    obj = obj[key]
                obj[path[-1]] = bytes(buffer)
            self.updates += 1
            self.state.update(state)


class ManualClock:
    """A dashboard clock the test drives: the push timer waits until `tick()` grants it a
    turn, and time moves on by exactly the interval the timer asked to wait."""

    def __init__(self, start=1000.0):
        self.time = start
        self.waits = []            # the seconds the timer asked to wait, one per turn
        self._granted = 0          # turns `tick()` has granted
        self._cond = threading.Condition()
        self._timer = None

    def now(self):
        return self.time

    def wait(self, closed, seconds):
        with self._cond:
            self._timer = threading.current_thread()
            self.waits.append(seconds)
            turn = len(self.waits)
            self._cond.notify_all()
            deadline = time.monotonic() + T
            while self._granted < turn and not closed.is_set():   # close() ends it too
                assert time.monotonic() < deadline, "the test never ticked"
                self._cond.wait(0.01)
            self.time += seconds
            return closed.is_set()

    def tick(self):
        """Give the waiting timer one turn; return once it waits again or has ended."""
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.waits) > self._granted, T), \
                "the timer is not waiting"
            self._granted += 1
            turn, timer = self._granted, self._timer
            self._cond.notify_all()
            deadline = time.monotonic() + T
            while len(self.waits) == turn and timer.is_alive():
                assert time.monotonic() < deadline, "the timer's turn never ended"
                self._cond.wait(0.01)


def held_loop(holds, steps, depth=lambda step: 1):
    """A scalar training loop of `steps` steps that, after each step number in `holds`,
    sets `holds[n][0]` and waits for `holds[n][1]`; step k multiplies `depth(k)` times."""
    w = tf.Variable(3.0, name="w")
    for step in range(1, steps + 1):
        with tf.GradientTape() as tape:
            loss = w
            for _ in range(depth(step)):
                loss = loss * w
        w.assign_sub(0.001 * tape.gradient(loss, w))
        if step in holds:
            reached, go = holds[step]
            reached.set()
            assert go.wait(T)


def hold_at(*steps):
    return {step: (threading.Event(), threading.Event()) for step in steps}


def decode(series):
    """(steps, values) lists of a series as the browser receives it."""
    return (np.frombuffer(series["steps"], "<i4").tolist(),
            np.frombuffer(series["values"], "<f4").tolist())


def scalar_loop(steps):
    w = tf.Variable(3.0, name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        w.assign_sub(0.01 * tape.gradient(loss, w))


def small_cnn():
    tf.random.set_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(4, [3, 3], activation="relu", input_shape=(None, None, 1)),
        tf.keras.layers.Conv2D(4, [3, 3], activation="relu"),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10)])
    model(IMAGES[:1])
    return model


def cnn_loop(model, steps, norms=None):
    """The TF2 guide's train step on random 8x8 images; `norms` collects numpy grad norms."""
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_object(LABELS, model(IMAGES, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        if norms is not None:
            norms.append({v.name: np.linalg.norm(g.numpy()) for v, g in
                          zip(model.trainable_variables, grads)})
        optimizer.apply_gradients(zip(grads, model.trainable_variables))


@pytest.fixture
def dashboards():
    """Make dashboards whose runners are always stopped and which are always closed."""
    made = []

    def make(*args, **kwargs):
        dash = Dashboard(*args, **kwargs)
        made.append(dash)
        return dash

    yield make
    for dash in made:
        if dash.runner is not None:
            dash.runner.stop()
            dash.runner._thread is not None and dash.runner._thread.join(T)
        dash.close()


def marked_line(tag, path=__file__):
    """`Cell In[n], line m` / `tests/<file>.py:m` of the line of `path` (a test module's
    `__file__`; by default this one's) marked `tag`."""
    import pathlib

    from tapeviz.sourceinfo import SourceInfo
    lines = pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    (lineno,) = [i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(f"# {tag}")]
    return SourceInfo(path, lineno, "").location


def log_of_zero_loop(steps):
    """A hand-written cross-entropy whose probabilities hold a 0: log(0) = -inf at step 1."""
    w = tf.Variable([0.5, 1.0, 2.0], name="w")
    x = tf.constant([1.0, 0.0, 1.0])
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_sum(tf.math.log(x * w))   # ALERT: log
        w.assign_sub(0.01 * tape.gradient(loss, w))


def ended(dash, runner):
    assert runner.join(T)
    dash._timer.join(T)   # the timer's last turn pushed the end (and the alerts)
    assert not dash._timer.is_alive() and dash.error == "", dash.error
