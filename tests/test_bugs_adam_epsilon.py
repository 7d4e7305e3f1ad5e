"""Adam's epsilon given far larger than the gradients (1, or a learning rate passed in its
place): `diagnose` names the update, the line that made the optimizer (marked here, looked
up) and how much slower the weights move; Adam at its default epsilon is no finding."""
import pytest

import programs
import tapeviz as tf
from tapeviz.debugger import diagnose

from programs import guide_cnn_recorded as cnn, line_of, marked_line

UPDATE = "# CNN'S UPDATE"   # the guide's update line, in programs.py


def test_adams_epsilon_of_one_on_the_guides_cnn_is_named_at_the_optimizers_line():
    """was: no finding (the loss falls, slowly: Adam at lr 1e-3 works as SGD at 1e-3)."""
    rec = cnn(tf.keras.optimizers.Adam(1e-3, epsilon=1.0))  # BUG: epsilon 1
    [finding] = diagnose(rec)
    assert finding.kind == "adam_epsilon_large"
    assert finding.message.startswith(
        f"Adam's epsilon is 1 (adam_step at tests/{marked_line(programs.__file__, UPDATE)}: "
        f"optimizer.apply_gradients(zip(grads, model.trainable_variables))  {UPDATE}, the "
        f"optimizer made at tests/{marked_line(__file__, '# BUG: epsilon 1')}: rec = cnn("
        f"tf.keras.optimizers.Adam(1e-3, epsilon=1.0))  # BUG: epsilon 1), far larger than "
        f"the gradients: their root mean square is at most ")
    assert ", steps 4-6), so Adam's update lr * m / (sqrt(v) + epsilon) is about lr * g / " \
        "epsilon, plain SGD at the learning rate divided by epsilon: the weights move at " \
        "least " in finding.message
    assert finding.message.endswith(
        "times slower than Adam's step of about lr; fix: leave epsilon at its default (1e-07 "
        "for tf.keras.optimizers.Adam), or give the learning rate and epsilon by name, if one "
        "was passed in the other's place")
    assert finding.source.lineno == line_of(programs.__file__, UPDATE)
    assert finding.related.lineno == line_of(__file__, "# BUG: epsilon 1")


@pytest.mark.parametrize("epsilon", [1e-7, 1e-4])
def test_adam_at_a_small_epsilon_is_no_finding(epsilon):
    assert diagnose(cnn(tf.keras.optimizers.Adam(1e-3, epsilon=epsilon))) == []
