"""A misspelt keyword to a plain function or class of the TF surface (`tf.reduce_sum(x,
axes=1)`, `tf.GradientTape(persistant=True)`) was Python's bare 'reduce_sum() got an
unexpected keyword argument 'axes'': now shown, where it is shown (a script's traceback, a
cell's), as Keras's misspelt keywords are: the call, the word as given, the one meant and
the user's line. The error `except TypeError` catches stays Python's; no correct call pays."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import InvalidArgumentTypeError
from tapeviz.errors_keywords import binding_refused
from tapeviz.errors_shown import install_in_ipython

X = tf.constant(np.ones((2, 3), np.float32))


def _shown(call):
    """What a script or a cell shows for the TypeError `call` raises."""
    with pytest.raises(TypeError) as info:
        call()
    assert type(info.value) is TypeError   # what the user's except clause sees is Python's
    return binding_refused(info.value)


@pytest.mark.parametrize("call, owner, given, meant", [
    (lambda: tf.reduce_sum(X, axes=1), "reduce_sum", "axes=1", "axis=1"),
    (lambda: tf.GradientTape(persistant=True), "GradientTape", "persistant=True",
     "persistent=True"),
    (lambda: tf.concat([X, X], axis_=0), "concat", "axis_=0", "axis=0"),
    (lambda: tf.reshape(X, shap=[3, 2]), "reshape", "shap=[3, 2]", "shape=[3, 2]"),
    (lambda: tf.Variable(1.0, trainble=False), "Variable", "trainble=False", "trainable=False"),
    (lambda: tf.random.normal([2], stdev=1.0), "normal", "stdev=1.0", "stddev=1.0"),
    (lambda: tf.keras.losses.SparseCategoricalCrossentropy(from_logit=True),
     "SparseCategoricalCrossentropy", "from_logit=True", "from_logits=True"),
    (lambda: tf.data.Dataset.range(4).batch(batchsize=2), "Dataset.batch", "batchsize=2",
     "batch_size=2"),
    (lambda: tf.GradientTape().gradient(X, source=[X]), "GradientTape.gradient",
     "source=[X]", "sources=[X]"),
], ids=["reduce_sum", "GradientTape", "concat", "reshape", "Variable", "random.normal",
        "loss class", "Dataset.batch", "tape.gradient"])
def test_a_misspelt_keyword_is_shown_with_the_call_the_word_the_one_meant_and_the_line(
        call, owner, given, meant):
    shown = _shown(call)
    assert isinstance(shown, InvalidArgumentTypeError) and isinstance(shown, TypeError)
    message = str(shown)
    assert message.startswith(f"{owner}: keyword argument not understood: {given}; in "
                              "TensorFlow's words: ")
    assert f"did you mean {meant}?" in message
    assert "test_errors_plain_keywords.py" in message   # the user's line, shown
    assert given in message.split("\n")[2]


def test_a_word_close_to_none_lists_what_the_call_takes():
    shown = _shown(lambda: tf.reduce_sum(X, dimension=1))
    assert "reduce_sum's keyword arguments: input_tensor, axis, keepdims, name" in str(shown)


def test_a_users_own_function_of_a_tapeviz_name_is_left_as_python_said_it():
    def concat(values):
        return values

    with pytest.raises(TypeError) as info:
        concat([X], axis=0)
    assert binding_refused(info.value) is None


def test_a_misspelt_keyword_in_tapeviz_own_code_is_left_as_python_said_it():
    """tapeviz's own call is no user's mistake: its own bug, said as Python said it."""
    own = compile("tf.reduce_sum(X, axes=1)", tf.__file__, "exec")   # a line of tapeviz's
    with pytest.raises(TypeError) as info:
        exec(own, {"tf": tf, "X": X})
    assert binding_refused(info.value) is None


def test_a_script_shows_the_misspelt_keyword_as_tapeviz_says_it(tmp_path):
    script = tmp_path / "misspelt.py"
    script.write_text(textwrap.dedent("""\
        import tapeviz as tf
        x = tf.ones((2, 3))
        total = tf.reduce_sum(x, axes=[1, 0])
        """))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 1
    assert "InvalidArgumentTypeError: reduce_sum: keyword argument not understood: " \
           "axes=[1, 0]" in run.stderr
    assert "at misspelt.py:3" in run.stderr and "did you mean axis=[1, 0]?" in run.stderr


def test_a_cell_shows_the_misspelt_keyword_and_other_type_errors_as_before(capsys):
    from IPython.testing.globalipapp import get_ipython
    shell = get_ipython()
    install_in_ipython(shell)
    try:
        result = shell.run_cell("import tapeviz as tf\ntf.GradientTape(persistant=True)")
        shown = capsys.readouterr().out
        assert type(result.error_in_exec) is TypeError
        assert "GradientTape: keyword argument not understood: persistant=True" in shown
        assert "at Cell In[" in shown and "did you mean persistent=True?" in shown
        shell.run_cell("len(3)")
        assert "TypeError: object of type 'int' has no len()" in capsys.readouterr().out
    finally:
        shell.set_custom_exc((), None)
