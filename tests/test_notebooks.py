"""The notebooks in notebooks/, executed headless with nbclient, outputs and widget state asserted.

Each notebook runs once per session, in a temp copy of its folder (its HTML export lands
there), on a kernel that is this interpreter: the browser harness's Jupyter directories
provide the "python3" kernelspec. `TAPEVIZ_DEBUGGER` is unset, so a breakpoint picks its
debugger as it would for a user; nbclient allows no input, so the hit is recorded and the
breakpoint's `action="continue"` goes on. The widgets' final trait values come from the
state nbclient saves in the notebook's metadata, as a front end would restore them.
"""
import base64
import json
import pathlib
import re
import shutil
import time

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed "
                               "(pip install -e '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed "
                               "(pip install -e '.[test]')")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install -e '.[test]')")

# the browser tests' set-up
from browser.jupyter_server import jupyter_environment, kernel_config  # noqa: E402

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["01_eager_basics", "02_regression_debugging", "03_mnist_debugging"]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT = 180   # seconds; a whole notebook takes 2-30 s on two cores
# values the tests run with, lower than a reader's (03 trains long enough to press Pause)
PARAMETERS = {"03_mnist_debugging": {"EPOCHS": 8}, "04_pytorch_debugging": {"EPOCHS": 8}}


class Run:
    """An executed notebook: its cells, saved widget state, folder and wall time."""

    def __init__(self, nb, folder, seconds):
        self.nb, self.folder, self.seconds = nb, folder, seconds
        self.models = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def cell(self, starts: str):
        """The one code cell whose source starts with `starts`."""
        found = [c for c in self.nb.cells if c.cell_type == "code" and c.source.startswith(starts)]
        assert len(found) == 1, f"{len(found)} code cells start with {starts!r}"
        return found[0]

    def stdout(self, starts: str) -> str:
        return "".join(out.text for out in self.cell(starts).outputs
                       if out.output_type == "stream" and out.name == "stdout")

    def widget(self, starts: str) -> dict:
        """The saved state of the one widget the cell displayed."""
        views = [out.data[WIDGET_VIEW]["model_id"] for out in self.cell(starts).outputs
                 if WIDGET_VIEW in out.get("data", {})]
        assert len(views) == 1, f"the cell {starts!r} displayed {len(views)} widgets"
        assert views[0] in self.models, "the displayed widget's state was not saved"
        model = self.models[views[0]]
        state = json.loads(json.dumps(model["state"]))
        for buffer in model.get("buffers", []):   # binary traits, put back as a front end does
            *parents, key = buffer["path"]
            place = state
            for part in parents:
                place = place[part]
            place[key] = base64.b64decode(buffer["data"])
        return state


def set_parameter(nb, variable: str, value) -> None:
    """Set the one line `variable = ...` of the notebook's code cells to `value`."""
    pattern = re.compile(rf"^{variable} = [^#\n]*", re.M)
    found = [c for c in nb.cells if c.cell_type == "code" and pattern.search(c.source)]
    assert len(found) == 1, f"{len(found)} cells set {variable}"
    found[0].source = pattern.sub(f"{variable} = {value!r}  ", found[0].source)


def svg_node_ids(svg: str) -> list:
    return re.findall(r'<g id="([^"]+)" class="node', svg)


def numbers(series: bytes, dtype: str) -> list:
    """A dashboard series' steps or values (little-endian binary buffers) as a list."""
    return np.frombuffer(series, dtype).tolist()


def section_titles(inspector: dict) -> list:
    return [section["title"] for section in inspector.get("sections", [])]


@pytest.fixture(scope="module")
def jupyter_env(tmp_path_factory):
    """Jupyter and IPython dirs in a temp dir whose "python3" kernel is `sys.executable`."""
    env = jupyter_environment(tmp_path_factory.mktemp("jupyter"))
    with pytest.MonkeyPatch.context() as patch:
        for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                    "IPYTHONDIR"):
            patch.setenv(var, env[var])
        patch.delenv("TAPEVIZ_DEBUGGER", raising=False)
        yield


@pytest.fixture(scope="module")
def executed(jupyter_env, tmp_path_factory):
    """`executed(name)`: the notebook run once (later calls reuse that run)."""
    runs = {}

    def run(name):
        if name not in runs:
            folder = tmp_path_factory.mktemp(name)
            shutil.copy(NOTEBOOKS / f"{name}.ipynb", folder)
            nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
            for variable, value in PARAMETERS.get(name, {}).items():
                set_parameter(nb, variable, value)
            client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                             resources={"metadata": {"path": str(folder)}},
                                             config=kernel_config())
            start = time.monotonic()
            client.execute()   # a failing cell raises CellExecutionError with its traceback
            runs[name] = Run(nb, folder, time.monotonic() - start)
            print(f"{name}: executed in {runs[name].seconds:.1f} s")
        return runs[name]

    return run


# ---- the committed files -------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs_on_the_python3_kernel(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert set(nb.metadata) == {"kernelspec", "language_info"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
        assert cell.metadata == {}, cell.source[:60]
    assert not re.search(r"/work/|/home/|/tmp/", json.dumps(nb)), "a machine path"


# ---- 01: the eager guide, then the tape drawn ---------------------------------------------
def test_eager_guide_prints(executed):
    run = executed("01_eager_basics")
    assert run.stdout('x = [[2.]]') == "hello, [[4.]]\n"
    assert run.stdout("a = tf.constant") == \
        "tapeviz.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)\n"
    assert run.stdout("# Broadcasting") == \
        "tapeviz.Tensor(\n[[2 3]\n [4 5]], shape=(2, 2), dtype=int32)\n"
    assert run.stdout("# Operator overloading") == \
        "tapeviz.Tensor(\n[[ 2  6]\n [12 20]], shape=(2, 2), dtype=int32)\n"
    assert run.stdout("# Use NumPy values") == "[[ 2  6]\n [12 20]]\n"
    assert run.stdout("# Obtain numpy value") == "[[1 2]\n [3 4]]\n"
    assert run.stdout("def fizzbuzz").split() == \
        ["1", "2", "Fizz", "4", "Buzz", "Fizz", "7", "8", "Fizz", "Buzz", "11", "Fizz", "13",
         "14", "FizzBuzz"]
    assert run.stdout("w = tf.Variable([[1.0]])") == \
        "tapeviz.Tensor([[2.]], shape=(1, 1), dtype=float32)\n"


def test_eager_tapes_drawn_clicked_stepped_and_exported(executed):
    run = executed("01_eager_basics")
    cell_magic = run.widget("%%tapeviz")
    assert cell_magic["title"].startswith("step 1")
    assert sorted(svg_node_ids(cell_magic["svg"])) == ["n0", "v0"]    # w, and w * w
    assert ">w<" in cell_magic["svg"] and ">× multiply<" in cell_magic["svg"]   # no TF ':0'

    dense = run.widget("from tapeviz.viz import TapeWidget")
    assert dense["title"] == "persistent tape: 8 ops"
    ids = svg_node_ids(dense["svg"])
    assert [i for i in ids if i.startswith("n")] == [f"n{i}" for i in range(8)]
    assert {"v0", "v1", "v2", "v3"} <= set(ids)                        # w1, b1, w2, b2
    for label in ("@ matmul", "relu", "x² square", "reduce_mean", "w1", "b2"):
        assert f">{label}<" in dense["svg"], label
    # two backward steps from the loss: reduce_mean's VJP, then square's, which the
    # inspector follows (the selection made in the cell before moves with the step)
    assert dense["stepper"]["count"] == 2 and dense["stepper"]["op"] == "square"
    assert dense["highlight"] == dense["selected"] == dense["stepper"]["node"] == "n6"
    assert dense["inspector"]["title"].startswith("square")
    assert {"Op", "Source", "Output", "Gradient"} <= set(section_titles(dense["inspector"]))
    assert "loss = tf.reduce_mean(tf.square(y_pred - y_true))" in dense["stepper"]["source"]
    # the selection of the first matmul printed its inspector before stepping
    printed = run.stdout("first_matmul")
    assert printed.startswith("matmul → float32[4, 5]") and "Heatmap" in printed

    # in the strip's words, the op placed as the inspector places it (was 'now at: square (n6)')
    assert "steps applied: 2 | stepped through: square (op 7 of the tape)" in \
        run.stdout("widget.step()")
    export = run.folder / "eager_basics.html"
    html = export.read_text(encoding="utf-8")
    assert f"wrote eager_basics.html ({export.stat().st_size // 1024} kB)" in \
        run.stdout("path = widget.save")
    assert '<g id="n6" class="node' in html and "<script" in html
    assert not re.search(r"""(src|href)=["']https?:""", html), "the export must work offline"


# ---- 02: Huber regression: a step's tape, its backward pass, a breakpoint, the fit --------
def test_regression_step_tape_and_branch(executed):
    run = executed("02_regression_debugging")
    assert "Data: SYNTHETIC" in run.stdout("import itertools")
    widget = run.widget("with Recorder() as rec")
    assert widget["step_count"] == 3 and widget["step_index"] == 0     # the slider moved
    listing = run.stdout("widget.show_step(0)")
    assert listing.startswith("step 1 of 3:")
    # the else branch's ops are on the tape, t ** 2's pow is not
    ops = re.findall(r"^  (\w+) ", listing, re.M)   # no node ids: they are drawn nowhere
    assert ops[:9] == ["multiply", "add", "subtract", "abs", "less_equal", "abs", "multiply",
                       "subtract", "multiply"]
    assert "pow" not in ops
    assert "m * (2 * tf.abs(t) - m)" in listing
    assert {"c0", "v0", "v1", "n0", "n8"} <= set(svg_node_ids(widget["svg"]))
    assert ">|x| abs<" in widget["svg"] and ">w<" in widget["svg"] and ">w:0<" not in widget["svg"]

    steps = run.stdout("for _ in range(4)")
    assert re.findall(r"through (\w+)\s+\((op \d+ of step 1)\)", steps) == \
        [("multiply", "op 9 of step 1"), ("subtract", "op 8 of step 1"),
         ("multiply", "op 7 of step 1"), ("abs", "op 6 of step 1")]
    # Continue ran the rest: the state saved is the finished backward pass
    assert widget["stepper"]["done"] is True and widget["stepper"]["count"] == 7
    assert [name for name, _ in widget["stepper"]["gradients"]] == ["w", "b"]
    assert widget["inspector"]["id"] == widget["selected"] == widget["stepper"]["node"]
    assert "done: True after 7 backward steps" in run.stdout("widget.continue_()")


def test_regression_breakpoint_on_abs(executed):
    run = executed("02_regression_debugging")
    assert run.stdout("bp = tf.debugger.break_on") == ""
    described, summary = run.stdout("from tapeviz.debugger.session").split("\n\n", 1)
    assert re.fullmatch(r"abs in the forward pass at Cell In\[\d+\], line \d+ "
                        r"\(return t \*\* 2 if tf\.abs\(t\) "
                        r"<= m else m \* \(2 \* tf\.abs\(t\) - m\)\); matched op='abs'",
                        described), described
    assert summary.startswith("abs [math] in the forward pass")
    assert "in huber_loss" in summary and "  x:      float32 scalar " in summary


def test_regression_fits_the_data_and_plots_it(executed):
    from tapeviz.datasets import synthetic_birth_life
    run = executed("02_regression_debugging")
    printed = run.stdout("import time")
    assert "Training; loss function: huber_loss" in printed
    assert len(re.findall(r"^Epoch \d+: ", printed, re.M)) == 10
    fit = re.search(r"w = (-?\d+\.\d+), b = (-?\d+\.\d+)", printed)
    w, b = float(fit.group(1)), float(fit.group(2))
    data, _ = synthetic_birth_life()
    w_ls, b_ls = np.polyfit(data[:, 0].astype(np.float64), data[:, 1].astype(np.float64), 1)
    # a Huber fit (m=1 on noise of ~6 years) is close to, not equal to, least squares
    assert abs(w - w_ls) < 0.5 and abs(b - b_ls) < 2.5, (w, b, w_ls, b_ls)
    plot = run.cell("%matplotlib inline")
    assert any("image/png" in out.get("data", {}) for out in plot.outputs)
    near = run.stdout("residuals = ")
    taped = re.search(r"taped ops: (\[.*\])", near).group(1)
    assert "'pow'" in taped and taped.count("'abs'") == 1   # the other branch: t ** 2


# ---- 03: MNIST under the dashboard, feature maps and saliency, a NaN found -----------------
def charted_every_step(run, data_cell: str, parameters: tuple):
    """The dashboard of a notebook's training cell (`EPOCHS = ...`) after its run: finished,
    one loss per step falling, one gradient norm per step for each of `parameters`, no
    control left pressed. Returns the dashboard's state, the step count and the losses."""
    batches = int(re.search(r"(\d+) batches of 32", run.stdout(data_cell)).group(1))
    epochs = int(re.search(r"^EPOCHS = (\d+)", run.cell("EPOCHS =").source, re.M).group(1))
    steps = batches * epochs
    dash = run.widget("EPOCHS =")
    assert dash["mode"] == "runner" and dash["state"] == "finished", dash["status"]
    assert dash["step_count"] == steps and dash["error"] == ""
    assert numbers(dash["loss"]["steps"], "<i4") == list(range(1, steps + 1))
    losses = numbers(dash["loss"]["values"], "<f4")
    assert len(losses) == steps and losses[-1] < losses[0]
    assert {s["name"]: len(numbers(s["values"], "<f4")) for s in dash["grad_norms"]} == \
        {name: steps for name in parameters}
    assert not any(dash["controls"].values())
    return dash, steps, losses


def test_mnist_dashboard_ran_every_step(executed):
    run = executed("03_mnist_debugging")
    dash, steps, _ = charted_every_step(run, "import numpy", (
        "conv2d/kernel", "conv2d/bias", "conv2d_1/kernel", "conv2d_1/bias",
        "dense/kernel", "dense/bias"))
    assert "conv2d" in dash["svg"]
    printed = run.stdout("await runner.wait()")
    assert printed.startswith(f"finished: {steps} steps, loss 2.30")
    assert float(re.search(r"test accuracy (\d\.\d+)", printed).group(1)) > 0.2


def test_mnist_step_feature_maps_and_saliency(executed):
    run = executed("03_mnist_debugging")
    recorded = run.widget("%%tapeviz")
    total, shown = map(int, re.match(r"(\d+) nodes, (\d+) shown", recorded["status"]).groups())
    assert total > 50 and shown <= 40   # 59 ops: Adam updates each variable with 4 ops
    ids = svg_node_ids(recorded["svg"])
    assert {"g:sequential", "g:sparse_categorical_crossentropy", "g:Adam"} <= set(ids)
    assert len(ids) == shown and not any(i.startswith("n") for i in ids)   # ops all grouped
    assert "loss " in run.stdout("%%tapeviz")

    widget = run.widget("widget = TapeWidget(tape")
    conv = widget["selected"]
    assert conv == "n0" and '<g id="n0" class="node kind&#45;conv' in widget["svg"]
    selected = run.stdout("widget = TapeWidget(tape")
    assert selected.startswith("conv2d → float32[32, 6, 6, 16]")
    assert "Feature maps" in selected and "Filters" in selected
    # stepped back to that conv: the inspector adds the images' gradient as a saliency map
    assert widget["highlight"] == conv and widget["stepper"]["op"] == "conv2d"
    assert widget["stepper"]["count"] > 0
    assert widget["stepper"]["input_grads"][0].startswith("float32[32, 8, 8, 1]")
    # the strip's words, no node id (was 'now at conv2d (n0)')
    assert "backward steps: stepped through conv2d (op 1 of the tape)\n" in \
        run.stdout("while widget.stepper")
    titles = section_titles(widget["inspector"])
    assert any(t.startswith("Feature maps") for t in titles)
    assert any("Filters" in t for t in titles)
    saliency = [s for s in widget["inspector"]["sections"] if "saliency" in s["title"]]
    assert len(saliency) == 1 and saliency[0]["type"] == "img"
    assert saliency[0]["content"].startswith("data:image/png;base64,")


def test_mnist_planted_nan_found(executed):
    run = executed("03_mnist_debugging")
    assert run.stdout("def my_cross_entropy").strip() == "loss: nan"
    origin = run.stdout("origin = find_nan_origin")
    assert origin.startswith("log produced nan in the forward pass")
    assert "log_probs = tf.math.log(logits)" in origin
    assert re.search(r"\d+ of \d+ inputs were negative \(log\(x < 0\) = NaN\)", origin), origin
    widget = run.widget("nan_widget = ")
    alert = widget["alerts"][0]
    assert alert["kind"] == "nan" and alert["message"].startswith("log produced nan")
    assert f'<g id="{alert["node"]}" class="node' in widget["svg"]
    printed = run.stdout("nan_widget = ")   # each alert as the widget shows it, no raw key
    what, _, fix = alert["message"].partition("; fix: ")
    assert fix and f"{alert['label']}: {what}\n    fix: {fix}\n" in printed, printed
    assert printed.startswith(f"{alert['label']}: log produced nan") and "[nan]" not in printed
    raised = run.stdout("tf.debugging.enable_check_numerics()")
    assert raised.startswith("InvalidArgumentError: log: produced nan")
    assert "in my_cross_entropy" in raised
    given = run.stdout("corrupt = images.numpy()")   # a NaN in the data: the op given it
    assert given.startswith("conv2d was given nan from outside the tape (no op made it)")
    assert "(of 2048 values, the first at index [3, 4, 5, 0])" in given, given
    assert "; `corrupt` (its input) already held 1 NaN" in given, given   # as the line passed it
    assert "data_logits = mnist_model(corrupt, training=True)" in given
