"""A KeyboardInterrupt (Ctrl-C, a kernel interrupt) that lands while an unheard Adam apply
sets its new values leaves the step whole: every weight, m and v took it and iterations
counted it, bit for bit as an uninterrupted twin, and the interrupt is still raised. Before,
it left the first values set, the rest not, and iterations not counted."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.keras.optimizers.adam import Adam


class _InterruptedOnce(list):
    """The apply's new values: its first reading stops with a KeyboardInterrupt after
    `after` of them, as a Ctrl-C arriving between two sets would."""

    def __init__(self, pairs, after):
        super().__init__(pairs)
        self.after, self.read = after, False

    def __iter__(self):
        if self.read:
            return super().__iter__()
        self.read = True
        return self._interrupted()

    def _interrupted(self):
        for i, pair in enumerate(super().__iter__()):
            if i == self.after:
                raise KeyboardInterrupt
            yield pair


def _model_and_optimizer():
    rng = np.random.default_rng(0)
    variables = [tf.Variable(rng.standard_normal(shape).astype(np.float32))
                 for shape in ((3, 4), (4,), (4, 2))]
    return variables, Adam(0.01)


def _step(variables, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(variables[2] * 1.0)) + tf.reduce_sum(
            tf.exp(variables[0] * 0.1)) + tf.reduce_sum(variables[1] ** 2)
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))


def _state(variables, optimizer):
    return [v.numpy().tobytes() for v in variables] + \
        [optimizer.get_slot(v, name).numpy().tobytes() for v in variables for name in "mv"] + \
        [int(optimizer.iterations)]


@pytest.mark.parametrize("after", [1, 4, 8])   # among the m's, the v's, the weights
def test_an_interrupt_while_an_unheard_apply_sets_its_values_leaves_the_step_whole(
        monkeypatch, after):
    twin_variables, twin = _model_and_optimizer()
    variables, optimizer = _model_and_optimizer()
    for _ in range(2):
        _step(twin_variables, twin)
    _step(variables, optimizer)
    unheard = Adam._unheard_update
    monkeypatch.setattr(Adam, "_unheard_update", lambda self, *args: _InterruptedOnce(
        unheard(self, *args), after))
    with pytest.raises(KeyboardInterrupt):
        _step(variables, optimizer)
    assert _state(variables, optimizer) == _state(twin_variables, twin)
    assert int(optimizer.iterations) == 2
    monkeypatch.undo()
    _step(variables, optimizer)   # running the cell again trains on from the whole step
    _step(twin_variables, twin)
    assert _state(variables, optimizer) == _state(twin_variables, twin)
