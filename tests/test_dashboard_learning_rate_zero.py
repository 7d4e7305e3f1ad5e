"""A learning rate of 0 on the Dashboard: its opening Recorder holds three whole steps, and the
weights holding exactly still over them is said there (updates_change_nothing judged over 3
trained steps, was 5: the Dashboard said nothing while diagnose on a longer Recorder did)."""
import numpy as np

import tapeviz as tf
from dashboard_loops import dashboards, ended  # noqa: F401  (dashboards: a fixture)
from programs import line_of


def still_loop(steps):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(2)])
    optimizer = tf.keras.optimizers.SGD(0.0)   # THE RATE
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))


def test_a_learning_rate_of_zero_is_said_on_the_dashboard(dashboards):  # noqa: F811
    dash = dashboards(show_tape=False)
    ended(dash, dash.train(still_loop, 20))
    [alert] = [a for a in dash.alerts if a["kind"] == "updates_change_nothing"]
    assert alert["message"].startswith("the updates change nothing: the kernel and bias of "
                                       "layer dense"), alert["message"]
    assert f"test_dashboard_learning_rate_zero.py:{line_of(__file__, '# THE RATE')}" in \
        alert["message"]
