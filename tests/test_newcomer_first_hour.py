"""A new user's first hour on the numpy engine (README's snippets: tests/test_readme.py): a
tape shown after its gradient, the notebooks opened by a current nbformat, and the mistakes
made on the way (a setting misspelt, a list of tensors given to a layer that takes one). Each
mistake names the call, what it expected, what came and the user's line, and what it was
called on still works."""
import pathlib
import warnings

import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised
from tapeviz.debugger import Recorder

ROOT = pathlib.Path(__file__).resolve().parent.parent


# ---- a tape shown and the notebooks (README's blocks: tests/test_readme.py) -------------------
def test_a_tape_shown_after_its_gradient_says_it_let_go_of_its_ops_not_that_it_had_none():
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = w * w
    assert repr(tape) == "<tapeviz.GradientTape with 1 ops>"
    tape.gradient(loss, w)
    assert repr(tape) == ("<tapeviz.GradientTape used by gradient(), which let go of its ops "
                          "(persistent=True keeps them)>")   # was: 'with 0 ops'
    with tf.GradientTape(persistent=True) as kept:
        loss = w * w
    kept.gradient(loss, w)
    assert repr(kept) == "<tapeviz.GradientTape persistent with 1 ops>"


def test_every_notebook_opens_in_nbformat_without_a_missing_cell_id_warning():
    nbformat = pytest.importorskip("nbformat", reason='the Jupyter extra: '
                                   'pip install "tapeviz[jupyter]"')
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        with warnings.catch_warnings():
            warnings.simplefilter("error")   # MissingIDFieldWarning: an error in later nbformat
            notebook = nbformat.read(path, as_version=4)
            nbformat.validate(notebook)
        assert all("id" in cell for cell in notebook.cells), path.name


@pytest.mark.parametrize("torch_found", [True, False], ids=["torch", "no-torch"])
def test_python_m_tapeviz_says_whether_the_torch_adapter_is_there_and_how_to_install_it(
        torch_found, monkeypatch, capsys):
    import importlib.util

    from tapeviz.__main__ import main
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: (
        find_spec("numpy") if torch_found else None) if name == "torch"
        else find_spec(name, *args))
    assert main([]) == 0
    out = capsys.readouterr().out
    said = "installed" if torch_found else 'pip install "tapeviz[torch]"'
    assert f"  the PyTorch adapter, tapeviz.torch: {said}\n" in out
    assert "import tapeviz.torch as tvt" in out


# ---- the debugger's settings ------------------------------------------------------------------
@pytest.mark.parametrize("setting, value, options", [
    ("threads", "al", "'current', 'all'"),
    ("split", "grad", "'gradient', 'mark'"),
])
def test_a_misspelt_recorder_setting_names_the_choices_and_the_users_line(setting, value,
                                                                          options):
    err, line = raised(ValueError, lambda: Recorder(**{setting: value}))
    assert str(err).startswith(f"Recorder: {setting} must be one of {options}; "
                               f"got {value!r} (str)")
    assert_names_this_line(err, line)
    w = tf.Variable(2.0)
    with Recorder(**{setting: options.split("'")[1]}) as rec:   # the right spelling records
        with tf.GradientTape() as tape:
            loss = w * w
        tape.gradient(loss, w)
        rec.mark_step()
    assert len(rec) == 1


def test_break_on_given_pdbs_file_colon_line_says_how_to_name_a_line():
    err, line = raised(ValueError, lambda: tf.debugger.break_on("train.py:12"))
    assert str(err).startswith("break_on: no op is called 'train.py:12'; for a line of a "
                               "file: break_on(file='train.py', line=12)")
    assert_names_this_line(err, line)
    assert tf.debugger.breakpoints() == []


# ---- layers that take one tensor --------------------------------------------------------------
ONE_TENSOR_LAYERS = {
    "Dense": (lambda: tf.keras.layers.Dense(2), (4, 3)),
    "Conv2D": (lambda: tf.keras.layers.Conv2D(2, 3), (2, 5, 5, 1)),
    "BatchNormalization": (lambda: tf.keras.layers.BatchNormalization(), (4, 3)),
    "LayerNormalization": (lambda: tf.keras.layers.LayerNormalization(), (4, 3)),
    "Flatten": (lambda: tf.keras.layers.Flatten(), (4, 3, 2)),
    "Reshape": (lambda: tf.keras.layers.Reshape((6,)), (4, 3, 2)),
    "Dropout": (lambda: tf.keras.layers.Dropout(0.5), (4, 3)),
    "MaxPooling2D": (lambda: tf.keras.layers.MaxPooling2D(), (2, 4, 4, 1)),
    "GlobalAveragePooling2D": (lambda: tf.keras.layers.GlobalAveragePooling2D(), (2, 4, 4, 1)),
}


@pytest.mark.parametrize("name", ONE_TENSOR_LAYERS)
def test_a_layer_that_takes_one_tensor_given_a_list_of_two_says_join_them(name):
    make, shape = ONE_TENSOR_LAYERS[name]
    layer, x = make(), tf.random.normal(shape)
    err, line = raised(ValueError, lambda: layer([x, x]))
    assert str(err).startswith(f'layer "{layer.name}" ({name}): expects one tensor; got a '
                               f"list of 2: float32 {shape}, float32 {shape}"), str(err)
    assert "tf.concat(inputs, axis=-1)" in err.hint and "Concatenate()" in err.hint
    assert_names_this_line(err, line)
    assert not layer.built   # nothing half-made: the right call builds it and runs
    assert layer(x).dtype == tf.float32


def test_a_list_of_one_tensor_says_pass_the_tensor_itself():
    layer, x = tf.keras.layers.Dense(2), tf.ones((4, 3))
    err, line = raised(ValueError, lambda: layer([x]))
    assert str(err).startswith(f'layer "{layer.name}" (Dense): expects one tensor; got a list '
                               f"of 1: float32 (4, 3)")
    assert err.hint == "pass the tensor itself: layer(x), not layer([x])"
    assert_names_this_line(err, line)
    assert layer(x).shape == (4, 2)


@pytest.mark.parametrize("built", [False, True], ids=["unbuilt", "built"])
def test_a_sequential_given_two_inputs_is_refused_and_one_listed_input_is_taken(built):
    x = tf.random.normal((4, 3))
    model = tf.keras.Sequential([tf.keras.layers.Dense(3), tf.keras.layers.Dense(1)])
    if built:
        model(x)
    err, line = raised(ValueError, lambda: model([x, x]))
    refused_by = model.layers[0] if built else model   # built: its first layer is called
    assert f'layer "{refused_by.name}"' in str(err) and "expects one tensor" in str(err)
    assert_names_this_line(err, line)
    assert model([x]).shape == (4, 1)   # one input, listed: taken, as Keras's predict([x])
    np.testing.assert_allclose(model([x]).numpy(), model(x).numpy())


def test_layers_that_take_lists_still_take_them():
    a, b = tf.ones((2, 3)), tf.zeros((2, 2))
    assert tf.keras.layers.Concatenate()([a, b]).shape == (2, 5)
    assert tf.keras.layers.Add()([a, a]).numpy().tolist() == [[2.0] * 3] * 2
    inputs = [tf.keras.Input((3,)), tf.keras.Input((2,))]
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(
        tf.keras.layers.Concatenate()(inputs)))
    assert model([a, b]).shape == (2, 1)


# ---- the widget's arguments -------------------------------------------------------------------
def _persistent_tape():
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * w
    return tape, loss, w


def test_a_widget_given_the_loss_by_name_names_the_widget_not_the_diagnosis_inside_it():
    TapeWidget = pytest.importorskip("tapeviz.viz", reason='the widgets: pip install '
                                     '"tapeviz[jupyter]"').TapeWidget
    tape, loss, w = _persistent_tape()
    err, line = raised(TypeError, lambda: TapeWidget(tape, target="loss", sources=[w]))
    assert str(err).startswith("TapeWidget: target must be tensors or variables; got 'loss'")
    assert err.hint.startswith("TapeWidget(tape, target=loss, sources=[w, b])")
    assert_names_this_line(err, line)
    assert TapeWidget(tape, target=loss, sources=[w]).title == "persistent tape: 1 op"


def test_a_misspelt_widget_phase_is_refused_and_one_phase_may_be_given_bare():
    TapeWidget = pytest.importorskip("tapeviz.viz", reason='the widgets: pip install '
                                     '"tapeviz[jupyter]"').TapeWidget
    tape, loss, w = _persistent_tape()
    err, line = raised(ValueError, lambda: TapeWidget(tape, phases=("forward", "backwards")))
    assert str(err).startswith("TapeWidget: phases must be one of 'forward', 'backward'; got "
                               "'backwards' (str)")
    assert_names_this_line(err, line)
    assert TapeWidget(tape, phases="forward")._scene.phases == ("forward",)   # not its letters
