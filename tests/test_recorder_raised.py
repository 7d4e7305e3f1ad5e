"""A training step that raises, caught by the loop (try/except around the step), is a step
of its own in a Recorder, labelled "raised" and holding the error: the next step holds its
own ops alone, and the steps after it are recorded (and followed) as before."""
import contextlib

import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.errors import DTypeError, ShapeError


def _loop(failing: int, where: str, steps: int = 6, kind: str = "sink"):
    """A Recorder over a loop whose step `failing` raises `where`: in the tape block (an
    op), by the user's own raise, or at the gradient call. `kind`: the Recorder fed by the
    thread's sink, one of threads="all", or a second one on the thread (both fed events)."""
    w = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.SGD(0.1)
    caught = []
    rec = Recorder(threads="all") if kind == "all threads" else Recorder()
    with contextlib.ExitStack() as recording:
        if kind == "second":
            recording.enter_context(Recorder())   # (it keeps the thread's sink)
        recording.enter_context(rec)
        for i in range(steps):
            try:
                with tf.GradientTape() as tape:
                    y = w * w
                    if i == failing and where == "op":
                        y = y + tf.ones([3])
                    if i == failing and where == "user":
                        raise ValueError("the batch was empty")
                    loss = tf.reduce_sum(y)
                sources = [w, 3] if i == failing and where == "gradient" else w
                opt.apply_gradients([(tape.gradient(loss, sources), w)])
            except (ValueError, ShapeError, DTypeError) as error:
                caught.append(error)
    return rec, caught


def _forward(step) -> list:
    return [op.op for op in step.ops if op.phase == "forward"]


FULL = ["multiply", "reduce_sum", "multiply", "assign_sub", "assign_add"]


@pytest.mark.parametrize("where, ran", [("op", ["multiply"]), ("user", ["multiply"]),
                                        ("gradient", ["multiply", "reduce_sum"])])
@pytest.mark.parametrize("failing", [0, 1, 4])   # the first, the second, a followed one
@pytest.mark.parametrize("kind", ["sink", "all threads", "second"])   # the last two: events
def test_a_step_that_raised_is_its_own(failing, where, ran, kind):
    """Event-fed Recorders (threads="all", a second Recorder) were told nothing: the failed
    step's ops merged into the next step."""
    rec, caught = _loop(failing, where, kind=kind)
    steps = rec.steps
    assert len(caught) == 1
    assert [step.label for step in steps] == \
        [None] * failing + ["raised"] + [None] * (6 - failing - 1)
    raised = steps[failing]
    assert raised.error is caught[0]
    assert _forward(raised) == ran
    for step in steps[:failing] + steps[failing + 1:]:
        assert _forward(step) == FULL and step.error is None
    losses = [step.loss for step in steps if step.label is None]
    assert losses == sorted(losses, reverse=True) and len(losses) == 5


def test_the_steps_after_a_raised_one_are_whole_and_right():
    """Their values are those of a loop that never raised (the failed step updated nothing)."""
    rec, _ = _loop(2, "op", steps=8)
    clean, _ = _loop(-1, "op", steps=7)
    kept = [step for step in rec.steps if step.label is None]
    assert [step.loss for step in kept] == pytest.approx([step.loss for step in clean.steps])
    assert [len(step.ops) for step in kept] == [len(step.ops) for step in clean.steps]


def test_an_error_caught_inside_a_tape_that_records_on_keeps_the_step():
    """A nested tape's error caught inside the outer tape: the step goes on, one step."""
    w = tf.Variable([1.0, 2.0])
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            y = w * w
            try:
                with tf.GradientTape():
                    y + tf.ones([3])
            except ShapeError:
                pass
            loss = tf.reduce_sum(y)
        tape.gradient(loss, w)
    assert [step.label for step in rec.steps] == [None]


def test_the_widget_titles_a_raised_step_with_its_error():
    pytest.importorskip("anywidget")
    from tapeviz.viz.widget import TapeWidget
    rec, _ = _loop(1, "op", steps=3)
    widget = TapeWidget(rec, check_later=False)
    widget.step_index = 1
    assert widget.title == "step 2 of 3: 1 op, raised ShapeError"
    widget.step_index = 2
    assert widget.title.startswith("step 3 of 3: 10 ops, loss ")
    widget.close()


def _prepared_loop(failing: int, where: str):
    """A loop that prepares its batch outside the tape and whose step `failing` stops there:
    an op's error or the user's raise, caught by the loop, or a `continue`."""
    w = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        for i in range(6):
            try:
                x = tf.constant([1.0, 2.0]) * 2.0
                x = tf.add_n([x, x])
                if i == failing and where == "op":
                    x = x + tf.ones([3])
                if i == failing and where == "user":
                    raise ValueError("a bad batch")
                if i == failing and where == "continue":
                    continue
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(w * x)
                opt.apply_gradients([(tape.gradient(loss, w), w)])
            except (ValueError, ShapeError):
                pass
    return rec


@pytest.mark.parametrize("where", ["op", "user", "continue"])
@pytest.mark.parametrize("failing", [1, 4])   # after the first step, in a followed one
def test_a_step_stopped_before_its_tape_is_its_own(failing, where):
    """Its ops before the tape ran, then an exception outside any tape (or a continue): was
    merged into the next step, which held its preparing ops twice."""
    steps = _prepared_loop(failing, where).steps
    assert [step.label for step in steps] == \
        [None] * failing + ["abandoned"] + [None] * (6 - failing - 1)
    assert _forward(steps[failing]) == ["multiply", "add_n"]
    for step in steps[:failing] + steps[failing + 1:]:
        assert _forward(step) == ["multiply", "add_n", "multiply", "reduce_sum",
                                  "multiply", "assign_sub", "assign_add"]


def test_a_loop_over_examples_before_the_tape_is_not_split():
    """One step prepares twice as many examples as the last (ops at the same line again):
    still one step."""
    w = tf.Variable([1.0, 2.0])
    with Recorder() as rec:
        for count in (2, 2, 4, 2):
            parts = [tf.constant([1.0, 2.0]) * float(k) for k in range(count)]
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * tf.add_n(parts))
            w.assign_sub(0.1 * tape.gradient(loss, w))
    assert [step.label for step in rec.steps] == [None] * 4
    assert [len(_forward(step)) for step in rec.steps] == [7, 7, 9, 7]
