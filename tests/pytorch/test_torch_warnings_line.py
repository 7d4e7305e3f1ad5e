"""torch's warnings raised inside a call the adapter's mode handled are said from the user's
line: they pointed at tapeviz/torch/mode.py (`float(loss)` under a Runner), and "once per
line" filters then showed one warning for the whole program."""
import inspect
import subprocess
import sys
import textwrap
import warnings

import torch

import tapeviz.torch as tvt

RUNNER_SCRIPT = textwrap.dedent("""
    import warnings
    import torch
    import tapeviz.torch  # noqa: F401
    from tapeviz.debugger import Runner

    w = torch.randn(3, requires_grad=True)

    def train():
        loss = (w * 2).sum()
        print("loss", float(loss))   # LINE
        loss.backward()

    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        runner = Runner(train)
        runner.start()
        runner.join()
    for warning in said:
        print("WARNED", warning.filename, warning.lineno, warning.message)
""")


def test_float_of_a_loss_under_a_runner_warns_from_the_users_line(tmp_path):
    # (torch says this warning once a process: a process of its own)
    script = tmp_path / "loop.py"
    script.write_text(RUNNER_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    line = RUNNER_SCRIPT.splitlines().index(next(
        text for text in RUNNER_SCRIPT.splitlines() if "# LINE" in text)) + 1
    warned = [text for text in done.stdout.splitlines() if text.startswith("WARNED")]
    assert warned and all(f"WARNED {script} {line} " in text for text in warned), done.stdout
    assert "to a scalar" in warned[0]


def test_each_line_that_warns_is_shown_once_under_a_default_filter():
    w = torch.randn(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("default")
        with tvt.record():
            h = w * 2
            first = inspect.currentframe().f_lineno + 2
            for _ in range(2):
                h.grad   # noqa: B018  (a non-leaf's .grad: torch warns each time)
            h.grad   # noqa: B018
    shown = [(warning.filename, warning.lineno) for warning in said
             if "not a leaf Tensor" in str(warning.message)]
    assert shown == [(__file__, first), (__file__, first + 1)]


def test_the_numpy_engines_warnings_keep_once_per_user_line_beside_the_adapter():
    """The adapter's rerouting shares fpwarnings' one hook: chained as a second hook, it hid
    which tapeviz line had warned, and the numpy engine's second user line was not shown."""
    import tapeviz as tf
    p = tf.constant([0.0, 1.0])
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("default")
        tf.math.log(p)  # FIRST
        tf.math.log(p)  # SECOND
    source = inspect.getsource(sys.modules[__name__]).splitlines()
    lines = [n for n, text in enumerate(source, 1) if text.endswith(("# FIRST", "# SECOND"))]
    assert [(w.filename, w.lineno) for w in said] == [(__file__, n) for n in lines]
