"""A real loop that ran one step (its data had one batch, or it was asked for one) is a loop:
the Dashboard's 'returned after 1 step: put the loop inside the function' is only for a
function with no loop around its step. The advice was given from the count of steps alone."""
import dashboard_loops
from dashboard_loops import T, scalar_loop

import tapeviz as tf

dashboards = dashboard_loops.dashboards   # the fixture its tests take

ADVICE = "returned after 1 step: the Dashboard watches a loop"

w = tf.Variable(3.0, name="w")


def step_of(x):
    with tf.GradientTape() as tape:
        loss = (w * x - 1.0) ** 2
    w.assign_sub(0.01 * tape.gradient(loss, w))


def over_batches(dataset):
    for x in dataset:
        step_of(x)


def one_epoch_by_helper(dataset):
    over_batches(dataset)   # the loop is in the helper it calls


def with_while(steps):
    done = 0
    while done < steps:
        step_of(2.0)
        done += 1


def one_step():
    step_of(2.0)


def one_fit():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(tf.ones((4, 2)), tf.zeros((4, 1)), epochs=1, batch_size=4, verbose=0)


def status_after(dash, train_fn, *args):
    runner = dash.train(train_fn, *args)
    assert runner.join(T)
    dash.flush()
    assert dash.state == "finished" and runner.step_count == 1, (dash.state, runner)
    return dash.status


def test_a_loop_over_a_dataset_of_one_batch_is_not_told_to_put_a_loop_inside(dashboards):
    dataset = tf.data.Dataset.from_tensor_slices([2.0]).batch(1)
    for train_fn, args in ((over_batches, (dataset,)), (one_epoch_by_helper, (dataset,)),
                           (scalar_loop, (1,)), (with_while, (1,)), (one_fit, ())):
        status = status_after(dashboards(show_tape=False), train_fn, *args)
        assert ADVICE not in status, (train_fn.__name__, status)
        assert status.startswith("last loss "), (train_fn.__name__, status)


def test_a_function_of_one_step_is_still_told(dashboards):
    status = status_after(dashboards(show_tape=False), one_step)
    assert f"one_step() {ADVICE}; put the loop inside the function" in status, status
