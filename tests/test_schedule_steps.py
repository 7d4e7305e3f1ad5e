"""Learning-rate schedules on arrays of steps, as overfit_and_underfit plots one: values,
dtype and shape (TF's own values are in tests/tf_fidelity/cases_schedule_arrays.py), and
the steps a schedule refuses, each refusal naming the schedule, what came and the line."""
import numpy as np
import pytest

import tapeviz as tf
from programs import line_of
from raising import shown_path

schedules = tf.keras.optimizers.schedules


def at(marker: str) -> str:
    return f"{shown_path(__file__)}:{line_of(__file__, marker)}"


def test_the_tutorials_plot_gets_one_rate_per_step():
    lr_schedule = schedules.InverseTimeDecay(0.001, decay_steps=20000, decay_rate=1)
    rates = lr_schedule(np.linspace(0, 100000, 5))
    assert rates.dtype == tf.float32 and rates.shape == (5,)
    np.testing.assert_allclose(rates.numpy(), 0.001 / (1 + np.arange(5) * 25000 / 20000),
                               rtol=1e-6)


def test_each_step_of_an_array_gets_the_rate_of_that_step_alone():
    steps = np.array([[0, 3, 9], [10, 17, 40]])
    for schedule in (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
                     schedules.PiecewiseConstantDecay([5, 15], [0.1, 0.01, 0.001]),
                     schedules.PolynomialDecay(0.1, 8, 0.0, power=2.0, cycle=True),
                     schedules.CosineDecay(0.1, 20, alpha=0.1),
                     schedules.CosineDecayRestarts(0.1, 10)):
        rates = schedule(tf.constant(steps))
        assert rates.dtype == tf.float32 and rates.shape == (2, 3)
        np.testing.assert_array_equal(
            rates.numpy(), [[float(schedule(int(s))) for s in row] for row in steps])


def test_warmup_on_many_steps_is_refused_at_the_users_line_and_the_schedule_still_works():
    schedule = schedules.CosineDecay(0.0, 15, warmup_target=0.1, warmup_steps=10)
    with pytest.raises(ValueError) as refused:
        schedule(np.linspace(0, 30, 4))   # many warmup steps
    message = str(refused.value)
    assert message.startswith("CosineDecay: ") and "shape (4,)" in message
    assert at("# many warmup steps") in message and "float(schedule(s))" in message
    assert float(schedule(5)) == pytest.approx(0.05)
    assert schedule(np.array([12.5])).shape == (1,)


def test_a_step_that_is_no_number_is_refused_by_name():
    with pytest.raises(TypeError) as refused:
        schedules.ExponentialDecay(0.1, 10, 0.5)("ten")   # a word for a step
    message = str(refused.value)
    assert message.startswith("ExponentialDecay: step must be a number") and "'ten'" in message
    assert at("# a word for a step") in message
