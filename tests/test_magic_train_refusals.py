"""`%tapeviz_train` given what it cannot train gets the message `Dashboard().train` gives, in
the cell's terms (the magic's name, its own line in the hint), and starts nothing: the
training function called in the line (it ran the training in the foreground, blocking the
kernel, then said "'train(3)' is a NoneType"), a name not defined, a value that is no
function, a function missing its arguments."""
import pytest

pytest.importorskip("IPython")
from IPython.core.error import UsageError  # noqa: E402
from IPython.testing import globalipapp  # noqa: E402

import tapeviz.ipython as tvip  # noqa: E402
from tapeviz.viz.dashboard import Dashboard  # noqa: E402

TRAIN = """\
import tapeviz as tf
ran = []
def train(steps, lr=0.1):
    ran.append(steps)
    w = tf.Variable(1.0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        w.assign_sub(lr * tape.gradient(loss, w))
loss = tf.constant(1.0)
"""


@pytest.fixture
def ip(monkeypatch):
    shell = globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "tapeviz")
    result = shell.run_cell(TRAIN)
    assert result.error_in_exec is None and result.error_before_exec is None
    shell.user_ns.pop(tvip.RUNNER_NAME, None)
    monkeypatch.setattr(tvip.magic, "display", lambda _: None)
    yield shell
    shell.run_line_magic("unload_ext", "tapeviz")


def refused(ip, line: str) -> str:
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("tapeviz_train", line)
    assert tvip.RUNNER_NAME not in ip.user_ns   # nothing started
    assert ip.user_ns["ran"] == []              # and nothing trained in the foreground
    return str(info.value)


@pytest.mark.parametrize("line, meant", [
    ("train(3)", "%tapeviz_train train 3"),
    ("train(3, lr=0.5)", "%tapeviz_train train 3 lr=0.5"),
    ("train(3) lr=0.5", "%tapeviz_train train 3 lr=0.5"),
    ("--max-rate 5 train(2 + 1)", "%tapeviz_train train '2 + 1'"),
])
def test_the_training_function_called_in_the_line_is_refused_unrun(ip, line, meant):
    said = refused(ip, line)
    call = line.removeprefix("--max-rate 5 ").removesuffix(" lr=0.5")
    assert said == (f"%tapeviz_train: expected a training function (a callable); got {call}, "
                    f"a call: evaluating it would run the training here, before "
                    f"%tapeviz_train could watch it (nothing ran)\n"
                    f"hint: pass the function and its arguments apart: {meant}"), said


def test_what_is_no_function_is_told_as_the_dashboard_tells_it(ip):
    said = refused(ip, "loss")
    with pytest.raises(TypeError) as info:
        Dashboard(show_tape=False).train(ip.user_ns["loss"])
    dashboard = str(info.value).removeprefix("Dashboard.train: ")
    assert said == f"%tapeviz_train: {dashboard.splitlines()[0]}\nhint: {info.value.hint}"
    assert "expected a training function (a callable); got a float32 tensor" in said


def test_a_function_missing_its_arguments_is_told_as_the_dashboard_tells_it(ip):
    said = refused(ip, "train")
    assert said.startswith("%tapeviz_train: train(steps, lr=0.1) cannot be called with "
                           "nothing: missing a required argument: 'steps'"), said


def test_a_name_not_defined_says_so_with_the_name_meant(ip):
    """Python says "Did you mean: 'train'?" of `dash.train(trian)`; the magic said to check
    the spelling."""
    said = refused(ip, "trian 3")
    assert said == ("%tapeviz_train: name 'trian' is not defined (in 'trian'); did you mean "
                    "'train'?"), said
    said = refused(ip, "train zqxw")
    assert said.startswith("%tapeviz_train: name 'zqxw' is not defined (in 'zqxw'); run the "
                           "cell that defines it first"), said


def test_a_function_made_by_a_call_in_a_name_still_trains(ip):
    ip.run_cell("def make(steps):\n    return lambda: train(steps)\nfn = make(2)")
    ip.run_line_magic("tapeviz_train", "fn")
    runner = ip.user_ns[tvip.RUNNER_NAME]
    assert runner.join(30.0) and runner.state == "finished" and runner.step_count == 2


MAKERS = """\
import functools
made = []
def make_train(steps):
    made.append(steps)
    def train_step():
        train(steps)
    return train_step
def make(steps):
    return lambda: train(steps)
def build(steps):
    trainer = functools.partial(train, steps)
    return trainer
"""


@pytest.mark.parametrize("line", ["make_train(2)", "make(2)", "make_train( 1 + 1 )"])
def test_a_call_that_makes_the_training_function_is_evaluated_once_and_trained(ip, line):
    """`%tapeviz_train make_train(model)`, as `dash.train(make_train(model))` reads in Python:
    the function's source returns a function it defines, so the call makes the training
    function, not the training; it was refused, its hint saying to pass `make_train 2`
    apart, which would have trained nothing."""
    ip.run_cell(MAKERS)
    ip.run_line_magic("tapeviz_train", line)
    runner = ip.user_ns[tvip.RUNNER_NAME]
    assert runner.join(30.0) and runner.state == "finished" and runner.step_count == 2
    assert ip.user_ns["ran"] == [2]   # trained once, in the runner
    assert ip.user_ns["made"] == ([2] if "make_train" in line else [])   # made once


def test_a_call_whose_result_its_source_does_not_show_gets_both_fixes_in_its_names(ip):
    """`build(3)` returns what `functools.partial` made: maybe the training function, maybe
    not; evaluating it could be the training itself, so it is refused unrun, with the fix for
    each reading, the two lines that name its result first among them."""
    ip.run_cell(MAKERS)
    said = refused(ip, "build(3)")
    assert said == ("%tapeviz_train: expected a training function (a callable); got build(3), "
                    "a call: evaluating it would run it here, before %tapeviz_train could "
                    "watch it (nothing ran)\n"
                    "hint: if build(3) is the training, pass the function and its arguments "
                    "apart: %tapeviz_train build 3; if it returns the training function, "
                    "name it first:\n"
                    "    train_fn = build(3)\n"
                    "    %tapeviz_train train_fn"), said
