"""A step whose segment followed a learned program is kept as its inputs from outside and run
again when someone looks (debugger/program.py): what anyone reads from it must be what the
same program, recorded fully, reads (the reference: the Recorder with no program followed)."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.debugger.noted import INDEX, NotedStep, kept_bytes
from tapeviz.debugger.recorder import Sink, StepsDroppedWarning
from tapeviz.variable import read_variable

NOTED = (NotedStep, list)   # a noted step, or its record (noted.py)

RUNNING: list = []   # the Recorder of the loop that runs (a loop may look at it)


@pytest.fixture
def fully():
    """Record with every segment recorded fully: the reference a replay must equal."""
    def record(loop, **options):
        original = Sink.begin
        Sink.begin = lambda self: None
        try:
            return run(loop, **options)
        finally:
            Sink.begin = original
    return record


def run(loop, **options):
    """(the Recorder of `loop()` run under it, what the loop returned, how many steps were
    kept as segments run again (only noted, or made of them by then), counted before anyone
    looked)."""
    tf.random.set_seed(0)
    with Recorder(**options) as rec:
        RUNNING.append(rec)
        result = loop()
    replayed = sum(type(step) in NOTED or step._parts is not None or step._ran_again
                   for step in rec._steps)
    return rec, result, replayed


def outline(step) -> list:
    """Each op as a reader sees it: name, phase, scope, file and line, params, taped flag,
    the output's dtype, shape and bytes, its gradient's, and where each input came from (an
    earlier op of the step by index, else a variable by name, else its value's bytes)."""
    made = {}
    rows = []
    for rop in step.ops:
        node = rop.node
        inputs = []
        for tensor, key in zip(node.inputs, node.input_ids):
            if key in made:
                inputs.append(("op", made[key]))
            elif getattr(tensor, "variable", None) is not None:
                inputs.append(("variable", base_name(tensor.variable.name),
                               bitwise(tensor._value)))
            else:
                inputs.append(("outside", bitwise(tensor._value)))
        made[node.output_id] = rop.index
        rows.append((node.op.name, node.phase, base_name(node.scope), node.source.filename,
                     node.source.lineno, node.params, rop.taped, bitwise(rop.output),
                     bitwise(rop.grad), tuple(inputs)))
    return rows


def base_name(name: str) -> str:
    """'dense/w' of 'dense/w:0' or 'dense_1/w_1:0' (each run makes its layers and variables:
    their names are made unique)."""
    return re.sub(r"_\d+(?=/|$)", "", re.sub(r":\d+$", "", name))


def bitwise(value):
    if value is None:
        return None
    value = np.asarray(value)
    return value.dtype.str, value.shape, value.tobytes()


def summary(step) -> tuple:
    return (step.index, step.label, step.loss, len(step),
            sorted((base_name(name), bitwise(value)) for name, value in step.variables.items()),
            sorted((base_name(name), bitwise(value))
                   for name, value in step.variables_after.items()),
            sorted((base_name(name), bitwise(grad._value))
                   for name, grad in step.variable_gradients.items()))


def assert_same_recording(replaying, reference) -> None:
    assert len(replaying.steps) == len(reference.steps)
    for got, expected in zip(replaying.steps, reference.steps):
        assert summary(got) == summary(expected)
        assert outline(got) == outline(expected)


def huber_loop(xs, ys, after_step=lambda: None):
    """The lecture's loop: a GradientTape a step, the Huber `if`, two assign_sub; then
    `after_step()` each step."""
    def loop():
        w, b = tf.Variable(0.5, name="w"), tf.Variable(0.0, name="b")
        for x, y in zip(xs, ys):
            with tf.GradientTape() as tape:
                t = tf.constant(y) - (tf.constant(x) * w + b)
                loss = t ** 2 if tf.abs(t) <= 1.0 else 2.0 * tf.abs(t) - 1.0
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.01 * dw)
            b.assign_sub(0.01 * db)
            after_step()
    return loop


def test_a_replayed_step_equals_the_fully_recorded_one_op_by_op(fully):
    loop = huber_loop([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
    replaying, _, replayed = run(loop)
    reference, _, none = fully(loop)
    assert replayed >= 3 and none == 0
    assert_same_recording(replaying, reference)
    step = replaying.steps[-2]
    assert [rop.op for rop in step.ops if rop.phase == "forward"][-2:] == \
        ["multiply", "assign_sub"]
    assert step.gradients and all(rop.duration >= 0 for rop in step.ops)


def test_the_huber_branch_switch_is_recorded_fully_then_replayed_both_ways(fully):
    # |t| <= 1 on even steps, > 1 on odd ones: each variant's first segment is recorded fully
    xs = [1.0] * 10
    ys = [1.2, 5.0] * 5
    loop = huber_loop(xs, ys)
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 3
    assert_same_recording(replaying, reference)
    squared = [step for step in replaying.steps if step.find(op="pow")]
    linear = [step for step in replaying.steps if not step.find(op="pow")]
    assert len(squared) == 5 and len(linear) == 5


def test_random_ops_outputs_are_kept_as_they_ran(fully):
    seen = []

    def loop():
        w = tf.Variable(np.ones((3, 2), np.float32), name="w")
        x = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3))
        for _ in range(5):
            with tf.GradientTape() as tape:
                noise = tf.random.uniform((4, 2))
                loss = tf.reduce_sum(tf.matmul(x, w) * noise)
            seen.append(noise.numpy())
            w.assign_sub(0.01 * tape.gradient(loss, w))
    replaying, _, replayed = run(loop)
    assert replayed >= 2
    for step, drawn in zip(replaying.steps, seen):
        np.testing.assert_array_equal(step.find(op="random_uniform")[0].output, drawn)
    seen.clear()
    reference, _, _ = fully(loop)
    assert_same_recording(replaying, reference)


def test_a_second_run_with_new_variables_follows_its_program_again(fully):
    # a notebook's training cell run again under one Recorder: new w and b, the same lines
    once = huber_loop([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.5, 2.5, 3.5, 4.5, 5.5, 6.5])

    def loop():
        once()
        once()
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert len(replaying.steps) == 12
    assert replayed >= 8   # (the second run's steps too, from its third on)
    assert_same_recording(replaying, reference)


def test_a_step_whose_params_change_is_recorded_fully(fully):
    def loop():
        w = tf.Variable(np.ones((2, 3), np.float32), name="w")
        for step in range(6):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.reduce_sum(w * w, axis=1 if step == 3 else 0))
            w.assign_sub(0.1 * tape.gradient(loss, w))
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 1
    assert_same_recording(replaying, reference)
    axes = [step.find(op="reduce_sum")[0].node.params for step in replaying.steps]
    assert [params.get("axis") for params in axes] == [(0,), (0,), (0,), (1,), (0,), (0,)]


def test_an_input_wired_otherwise_is_recorded_fully(fully):
    def loop():
        w = tf.Variable(2.0, name="w")
        c = tf.constant(3.0)
        for step in range(6):
            with tf.GradientTape() as tape:
                h = w * w
                other = h + 1.0
                loss = h * (other if step % 3 == 2 else c)   # one line, two wirings
            w.assign_sub(0.01 * tape.gradient(loss, w))
    replaying, _, _ = run(loop)
    reference, _, _ = fully(loop)
    assert_same_recording(replaying, reference)


def test_a_user_tensor_finds_its_op_in_a_replayed_step():
    kept = []

    def loop():
        w = tf.Variable([1.0, 2.0], name="w")
        for _ in range(4):
            with tf.GradientTape() as tape:
                h = w * 3.0
                loss = tf.reduce_sum(h * h)
            kept.append(h)
            w.assign_sub(0.01 * tape.gradient(loss, w))
    rec, _, replayed = run(loop)
    assert replayed >= 1
    step = rec.steps[-1]
    assert step.op_of(kept[-1]).op == "multiply"
    np.testing.assert_array_equal(step.value_of(kept[-1]), kept[-1].numpy())
    np.testing.assert_array_equal(step.gradient_of(kept[-1]), 2 * kept[-1].numpy())


def test_a_look_while_a_step_runs_sees_its_ops_so_far(fully):
    looks = []

    def loop():
        rec = RUNNING[-1]
        w = tf.Variable(1.0, name="w")
        for _ in range(5):
            with tf.GradientTape() as tape:
                h = w * 2.0
                looks.append([rop.op for rop in rec.current_step.ops])
                loss = h * h
            w.assign_sub(0.01 * tape.gradient(loss, w))
    replaying, _, _ = run(loop)
    assert looks == [["multiply"]] * 5
    looks.clear()
    reference, _, _ = fully(loop)
    assert looks == [["multiply"]] * 5
    assert_same_recording(replaying, reference)


def test_replayed_steps_count_what_they_keep_and_keep_the_budget():
    rng = np.random.default_rng(0)
    batches = [rng.random((64, 256)).astype(np.float32) for _ in range(12)]

    def loop():
        w = tf.Variable(np.ones((256, 1), np.float32) / 256, name="w")
        for batch in batches:
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.matmul(tf.constant(batch), w))
            w.assign_sub(0.01 * tape.gradient(loss, w))
    with pytest.warns(StepsDroppedWarning):
        rec, _, replayed = run(loop, max_bytes=6 * batches[0].nbytes)
    assert replayed >= 1 and rec.dropped.steps >= 1
    assert rec.nbytes <= rec.max_bytes
    # each kept step holds its batch: counted
    assert all(step.nbytes >= batches[0].nbytes for step in rec.steps)


def test_the_tfe_regression_with_an_optimizer_replays_as_it_ran(fully):
    import tapeviz.contrib.eager as tfe

    def loop():
        w, b = tfe.Variable(0.0), tfe.Variable(0.0)

        def huber_loss(y, y_predicted, m=1.0):
            t = y - y_predicted
            return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)

        grad_fn = tfe.implicit_value_and_gradients(lambda x, y: huber_loss(y, x * w + b))
        optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01)
        for x, y in [(1.0, 1.5), (2.0, 9.0), (3.0, 3.2), (4.0, 4.1), (5.0, 1.0), (6.0, 6.3)]:
            _, gradients = grad_fn(tf.constant(x), tf.constant(y))
            optimizer.apply_gradients(gradients)
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 3
    assert_same_recording(replaying, reference)
    assert {rop.scope for rop in replaying.steps[-2].ops} >= {"", "GradientDescent"}


def test_an_evaluation_after_the_updates_is_its_own_step_when_replayed(fully):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = rng.normal(size=(8, 1)).astype(np.float32)

    def loop():
        tf.random.set_seed(1)
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.build((None, 3))
        optimizer = tf.keras.optimizers.SGD(0.1)
        for _ in range(5):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            model(x[:2])   # an evaluation: the model run after the updates, no tape
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 3
    assert_same_recording(replaying, reference)
    labels = [step.label for step in replaying.steps]
    assert labels.count("evaluation") == 5


def test_params_that_become_an_array_leave_the_program_without_an_error(fully):
    from tapeviz.ops.shape import _transpose   # (the public function makes perm a tuple)

    def loop():
        w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
        for step in range(5):
            perm = np.array([1, 0]) if step == 3 else (1, 0)
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(_transpose(w * w, perm=perm) * 2.0)
            w.assign_sub(0.01 * tape.gradient(loss, w))
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 1
    assert len(replaying.steps) == len(reference.steps) == 5
    perms = [step.find(op="transpose")[0].node.params["perm"] for step in replaying.steps]
    assert isinstance(perms[3], np.ndarray) and perms[4] == (1, 0)
    for got, expected in zip(replaying.steps, reference.steps):
        assert [bitwise(rop.output) for rop in got.ops] == \
            [bitwise(rop.output) for rop in expected.ops]


def test_programs_are_learned_up_to_a_cap_then_steps_are_recorded_fully(monkeypatch, fully):
    from tapeviz.debugger import recorder

    loop = huber_loop([1.0] * 6, [1.5] * 6)
    monkeypatch.setattr(recorder, "MAX_LEARNED_OPS", 5)   # less than any segment
    capped, _, replayed = run(loop)
    assert replayed == 0 and capped._records.learned == 0
    monkeypatch.undo()
    reference, _, _ = fully(loop)
    assert_same_recording(capped, reference)


def test_a_step_that_followed_its_program_is_noted_and_made_on_a_look(fully):
    xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    loop = huber_loop(xs, [0.5 * x + 0.2 for x in xs])   # |t| <= 1: one variant
    replaying, _, _ = run(loop)
    noted = [step for step in replaying._steps if type(step) in NOTED]
    # (the first two segments learn their programs, as the Recorder starts and after a step;
    # the last step is made at the stop, to take its end)
    assert len(noted) == 4 and len(replaying) == 7   # counted without making them
    counted = [kept_bytes(step) for step in replaying._steps]
    # the budget counted a noted step as the step made of it counts (before its ops are read)
    assert [step.nbytes for step in replaying.steps] == counted
    assert not any(type(step) in NOTED for step in replaying._steps)
    assert replaying.nbytes == sum(counted)
    reference, _, _ = fully(loop)
    assert_same_recording(replaying, reference)


def test_a_look_during_the_loop_makes_the_last_step_and_the_rest_stay_noted():
    looks = []

    def loop():
        w = tf.Variable(2.0, name="w")
        for i in range(8):
            with tf.GradientTape() as tape:
                loss = w * w
            w.assign_sub(0.1 * tape.gradient(loss, w))
            if i == 5:
                recorder = RUNNING[-1]
                last = recorder.mark_step("looked")
                noted = [step[INDEX] if type(step) is list else step.index
                         for step in recorder._steps if type(step) in NOTED]
                looks.append((last.index, last.label, last.loss, type(last), noted))
    rec, _, _ = run(loop)
    # (steps 0 and 1 learn the programs; 2 to 4 stay noted; the one looked at is made)
    assert looks == [(5, "looked", pytest.approx(2.0 * 0.8 ** 5 * 2.0 * 0.8 ** 5),
                      type(rec.steps[0]), [2, 3, 4])]
    labels = [(step.index, step.label) for step in rec.steps]
    assert labels == [(i, "looked" if i == 5 else None) for i in range(8)]
    assert [round(step.loss, 6) for step in rec.steps] == \
        [round(4.0 * 0.64 ** i, 6) for i in range(8)]


def test_noted_steps_over_budget_are_dropped_unmade(monkeypatch):
    made = []
    original = NotedStep.made

    def counted_made(self):
        made.append(self.index)
        return original(self)
    monkeypatch.setattr(NotedStep, "made", counted_made)
    loop = huber_loop([1.0, 2.0, 3.0] * 40, [1.5, 2.5, 3.5] * 40)
    with pytest.warns(StepsDroppedWarning):
        rec, _, replayed = run(loop, max_bytes=40_000)
    dropped = rec.dropped.steps
    assert replayed >= 10 and dropped >= 60 and len(rec) + dropped == 120
    # (made: a step that took ops as its program changed, and the last, at the stop)
    assert len(made) <= 5
    kept = rec.steps
    assert len(made) >= len(kept) - 5 and [step.index for step in kept] == list(range(dropped, 120))
    assert rec.nbytes <= rec.max_bytes


def test_a_step_that_leaves_its_program_after_noted_steps_is_counted_as_it_grows():
    # noted steps plan no count (the sink stays empty while they follow): the first record
    # after one leaves plans it, so a long step is counted, and old steps dropped, as it runs
    noted, dropped_before_its_end = [], []

    def loop():
        w = tf.Variable(2.0, name="w")
        for i in range(30):
            with tf.GradientTape() as tape:
                loss = w * w
                if i == 29:   # leaves the program, then grows long
                    recorder = RUNNING[-1]
                    noted.append(sum(type(step) in NOTED for step in recorder._steps))
                    dropped = recorder.dropped.steps
                    for _ in range(600):
                        loss = loss + 1.0
                    dropped_before_its_end.append(recorder.dropped.steps - dropped)
            w.assign_sub(0.01 * tape.gradient(loss, w))
    with pytest.warns(StepsDroppedWarning):
        rec, _, _ = run(loop, max_bytes=60_000)
    assert noted[0] >= 20
    assert dropped_before_its_end[0] > 0
    assert rec.nbytes <= rec.max_bytes or len(rec) == 1


def test_a_step_that_leaves_after_its_tape_keeps_its_pass_as_a_full_recording(fully):
    # an op no tape takes, here one reading the loss after the tape's block, is wired to the
    # op that made it; a step wired otherwise leaves the program there, and its taped ops
    # keep their nodes, so its backward pass is still kept as one (a full recording's)
    def loop():
        w = tf.Variable(2.0, name="w")
        for step in range(6):
            with tf.GradientTape() as tape:
                h = w * w
                loss = h + 1.0
            tf.abs(h if step == 4 else loss)   # one line, wired otherwise once
            w.assign_sub(0.01 * tape.gradient(loss, w))
    replaying, _, replayed = run(loop)
    reference, _, none = fully(loop)
    assert replayed >= 2 and none == 0
    assert_same_recording(replaying, reference)
    read = [next(made[rop.node.input_ids[0]] for rop in step.ops if rop.op == "abs")
            for step in replaying.steps
            for made in [{rop.node.output_id: rop.op for rop in step.ops}]]
    assert read == ["add"] * 4 + ["multiply", "add"]


@pytest.mark.parametrize("look_at", [None, 3], ids=["no look", "a look before step 4's update"])
def test_an_update_reading_its_steps_forward_output_says_the_op_that_made_it(fully, look_at):
    # the update runs in the segment after the step's forward (segments end at gradient
    # calls): run again apart, the forward's output it reads should still be that op's
    def loop():
        w = tf.Variable(0.5, name="w")
        for step, x in enumerate([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]):
            with tf.GradientTape() as tape:
                h = tf.constant(x) * w
                loss = h * h
            dw = tape.gradient(loss, w)
            if step == look_at:
                assert len(RUNNING[-1].steps) == step + 1   # made while it waits for its update
            w.assign_sub(0.01 * dw + 0.001 * h)
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 3
    update = [rop for rop in reference.steps[-1].ops if rop.phase == "forward"][-3]
    assert update.op == "multiply" and update.node.inputs[1] is \
        reference.steps[-1].ops[0].node.output   # (0.001 * h: h made by the step's first op)
    assert_same_recording(replaying, reference)


def test_an_update_given_a_variables_read_in_place_of_its_gradient_is_recorded_fully(fully):
    # a followed update op keeps values alone, no tensors (dispatch's sunk path): a read of
    # a variable the program knows must still be told from the plain tensor it learned there
    def loop():
        w, v = tf.Variable(0.5, name="w"), tf.Variable(0.25, name="v")
        for step, x in enumerate([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]):
            with tf.GradientTape() as tape:
                loss = (tf.constant(x) * w + v) ** 2
            dw = tape.gradient(loss, w)
            w.assign_sub(0.01 * (read_variable(v) if step == 4 else dw))
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 3
    assert_same_recording(replaying, reference)
    update = [rop for rop in replaying.steps[4].ops if rop.phase == "forward"][-2]
    assert update.op == "multiply" and update.node.inputs[1].variable.name.startswith("v")


def test_an_update_at_another_line_of_the_same_code_is_said_at_its_line(fully):
    # a followed op's line is checked by the frames it was called from (call_site.py): the
    # same tapeviz function called from the same user code at another line is another line
    def loop():
        w = tf.Variable(0.5, name="w")
        for step, x in enumerate([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]):
            with tf.GradientTape() as tape:
                loss = (tf.constant(x) * w) ** 2
            dw = tape.gradient(loss, w)
            if step < 5:
                w.assign_sub(0.01 * dw)
            else:
                w.assign_sub(0.01 * dw)
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 3
    assert_same_recording(replaying, reference)
    lines = [[rop.node.source.lineno for rop in step.ops if rop.op == "assign_sub"]
             for step in replaying.steps]
    assert lines[4][0] + 2 == lines[5][0] == lines[-1][0]


def test_a_followed_taped_op_at_another_line_of_the_same_code_is_said_at_its_line(fully):
    # a followed taped op's line is found by its call site too (dispatch_followed): the same
    # operator called from the same user code at another line is another line
    def loop():
        w = tf.Variable(0.5, name="w")
        for step, x in enumerate([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]):
            with tf.GradientTape() as tape:
                if step < 5:
                    loss = (tf.constant(x) * w) ** 2
                else:
                    loss = (tf.constant(x) * w) ** 2
            w.assign_sub(0.01 * tape.gradient(loss, w))
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 3
    assert_same_recording(replaying, reference)
    lines = [[rop.node.source.lineno for rop in step.ops if rop.op == "pow"]
             for step in replaying.steps]
    assert lines[4][0] + 2 == lines[5][0] == lines[-1][0]


def test_a_followed_taped_op_finds_its_line_by_its_call_site_not_a_walk(monkeypatch):
    import tapeviz.dispatch_followed as followed
    walks = []
    walk = followed.source_from
    monkeypatch.setattr(followed, "source_from",
                        lambda frame, origin=None: walks.append(1) or walk(frame, origin))
    counted = []

    def loop():
        w, b = tf.Variable(0.5, name="w"), tf.Variable(0.0, name="b")
        for x in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]:
            with tf.GradientTape() as tape:
                loss = (tf.constant(x) * w + b) ** 2
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.01 * dw)
            b.assign_sub(0.01 * db)
            counted.append(len(walks))
    _, _, replayed = run(loop)
    assert replayed >= 5
    # the first followed step learns each op's site (a walk each); the later ones walk not
    assert counted[-1] == counted[-4] and counted[-1] > 0


def abs_lines(recorder) -> list:
    """(file, line) of each step's abs ops."""
    return [[(rop.node.source.filename, rop.node.source.lineno) for rop in step.ops
             if rop.op == "abs"] for step in recorder.steps]


def test_an_op_called_from_the_users_own_frame_follows_without_a_walk(monkeypatch, fully):
    # `tf.abs(t)` is called by the user's frame itself (no tapeviz frame between): its line
    # is fixed by that frame's code and instruction, so later steps find it with no walk
    import tapeviz.dispatch_followed as followed
    walks = []
    walk = followed.source_from
    monkeypatch.setattr(followed, "source_from",
                        lambda frame, origin=None: walks.append(1) or walk(frame, origin))
    counted = []

    def loop():
        w = tf.Variable(0.5, name="w")
        for x in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]:
            with tf.GradientTape() as tape:
                t = tf.constant(x) * w - 1.0
                loss = tf.abs(t) + tf.abs(t)
            w.assign_sub(0.01 * tape.gradient(loss, w))
            counted.append(len(walks))
    replaying, _, replayed = run(loop)
    assert replayed >= 5
    assert counted[-1] == counted[-4]   # (before: two walks a step, one per abs)
    reference, _, _ = fully(loop)
    assert_same_recording(replaying, reference)


def test_a_users_function_called_from_another_line_says_its_own_line(fully):
    # the op's frame is the user's function, its caller another line of the loop: a caller
    # at another instruction is checked by the op's line itself (the walk), the same line
    def scaled(t):
        return 2.0 * tf.abs(t)

    def loop():
        w = tf.Variable(0.5, name="w")
        for step, x in enumerate([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]):
            with tf.GradientTape() as tape:
                t = tf.constant(x) * w - 1.0
                if step < 5:
                    loss = scaled(t)
                else:
                    loss = scaled(t)
            w.assign_sub(0.01 * tape.gradient(loss, w))
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 5
    assert_same_recording(replaying, reference)
    lines = abs_lines(replaying)
    assert lines[0] == lines[4] == lines[5] == lines[-1]


def test_equal_code_from_another_file_says_its_own_file(fully):
    # the same source compiled under two file names makes two code objects that compare
    # equal (a code's == leaves its file out): a frame's code is checked by identity, so
    # the op run by the second says the second file
    text = "def scaled(t):\n    return 2.0 * tf.abs(t)\n"
    first, second = {"tf": tf}, {"tf": tf}
    exec(compile(text, "first_copy.py", "exec"), first)
    exec(compile(text, "second_copy.py", "exec"), second)
    assert first["scaled"].__code__ == second["scaled"].__code__
    assert first["scaled"].__code__ is not second["scaled"].__code__

    def loop():
        w = tf.Variable(0.5, name="w")
        for step, x in enumerate([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]):
            function = first["scaled"] if step < 5 else second["scaled"]
            with tf.GradientTape() as tape:
                loss = function(tf.constant(x) * w - 1.0)
            w.assign_sub(0.01 * tape.gradient(loss, w))
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 5
    assert_same_recording(replaying, reference)
    assert [files[0][0] for files in abs_lines(replaying)] == \
        ["first_copy.py"] * 5 + ["second_copy.py"] * 3


def test_an_optimizers_update_follows_by_its_apply_line_without_reading_frames(monkeypatch):
    # an update runs on the line the thread shares (the apply's): its signature holds that
    # line, so a followed update reads no frame; the forward's taped ops read theirs
    import tapeviz.contrib.eager as tfe
    import tapeviz.dispatch_followed as followed
    reads = []
    getframe = followed._getframe
    monkeypatch.setattr(followed, "_getframe",
                        lambda depth: reads.append(depth) or getframe(depth + 1))
    counted = []

    def loop():
        w = tfe.Variable(0.5)
        optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01)
        for x in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]:
            with tf.GradientTape() as tape:
                loss = (tf.constant(x) * w) ** 2
            optimizer.apply_gradients([(tape.gradient(loss, w), w)])
            counted.append(len(reads))
    rec, _, replayed = run(loop)
    assert replayed >= 5
    assert counted[-1] - counted[-2] == 2   # (the forward's multiply and pow alone)
    assert "assign_sub" in [rop.op for rop in rec.steps[-2].ops]


def test_an_update_that_leaves_at_its_own_line_by_its_input_is_recorded_exactly(fully):
    # dispatch_sunk's two-input path: the same op at the same line and frames, given another
    # gradient at one step, leaves the program there (its inputs' ids then found as they
    # are recorded); the steps around it follow again
    def loop():
        w, b = tf.Variable(0.5, name="w"), tf.Variable(0.0, name="b")
        for step, (x, y) in enumerate(zip([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                                          [2.0, 3.0, 5.0, 4.0, 6.0, 9.0, 8.0, 7.0])):
            with tf.GradientTape() as tape:
                loss = (tf.constant(y) - (tf.constant(x) * w + b)) ** 2
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.01 * dw)
            b.assign_sub(0.01 * (dw if step == 5 else db))
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 4
    assert_same_recording(replaying, reference)
    updates = [[rop for rop in step.ops if rop.op == "assign_sub"] for step in replaying.steps]
    assert all(len(ops) == 2 and all(rop.duration >= 0.0 for rop in ops) for ops in updates)
