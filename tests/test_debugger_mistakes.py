"""Mistakes with the debugger itself, made by a student who reaches for it already confused:
each is refused (or warned) naming the call, what it expected, what came and the student's
own line, with the call that works; and the tape, the recorder or the breakpoints still work
after it."""
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised
from tapeviz.debugger import (BackwardStepper, Recorder, Runner, break_on, breakpoints,
                              clear_breakpoints, diagnose, find_nan_origin, why_none)


def _nan_step():
    w = tf.Variable([1.0, -1.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.math.log(w))
    return w, tape, loss


# ---- find_nan_origin and diagnose: what they were given --------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_find_nan_origin_on_a_tape_freed_by_gradient_says_so_instead_of_finding_no_nan():
    w, tape, loss = _nan_step()
    tape.gradient(loss, w)
    assert np.isnan(float(loss))   # the student saw a NaN loss
    err, line = raised(RuntimeError, lambda: find_nan_origin(tape))   # was: None, "no NaN"
    assert str(err).startswith("find_nan_origin: this GradientTape was consumed by gradient() "
                               "and freed its ops")
    assert "persistent=True" in err.hint and "find_nan_origin(rec.last_step)" in err.hint
    assert_names_this_line(err, line)
    w, tape, loss = _nan_step()   # the next correct call works
    assert find_nan_origin(tape).op == "log"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_diagnose_on_a_freed_tape_says_so_instead_of_finding_nothing():
    w, tape, loss = _nan_step()
    tape.gradient(loss, w)
    err, line = raised(RuntimeError, lambda: diagnose(tape))   # was: [], "nothing wrong"
    assert str(err).startswith("diagnose: this GradientTape was consumed by gradient()")
    assert "diagnose(rec)" in err.hint
    assert_names_this_line(err, line)
    w, tape, loss = _nan_step()
    assert [f.kind for f in diagnose(tape)] == ["nan"]


@pytest.mark.parametrize("call", [find_nan_origin, diagnose], ids=lambda f: f.__name__)
def test_the_loss_given_for_the_tape_is_named_as_a_tensor_with_the_tape_as_the_fix(call):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = x * 3.0
    err, line = raised(TypeError, lambda: call(loss))   # was: 'Cannot iterate over a scalar'
    name = call.__name__
    assert str(err).startswith(f"{name}: expected a ")
    assert "got a float32 tensor of shape ()" in str(err)
    assert f"{name}(tape)" in err.hint and "does not remember the ops" in err.hint
    assert_names_this_line(err, line)
    assert call(tape, loss) in (None, [])   # the tape is untouched: no NaN, nothing wrong
    assert float(tape.gradient(loss, x)) == 3.0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_find_nan_origin_given_a_recorder_names_its_steps_and_diagnose():
    with Recorder() as rec:
        w, tape, loss = _nan_step()
        tape.gradient(loss, w)
    err, line = raised(TypeError, lambda: find_nan_origin(rec))   # was: AttributeError
    assert "got <Recorder stopped: 1 step," in str(err)
    assert "find_nan_origin(rec.last_step)" in err.hint and "diagnose(rec)" in err.hint
    assert_names_this_line(err, line)
    assert find_nan_origin(rec.last_step).op == "log"


def test_a_list_of_tensors_is_not_a_list_of_nodes():
    y = tf.constant(1.0)
    err, line = raised(TypeError, lambda: find_nan_origin([y]))
    assert "got a list holding a float32 tensor of shape ()" in str(err)
    assert_names_this_line(err, line)


def test_diagnose_with_nothing_to_judge_says_what_it_takes():
    err, line = raised(TypeError, lambda: diagnose())   # was: [] (nothing wrong)
    assert str(err).startswith("diagnose: expected something to judge: a Recorder")
    assert "diagnose(rec)" in err.hint
    assert_names_this_line(err, line)


def test_diagnose_of_a_recorder_that_recorded_nothing_warns_from_the_users_line():
    x = tf.Variable(1.0)
    rec = Recorder()
    with tf.GradientTape() as tape:   # the loop ran outside `with rec:`
        loss = x * x
    tape.gradient(loss, x)
    with pytest.warns(UserWarning, match="the Recorder recorded no ops, so there is nothing "
                                         "to judge") as caught:
        assert diagnose(rec) == []
    assert caught[0].filename == __file__
    with rec:   # the next correct use works
        with tf.GradientTape() as tape:
            loss = x * x
        tape.gradient(loss, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert diagnose(rec) == []
    assert len(rec) == 1


@pytest.mark.parametrize("call", [find_nan_origin, diagnose], ids=lambda f: f.__name__)
def test_the_loss_named_as_a_string_is_refused_not_failed_on_deep_inside(call):
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(w * w)
    err, line = raised(TypeError, lambda: call(tape, "loss"))   # was: no attribute '_value'
    assert str(err).startswith(f"{call.__name__}: target must be tensors or variables; got "
                               f"'loss' (str)")
    assert_names_this_line(err, line)
    assert call(tape, loss) in (None, [])


def test_diagnose_given_a_number_among_the_sources_says_so_instead_of_judging_nothing():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(w * w)
    err, line = raised(TypeError, lambda: diagnose(tape, loss, sources=[w, 3]))   # was: []
    assert "diagnose: sources must be tensors or variables; got 3 (int)" in str(err)
    assert_names_this_line(err, line)


def test_diagnose_given_the_loss_and_the_tape_swapped_says_the_tape_comes_first():
    w = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * w
    err, line = raised(TypeError, lambda: diagnose(loss, tape))
    assert err.hint == "the tape comes first, then the loss: diagnose(tape, loss)"
    assert_names_this_line(err, line)


@pytest.mark.parametrize("budget", ["1GB", -5, 0])
def test_a_recorder_budget_that_is_not_a_positive_number_of_bytes_is_refused(budget):
    err, line = raised((TypeError, ValueError), lambda: Recorder(max_bytes=budget))
    assert str(err).startswith("Recorder: max_bytes must be a positive number of bytes, "
                               f"e.g. 2**30 for 1 GiB; got {budget!r}")   # '1GB': int()'s
    assert_names_this_line(err, line)
    assert Recorder(max_bytes=2**20).max_bytes == 2**20


# ---- break_on ---------------------------------------------------------------------------------
@pytest.fixture
def no_debugger(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    yield
    clear_breakpoints()


@pytest.mark.parametrize("op", ["multiply", None], ids=["with-op", "bare"])
def test_a_condition_that_raises_keeps_its_error_notes_the_breakpoint_and_is_disabled(
        no_debugger, op):
    w = tf.Variable(2.0)
    set_line = sys._getframe().f_lineno + 1
    bp = break_on(op=op, condition=lambda node: node.outputs[0] > 0, action="continue")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        err, line = raised(AttributeError, lambda: w * w)   # the condition's own error
    note = "\n".join(err.__notes__)   # was, on Python 3.10: no attribute 'add_note'
    said = [str(warning.message) for warning in caught if warning.filename == __file__]
    # Python 3.10's traceback shows no notes: there the note is warned from the user's line
    assert said == ([] if sys.version_info >= (3, 11) else err.__notes__)
    here = min(os.path.relpath(__file__), __file__, key=len)   # as the location shows it
    assert (f"break_on: raised by the condition of the breakpoint set at {here}:{set_line}, "
            f"asked about multiply in the forward pass at {here}:{line}; the breakpoint is "
            "disabled") \
        in note
    assert "node.output (a Tensor)" in note
    assert not bp.enabled
    assert float(w * w) == 4.0   # was: every op after it raised the same error
    fixed = break_on(op=op, condition=lambda node: float(node.output) > 0, action="continue")
    w * w
    assert len(fixed.hits) == 1


def test_a_breakpoint_on_a_comment_line_is_refused_with_the_lines_that_hold_code(no_debugger):
    # a comment: no op runs here
    comment = sys._getframe().f_lineno - 1
    err, line = raised(ValueError, lambda: break_on(file=__file__, line=comment))
    assert str(err).startswith(f"break_on: no op can run at {os.path.basename(__file__)}:"
                               f"{comment}: line {comment} is a comment")
    assert str(comment + 1) in err.hint
    assert_names_this_line(err, line)
    assert breakpoints() == []   # nothing was armed
    bp = break_on(file=__file__, line=comment + 1)
    assert bp.enabled and breakpoints() == [bp]


def test_a_breakpoint_past_the_end_of_the_file_says_how_long_it_is(no_debugger):
    with open(__file__) as f:
        length = len(f.readlines())
    err, line = raised(ValueError, lambda: break_on(file=__file__, line=length + 50))
    assert f"the file has {length} lines" in str(err)
    assert_names_this_line(err, line)


def test_a_line_given_as_text_is_refused_naming_what_came(no_debugger):
    err, line = raised(TypeError, lambda: break_on(file=__file__, line="12"))
    assert "break_on: line must be a line number (a positive int); got '12' (str)" in str(err)
    assert_names_this_line(err, line)


def test_a_file_no_code_has_loaded_is_warned_of_and_still_set(no_debugger):
    with pytest.warns(UserWarning, match="no file loaded so far is 'not_yet_written.py'") \
            as caught:
        bp = break_on(file="not_yet_written.py", line=3)
    assert caught[0].filename == __file__
    assert bp.enabled   # it may be imported later


# ---- the Runner (Dashboard.train, %tapeviz_train) -------------------------------------------
def _train(model, epochs=2):
    for _ in range(epochs):
        with tf.GradientTape() as tape:
            loss = model * model
        model.assign_sub(0.1 * tape.gradient(loss, model))


def test_a_training_function_missing_its_argument_is_refused_at_the_users_line():
    err, line = raised(TypeError, lambda: Runner(_train))   # was: failed unseen in its thread
    assert str(err).startswith("Runner: _train(model, epochs=2) cannot be called with "
                               "nothing: missing a required argument: 'model'")
    assert "Runner(train, model), dashboard.train(train, model)" in err.hint
    assert_names_this_line(err, line)
    w = tf.Variable(1.0)
    runner = Runner(_train, w, epochs=3).start()
    assert runner.join(30) and runner.state == "finished" and runner.step_count == 3


def test_a_keyword_the_function_lacks_is_named():
    err, line = raised(TypeError, lambda: Runner(_train, tf.Variable(1.0), epoch=3))
    assert "cannot be called with <tapeviz.Variable" in str(err)
    assert "epoch=3: got an unexpected keyword argument 'epoch'" in str(err)
    assert_names_this_line(err, line)


def test_the_result_of_calling_the_function_is_refused_as_not_a_function():
    err, line = raised(TypeError, lambda: Runner(_train(tf.Variable(1.0))))
    assert "Runner: expected a training function (a callable); got None (NoneType)" \
        in str(err)
    assert "what _train(tf.Variable(1.0)) returned: that call ran it here" in str(err)
    assert err.hint == "pass the function and its arguments apart: Runner(_train, " \
                       "tf.Variable(1.0))"
    assert_names_this_line(err, line)


def test_a_generator_function_is_refused_since_calling_it_runs_nothing():
    def train():
        yield 1
    err, line = raised(TypeError, lambda: Runner(train))   # was: 'finished', 0 steps
    assert "got train, a generator function: calling it runs none of its code" in str(err)
    assert err.hint.endswith("def run(): for _ in train(): pass")
    assert_names_this_line(err, line)


def test_a_coroutine_function_is_refused_with_the_call_that_runs_it():
    async def train():
        pass
    err, line = raised(TypeError, lambda: Runner(train))
    assert "got train, a coroutine function: calling it runs none of its code" in str(err)
    assert err.hint.endswith("def run(): asyncio.run(train())")   # was: 'for _ in train()'
    assert_names_this_line(err, line)


# ---- the Recorder ---------------------------------------------------------------------------
def _record(rec, steps):
    w = tf.Variable(2.0)
    with rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.ones([50]) * w)
            tape.gradient(loss, w)


@pytest.mark.filterwarnings("ignore::UserWarning")   # the Recorder's own 'dropped' warnings
def test_an_index_past_the_kept_steps_says_which_are_kept_and_how_many_were_dropped():
    probe = Recorder()
    _record(probe, 1)
    rec = Recorder(max_bytes=3 * probe.nbytes)   # room for three steps recorded fully, more
    _record(rec, 40)                             # noted ones (a noted step holds less)
    numbers = [step.number for step in rec.steps]
    dropped = rec.dropped.steps
    assert dropped > 0 and numbers[-1] == 40
    assert numbers[0] >= len(numbers)   # the first kept step's number is no index of one
    err, line = raised(IndexError, lambda: rec[numbers[0]])   # was: 'list index out of range'
    assert str(err).startswith(f"Recorder: no kept step at index {numbers[0]}: it keeps "
                               f"{len(numbers)} steps, numbered {numbers[0]} to 40; "
                               f"{dropped} older steps were dropped to keep its max_bytes")
    assert "rec[-1] is the last" in err.hint
    assert_names_this_line(err, line)
    assert rec[-1].number == 40 and rec[0].number == numbers[0]


def test_entering_a_recorder_inside_itself_is_refused_and_it_still_records():
    rec = Recorder()

    def nested():
        with rec:
            with rec:   # the inner end would have stopped it: the outer block's rest lost
                pass
    err, line = raised(RuntimeError, nested)
    assert str(err).startswith("Recorder: this Recorder is already recording")
    assert "second Recorder()" in err.hint
    assert err.source.lineno == line - 2   # the inner `with rec:`
    assert not rec.recording
    _record(rec, 2)
    assert len(rec) == 2


# ---- the BackwardStepper --------------------------------------------------------------------
def test_a_stepper_given_the_loss_and_the_tape_swapped_says_the_tape_comes_first():
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * w
    err, line = raised(TypeError, lambda: BackwardStepper(loss, tape))   # was: AttributeError
    assert str(err).startswith("BackwardStepper: tape must be the GradientTape that recorded "
                               "the loss; got a float32 tensor of shape ()")
    assert err.hint == "the tape comes first, then the loss: BackwardStepper(tape, loss)"
    assert_names_this_line(err, line)
    assert float(BackwardStepper(tape, loss, [w]).run().gradient(w)) == 4.0


@pytest.mark.parametrize("target, sources, named", [("loss", None, "target"),
                                                    (None, 3.0, "sources")])
def test_a_stepper_target_or_source_that_is_no_tensor_is_named(target, sources, named):
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * w
    target = loss if target is None else target
    err, line = raised(TypeError, lambda: BackwardStepper(tape, target, sources))
    assert f"BackwardStepper: {named} must be tensors or variables; got " in str(err)
    assert_names_this_line(err, line)
    assert float(tape.gradient(loss, w)) == 4.0


# ---- the notebook -----------------------------------------------------------------------------
def test_a_forgotten_load_ext_loads_the_extension_at_the_first_tapeviz_cell():
    pytest.importorskip("IPython")
    # was: "UsageError: Cell magic `%%tapeviz` not found." in a notebook that imported tapeviz
    code = textwrap.dedent("""
        from IPython.testing import globalipapp
        shell = globalipapp.start_ipython()
        shell.run_cell("import tapeviz as tf")
        cell = "%%tapeviz --no-show --name rec\\nw = tf.Variable(2.0)\\ny = w * w"
        result = shell.run_cell(cell)
        print("said:", result.success, [op.op for op in shell.user_ns["rec"].last_step.ops])
        shell.run_line_magic("load_ext", "tapeviz")   # the line the student forgot: harmless
        print("said:", shell.run_cell(cell).success)
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "TAPEVIZ_DEBUGGER": "none"})
    said = [line[6:] for line in run.stdout.splitlines() if line.startswith("said: ")]
    assert said == ["True ['multiply']", "True"], run.stdout + run.stderr


def test_an_ipython_without_lazy_magics_still_imports_tapeviz():
    # an older IPython has no register_lazy: `import tapeviz` there called it and failed
    from types import SimpleNamespace

    pytest.importorskip("IPython")
    from tapeviz.ipython import offer_magics
    offer_magics(SimpleNamespace(magics_manager=SimpleNamespace()))   # was: AttributeError


@pytest.fixture
def shell(no_debugger):
    pytest.importorskip("IPython")
    from IPython.testing import globalipapp
    ip = globalipapp.get_ipython()   # started at the first call
    ip.run_line_magic("load_ext", "tapeviz")
    ip.run_cell("import tapeviz as tf")
    yield ip
    ip.run_line_magic("unload_ext", "tapeviz")


@pytest.mark.parametrize("magic, line, meant", [
    ("tapeviz", "--nodes 3", "--max-nodes"), ("tapeviz", "-all", "--all")])
def test_a_mistyped_option_of_the_cell_magic_names_the_one_meant(shell, magic, line, meant):
    from IPython.core.error import UsageError
    with pytest.raises(UsageError) as info:   # was: 'unrecognized arguments' and the usage
        shell.run_cell_magic(magic, line, "y = 1")
    text = str(info.value)
    assert text.startswith(f"%%tapeviz: unrecognized arguments: {line}; did you mean {meant}?")
    assert "usage: %%tapeviz [--max-nodes N]" in text
    shell.run_cell_magic("tapeviz", "--no-show --name rec", "z = tf.exp(tf.constant(1.0))")
    assert [op.op for op in shell.user_ns["rec"].last_step.ops] == ["exp"]


def test_a_breakpoint_magic_refused_by_break_on_names_no_ipython_line(shell):
    from IPython.core.error import UsageError
    with pytest.raises(UsageError) as info:
        shell.run_line_magic("tapeviz_break", "op=log line=0")
    assert str(info.value) == ("%tapeviz_break: break_on: line must be a line number (a "
                               "positive int); got 0 (int)")   # was: '... at interactiveshell.py'
    shell.run_line_magic("tapeviz_break", "op=log line=1")
    assert len(breakpoints()) == 1


def test_a_training_magic_missing_the_functions_argument_says_so_as_a_usage_error(shell):
    from IPython.core.error import UsageError
    shell.run_cell("def train(w, epochs=2):\n    for _ in range(epochs):\n"
                   "        w.assign_sub(0.5)\nw = tf.Variable(2.0)")
    with pytest.raises(UsageError) as info:   # was: 'failed, 0 steps' in the background
        shell.run_line_magic("tapeviz_train", "train")
    assert str(info.value) == ("%tapeviz_train: train(w, epochs=2) cannot be called with "
                               "nothing: missing a required argument: 'w'\n"
                               "hint: give its arguments after the function: Runner(train, "
                               "model), dashboard.train(train, model) or %tapeviz_train train "
                               "model")
    shell.run_cell("def steps(w):\n    yield w")
    with pytest.raises(UsageError) as info:   # was: the hint about arguments
        shell.run_line_magic("tapeviz_train", "steps w")
    assert str(info.value).startswith("%tapeviz_train: expected a training function; got "
                                      "steps, a generator function")
    assert str(info.value).endswith("hint: wrap it in a plain function that runs it to the "
                                    "end, e.g. def run(): for _ in steps(): pass")


def test_a_breakpoint_magic_on_a_file_not_loaded_says_so_without_an_ipython_line(shell,
                                                                                capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shell.run_line_magic("tapeviz_break", "file=not_yet_written.py line=3")
    assert caught == []   # was: a UserWarning from IPython's interactiveshell.py
    err = capsys.readouterr().err
    assert err.startswith("%tapeviz_break: break_on: no file loaded so far is "
                          "'not_yet_written.py'")
    assert len(breakpoints()) == 1   # still set: the file may be imported later


def test_why_none_given_the_loss_first_or_a_name_for_the_variable_says_what_it_takes():
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * 3.0
    err, line = raised(TypeError, lambda: why_none(loss, tape, w))   # was: 'Cannot iterate'
    assert str(err).startswith("why_none: expected a GradientTape, a recorded step or a list "
                               "of nodes; got a float32 tensor of shape ()")
    assert_names_this_line(err, line)
    err, line = raised(TypeError, lambda: why_none(tape, loss, "w"))   # was: 'has dtype str32'
    assert "why_none: sources must be tensors or variables; got 'w' (str)" in str(err)
    assert_names_this_line(err, line)
    assert why_none(tape, loss, w).kind == "connected"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # sqrt's gradient at 0, said by numpy
def test_find_nan_origin_without_the_loss_warns_that_the_backward_pass_went_unsearched():
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.sqrt(x))
    assert np.isinf(tape.gradient(y, x).numpy()[0])   # the student's gradient holds inf
    with pytest.warns(UserWarning, match=r"the backward pass was not searched: for a NaN "
                                         r"gradient, find_nan_origin\(tape, loss\)") as caught:
        assert find_nan_origin(tape) is None   # was: None, silently ('no NaN anywhere')
    assert caught[0].filename == __file__
    assert find_nan_origin(tape, y).vjp_of.op.name == "sqrt"


# ---- the widget ---------------------------------------------------------------------------------
def test_the_loss_given_to_the_widget_is_named_as_a_tensor_with_the_tape_as_the_fix():
    pytest.importorskip("anywidget")
    from tapeviz.viz import TapeWidget
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * w
    err, line = raised(TypeError, lambda: TapeWidget(loss))   # was: '...; got Tensor'
    assert str(err).startswith("TapeWidget: expected a GradientTape, BackwardStepper, "
                               "Recorder, RecordedStep, a list of nodes or a tapeviz.torch "
                               "tape; got a float32 tensor of shape ()")
    assert "TapeWidget(tape)" in err.hint
    assert_names_this_line(err, line)
    assert TapeWidget(tape).step_count == 1


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_showing_a_step_the_recorder_does_not_keep_raises_and_leaves_the_view_as_it_was():
    pytest.importorskip("anywidget")
    from tapeviz.viz import TapeWidget
    rec = Recorder()
    _record(rec, 3)
    widget = TapeWidget(rec)
    with pytest.raises(IndexError, match=r"no kept step at index 100 \(the recorder keeps 3"):
        widget.show_step(100)   # was: no error; the trait said 100, the view's error field why
    assert widget.step_index == 2 and widget.error == ""
    widget.show_step(0)
    assert widget.step_index == 0 and widget.error == ""
