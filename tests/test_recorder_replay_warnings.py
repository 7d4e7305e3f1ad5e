"""numpy's RuntimeWarning from an op a Recorder runs again on a look (a step kept as its
program's inputs, debugger/program.py) is said from the line the op ran at in the user's
program: it pointed inside tapeviz (program.py, or the op's forward in ops/kinds.py)."""
import warnings

import tapeviz as tf
from tapeviz.debugger import Recorder, find_nan_origin
from programs import line_of

NAN_STEP = 4


def _recorded():
    w = tf.Variable([1.0, 2.0])
    optimizer = tf.keras.optimizers.SGD(0.01)

    def step(shift):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.math.log(w * w - shift))  # the log that makes NaN
        optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))

    with Recorder() as rec:
        for number in range(6):
            step(100.0 if number == NAN_STEP else 0.0)
    return rec


def test_a_replayed_ops_warning_is_said_from_the_users_line():
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        rec = _recorded()
        ran = len(said)
        origin = find_nan_origin(rec.steps[NAN_STEP])   # the look runs the step again
    assert origin.op == "log"
    looked = [(w.filename, w.lineno, str(w.message)) for w in said[ran:]
              if w.category is RuntimeWarning]
    line = line_of(__file__, "the log that makes NaN")
    assert looked == [(__file__, line, "log: invalid value encountered in log; 2 of 2 inputs "
                                       "were negative (log(x < 0) = NaN)")]
    assert [(w.filename, w.lineno, str(w.message)) for w in said[:ran]] == looked


def test_under_a_default_filter_the_look_repeats_no_warning_the_loop_gave():
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("default")
        rec = _recorded()
        ran = len(said)
        find_nan_origin(rec.steps[NAN_STEP])
    assert ran == 1 and len(said) == ran
