"""The model's last calls are read while a training loop's thread may call it again: a
Dashboard's layout judged an evaluation (`called_at`) as the loop's thread noted a call,
and failed with 'deque mutated during iteration'."""
import numpy as np

from tapeviz import model_calls
from tapeviz.sourceinfo import SourceInfo


class CalledAgainWhileRead:
    """Data whose reading notes another call of the model, as the loop's thread would."""

    def __init__(self, root):
        self.root = root

    @property
    def _value(self):
        model_calls.note(self.root, SourceInfo("loop.py", 9, "model(x)"), None)
        return np.zeros((2, 3))


def test_a_call_noted_while_the_calls_are_read_leaves_the_reading_whole():
    root = "ModelCalledAgain"
    x_train, x_test = CalledAgainWhileRead(root), CalledAgainWhileRead(root)
    model_calls.note(root, SourceInfo("loop.py", 3, "model(x_train)"), x_train)
    model_calls.note(root, SourceInfo("loop.py", 5, "model(x_test)"), x_test)
    try:
        found = model_calls.called_at(f"{root}/dense", np.ones((2, 3)))
        assert found.lineno == 5   # no call gave these rows: the last call, as it was read
    finally:
        model_calls._calls.pop(root, None)
