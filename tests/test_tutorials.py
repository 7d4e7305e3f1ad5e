"""Three of TensorFlow's own eager tutorials, run under tapeviz (tests/tutorials/).

Each program follows its tutorial step by step with the same TF calls; only its import
names tapeviz. Every test asserts what the tutorial's reader sees, and compares it with
what TensorFlow 2.21 gave for the same program (tests/tutorials/tensorflow.json, written
by tests/tutorials/record.py). TF's random draws are recorded there too: the programs run
here with `tf.random.normal` and the Dense layers' Glorot-uniform kernels handing back
TF's draws in order, so training runs are deterministic and comparable value by value.
"""
import ast
import contextlib
import gc
import io
import json
import math

import matplotlib
import numpy as np
import pytest

import tapeviz as tf
from tutorials.outcomes import HERE, PROGRAMS, outcomes, run, source

RECORDED = json.loads((HERE / "tensorflow.json").read_text())


class Draws:
    """TF's recorded draws, handed out in the order the program asks for them."""

    def __init__(self, recorded: dict):
        self.left = {kind: list(values) for kind, values in recorded.items()}

    def next(self, kind: str, shape) -> tf.Tensor:
        assert self.left[kind], f"the program drew more {kind} values than TF did"
        value = np.asarray(self.left[kind].pop(0), dtype=np.float32)
        assert value.shape == tuple(int(n) for n in shape), (kind, value.shape, shape)
        return tf.constant(value)


def run_replayed(name: str, monkeypatch, directory) -> tuple:
    """Run the program with TF's draws, its plots drawn off-screen; return its outcomes,
    its globals, what it printed and the y data of each figure's axes' lines."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.close("all")
    figures = []

    def show_and_close(*args, **kwargs):  # as a notebook's inline backend does
        figures.extend([[np.asarray(line.get_ydata(), dtype=float) for line in axes.lines]
                        for axes in plt.figure(number).axes] for number in plt.get_fignums())
        plt.close("all")

    monkeypatch.setattr(plt, "show", show_and_close)
    draws = Draws(RECORDED["programs"][name]["draws"])
    monkeypatch.setattr(tf.random, "normal",
                        lambda shape, *args, **kwargs: draws.next("normal", shape))
    monkeypatch.setattr(tf.keras.initializers.GlorotUniform, "__call__",
                        lambda self, shape, dtype=None, **kw: draws.next("glorot_uniform", shape))
    monkeypatch.chdir(directory)
    tf.keras.backend.clear_session()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        program_globals = run(name)
    assert not any(draws.left.values()), "the program drew fewer random values than TF did"
    show_and_close()  # a figure left open at the end is shown as the cell ends
    return outcomes(name, program_globals), program_globals, printed.getvalue(), figures


def same(ours, theirs, rtol=1e-5, atol=1e-6, where="") -> list:
    """Where two outcomes differ: values to rtol, dtypes, shapes, None, names."""
    if isinstance(theirs, dict) and set(theirs) == {"value", "dtype", "shape"}:
        if not isinstance(ours, dict) or set(ours) != set(theirs):
            return [f"{where}: TF gave a tensor, tapeviz {ours!r}"]
        problems = []
        if ours["dtype"] != theirs["dtype"]:
            problems.append(f"{where}: dtype {ours['dtype']} (TF {theirs['dtype']})")
        if ours["shape"] != theirs["shape"]:
            problems.append(f"{where}: shape {ours['shape']} (TF {theirs['shape']})")
        elif not np.allclose(ours["value"], theirs["value"], rtol=rtol, atol=atol):
            problems.append(f"{where}: {ours['value']} (TF {theirs['value']})")
        return problems
    if isinstance(theirs, dict):
        if not isinstance(ours, dict) or set(ours) != set(theirs):
            return [f"{where}: keys {sorted(ours) if isinstance(ours, dict) else ours} "
                    f"(TF {sorted(theirs)})"]
        return [p for k in theirs for p in same(ours[k], theirs[k], rtol, atol, f"{where}.{k}")]
    if isinstance(theirs, list):
        if not isinstance(ours, list) or len(ours) != len(theirs):
            return [f"{where}: {ours!r} (TF {theirs!r})"]
        return [p for i, (a, b) in enumerate(zip(ours, theirs))
                for p in same(a, b, rtol, atol, f"{where}[{i}]")]
    return [] if ours == theirs else [f"{where}: {ours!r} (TF {theirs!r})"]


def value(outcome):
    return np.asarray(outcome["value"])


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """Each program run once under tapeviz with TF's draws (module-scoped: ~4 s in all)."""
    results = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in PROGRAMS:
            directory = tmp_path_factory.mktemp(name)
            with pytest.warns(UserWarning, match="watch") if name == "autodiff" \
                    else contextlib.nullcontext():
                results[name] = run_replayed(name, monkeypatch, directory) + (directory,)
    yield results
    # the programs' variables ('w', 'b', 'x0', ...) go, so later tests' names are free again
    results.clear()
    gc.collect()


def test_programs_differ_from_tensorflow_only_in_the_import():
    """Below its docstring, a program's one mention of tapeviz is `import tapeviz as tf`."""
    for name in PROGRAMS:
        tree = ast.parse(source(name))
        code = source(name).splitlines()[tree.body[0].end_lineno:]   # after the docstring
        assert [line for line in code if "tapeviz" in line] == ["import tapeviz as tf"], name
        assert not [line for line in code if "tensorflow" in line], name
    assert RECORDED["tensorflow"].startswith("2.") and RECORDED["keras"].startswith("3.")


# ---- the autodiff guide --------------------------------------------------------------------
def test_autodiff_gives_the_gradients_the_guide_prints(ran):
    got, g, printed = ran["autodiff"][:3]
    assert printed.splitlines()[0] == "dy/dx: 6.0"                    # d(x**2)/dx at 3
    assert value(got["dy_dx"]) == 6.0 and value(got["dy_dx_watched"]) == 6.0
    assert got["dl_dw"]["shape"] == [3, 2] and got["dl_db"]["shape"] == [2]
    assert got["grad_dict"]["b"] == got["dl_db"]          # sources as a dict, same gradient
    assert got["layer_variable_shapes"] == [[3, 2], [2]]
    assert [value(gr).item() if gr else gr for gr in got["watch_grads"]] == [6.0, None, None,
                                                                             None]
    assert got["watched_names"] == ["x0:0"]
    assert got["softplus_grads"]["x0"] is None
    assert value(got["softplus_grads"]["x1"]) == pytest.approx(1 / (1 + math.exp(-10)))
    assert value(got["dz_dy"]) == 18.0                              # 2y at y = 9
    assert value(got["dz_dx_persistent"]).tolist() == [4.0, 108.0]  # 4x**3
    assert value(got["dy_dx_persistent"]).tolist() == [2.0, 6.0]    # 2x
    assert [value(v).item() for v in got["separate"]] == [4.0, -0.25]
    assert value(got["summed"]) == 3.75 and value(got["vector_target"]) == 7.0
    s = value(got["sigmoid_curve"])
    np.testing.assert_allclose(value(got["sigmoid_grad"]), s * (1 - s), rtol=1e-5, atol=1e-7)
    assert value(got["dv0"]) == 1.0 and got["dv1"] is None and got["dx_control"] is None
    assert [kind for kind, _ in got["replaced"]] == ["Variable", "Tensor"]
    assert value(got["replaced"][0][1]) == 1.0 and got["replaced"][1][1] is None
    for cut in ("unconnected", "through_numpy", "through_int", "through_state"):
        assert got[cut] is None, cut
    assert value(got["zeros_instead"]).tolist() == [0.0, 0.0]
    # the guide's plot: y and dy/dx against x, through matplotlib
    [[[curve, slope]]] = ran["autodiff"][3]
    np.testing.assert_array_equal(curve, s)
    np.testing.assert_array_equal(slope, value(got["sigmoid_grad"]))


def test_autodiff_matches_tensorflow(ran):
    got = dict(ran["autodiff"][0])
    theirs = dict(RECORDED["programs"]["autodiff"]["outcomes"])
    # a Python type name differs by library: Variable/Tensor against TF's
    # ResourceVariable/EagerTensor (checked above); the gradients beside them are compared
    assert [kind for kind, _ in theirs["replaced"]] == ["ResourceVariable", "EagerTensor"]
    got["replaced"] = [grad for _, grad in got["replaced"]]
    theirs["replaced"] = [grad for _, grad in theirs["replaced"]]
    assert not same(got, theirs, where="autodiff"), same(got, theirs, where="autodiff")


# ---- the basic training loops guide ----------------------------------------------------------
def test_training_loop_fits_the_line(ran):
    got, g, printed, figures, directory = ran["basic_training_loops"]
    # as in the guide, both loops append to the same lists: the tf.Module's 10 epochs, then
    # the Keras model's 10
    assert len(got["losses"]) == len(got["weights"]) == len(got["biases"]) == 20
    losses = [value(v).item() for v in got["losses"][:10]]
    assert value(got["initial_loss"]) > losses[0]
    assert all(a > b for a, b in zip(losses, losses[1:])), losses    # falls at every epoch
    assert losses[-1] < 0.2 * value(got["initial_loss"])
    w, b = value(got["weights"][9]), value(got["biases"][9])
    assert abs(w - g["TRUE_W"]) < 0.3 and abs(b - g["TRUE_B"]) < 0.4, (w, b)
    assert [value(v).item() for v in got["variables"]] == [0.0, 5.0]   # b, w: by name
    assert "Variables: (<tapeviz.Variable" in printed
    assert "Epoch  9:" in printed and f"W = {w:1.2f}, b = {b:1.2f}" in printed
    # the Keras model, trained by the same hand-written loop from the same start, ends
    # where the tf.Module did
    assert [value(v).item() for v in got["keras_loop_weights"]] == [w, b]
    assert got["losses"][10:] == got["losses"][:10] and got["weights"][10:] == got["weights"][:10]
    assert (directory / "my_checkpoint.weights.h5").is_file()
    # the guide's four plots: the data; data, truth and first predictions; W and b by
    # epoch against the true values; data, truth and fitted predictions
    assert [[len(lines) for lines in figure] for figure in figures] == [[1], [3], [4], [3]]
    np.testing.assert_array_equal(figures[0][0][0], g["y"].numpy())
    np.testing.assert_allclose(figures[2][0][0], [value(v) for v in got["weights"][:10]])
    np.testing.assert_array_equal(figures[2][0][1], [g["TRUE_W"]] * 10)
    np.testing.assert_allclose(figures[3][0][2], w * g["x"].numpy() + b, rtol=1e-6, atol=1e-6)


def test_training_loop_keras_fit_trains_the_tf_variables(ran):
    """fit() logs each epoch's loss before that epoch's update: the hand loop's losses,
    one epoch behind, and the same weights at the end."""
    got = ran["basic_training_loops"][0]
    fit_loss = [value(v).item() for v in got["fit_loss"]]
    expected = [value(got["initial_loss"]).item()] + [value(v).item() for v in got["losses"][10:]]
    np.testing.assert_allclose(fit_loss, expected[:10], rtol=1e-5)
    np.testing.assert_allclose([value(v) for v in got["fit_weights"]],
                               [value(v) for v in got["keras_loop_weights"]], rtol=1e-5)


def test_training_loop_matches_tensorflow(ran):
    got = dict(ran["basic_training_loops"][0])
    theirs = dict(RECORDED["programs"]["basic_training_loops"]["outcomes"])
    # a deliberate difference (tests/tf_fidelity/differences.py,
    # keras.Model/tf_variable_attribute): Keras 3 does not track the tf.Variables of the
    # guide's keras.Model, so under TF 2.21 fit() trains nothing and its loss stays flat
    flat = [value(v).item() for v in theirs.pop("fit_loss")]
    assert max(flat) - min(flat) < 1e-5 * flat[0], flat
    assert [value(v).item() for v in theirs.pop("fit_weights")] == [5.0, 0.0]
    np.testing.assert_allclose(flat[0], value(theirs["initial_loss"]), rtol=1e-5)
    got.pop("fit_loss"), got.pop("fit_weights")
    problems = same(got, theirs, rtol=1e-5, where="basic_training_loops")
    assert not problems, problems


# ---- the custom training walkthrough ---------------------------------------------------------
WALKTHROUGH_TEST_ACCURACY = 0.7   # on the 30 held-out flowers, after 201 epochs at lr 0.01


def test_walkthrough_trains_and_classifies_held_out_iris(ran):
    got, g, printed = ran["custom_training_walkthrough"][:3]
    assert got["features"]["shape"] == [32, 4] and got["labels"]["dtype"] == "int64"
    losses = [value(v).item() for v in got["train_loss_results"]]
    accuracies = [value(v).item() for v in got["train_accuracy_results"]]
    assert len(losses) == 201 and losses[-1] < 0.5 * losses[0], (losses[0], losses[-1])
    assert accuracies[-1] > 0.75 and accuracies[-1] > accuracies[0] + 0.4
    assert value(got["test_accuracy"]) >= WALKTHROUGH_TEST_ACCURACY
    assert value(got["optimizer_iterations"]) == 1 + 201 * 4          # 120 flowers, batches of 32
    first, second = (value(v).item() for v in got["first_step_losses"])
    assert second < first                                         # one SGD step lowers the loss
    # '{}'.format of a float32 scalar tensor prints the Python float, as TF does
    assert f"Loss test: {value(got['l']).item()!r}\n" in printed
    assert "Test set accuracy: " in printed
    assert len(got["predicted_names"]) == 3
    assert set(got["predicted_names"]) <= set(g["class_names"])
    # the tutorial's plots: a scatter of the first batch; loss and accuracy by epoch
    figures = ran["custom_training_walkthrough"][3]
    assert len(figures) == 2 and len(figures[1]) == 2
    np.testing.assert_allclose(figures[1][0][0], losses, rtol=1e-6)
    np.testing.assert_allclose(figures[1][1][0], accuracies, rtol=1e-6)


def test_walkthrough_matches_tensorflow(ran):
    got = dict(ran["custom_training_walkthrough"][0])
    theirs = dict(RECORDED["programs"]["custom_training_walkthrough"]["outcomes"])
    # 805 SGD steps in float32 from TF's initial kernels: the losses agree to ~1e-7
    problems = same(got, theirs, rtol=1e-5, atol=1e-6, where="walkthrough")
    assert not problems, problems
    printed = ran["custom_training_walkthrough"][2]
    shown = float(printed.split("Loss test: ", 1)[1].split()[0])
    assert shown == pytest.approx(value(theirs["l"]).item(), rel=1e-6)

