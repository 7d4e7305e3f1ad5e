"""notebooks/04_pytorch_debugging.ipynb, executed headless as tests/test_notebooks.py runs the
others (its fixtures, a fresh kernel on this interpreter), with outputs and widget state
asserted: the dashboard charted every torch step, the step is drawn grouped by module, the
inspector shows the notebook's own line, the backward pass steps in autograd's order, and the
planted NaN is stopped at and found at its op and its line in the notebook."""
import re

import pytest
import test_notebooks
from test_notebooks import executed, jupyter_env  # noqa: F401  (its fixtures: run once here)
from test_notebooks import section_titles, svg_node_ids

pytest.importorskip("torch", reason='torch is not installed: pip install "tapeviz[torch]"')

NAME = "04_pytorch_debugging"


@pytest.fixture(scope="module")
def run(executed):  # noqa: F811
    return executed(NAME)


def test_committed_without_outputs_on_the_python3_kernel():
    test_notebooks.test_committed_without_outputs_on_the_python3_kernel(NAME)


def test_dashboard_charted_every_torch_step(run):
    dash, steps, losses = test_notebooks.charted_every_step(run, "import torch", (
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"))
    assert dash["tape_title"].startswith(f"step {steps}: 7 ops of the forward pass (")
    printed = run.stdout("await runner.wait()")
    first = f"{losses[0]:.3f}"
    assert printed.startswith(f"finished: {steps} steps, loss {first} -> ")
    assert float(re.search(r"test accuracy (\d\.\d+)", printed).group(1)) > 0.2


def test_step_drawn_by_module_inspected_and_stepped(run):
    recorded = run.widget("%%tapeviz --torch")
    assert recorded["title"].startswith("step 1 of 1: 7 ops")
    assert svg_node_ids(recorded["svg"])[0] == "g:DigitsCNN"      # collapsed by module
    assert re.fullmatch(r"loss \d\.\d{4}\n", run.stdout("%%tapeviz --torch"))

    widget = run.widget("with tvt.record()")
    assert widget["title"] == "torch tape: 7 ops"
    assert {"n0", "n6", "v0", "v5"} <= set(svg_node_ids(widget["svg"]))
    printed = run.stdout("with tvt.record()").splitlines()
    assert printed[0] == "conv2d → float32[32, 16, 6, 6]"          # the clicked node
    assert "   Feature maps (example 0, 16 of 16 channels)" in printed[1:]   # a title a line
    stepped = run.stdout("for _ in range(3)")
    assert max(map(len, stepped.splitlines())) <= 88, stepped   # Lab wrapped them mid-number
    assert re.findall(r"through (\w+)\s+\((op \d of the tape)\)", stepped) == \
        [("cross_entropy", "op 7 of the tape"), ("linear", "op 6 of the tape"),
         ("mean", "op 5 of the tape")]
    # the selection follows the step: the saved inspector is the mean's, at the model's line
    assert widget["stepper"]["count"] == 3 and widget["selected"] == "n4"
    source = widget["inspector"]["sections"][0]
    assert source["title"] == "Source" and "x = x.mean(dim=(2, 3))" in source["content"]
    assert re.match(r"Cell In\[\d+\], line 11 in forward", source["content"])
    assert {"Op", "Output", "Gradient"} <= set(section_titles(widget["inspector"]))


def test_planted_nan_stopped_at_and_found_at_the_notebooks_line(run):
    cell = run.cell("def my_cross_entropy")
    line = next(i for i, text in enumerate(cell.source.splitlines(), 1)
                if "torch.log(" in text)
    log_line = cell.source.splitlines()[line - 1].strip()
    printed = run.stdout("def my_cross_entropy")
    assert printed.splitlines() == ["loss: inf", "conv1.weight.grad finite: False"]
    where = rf"Cell In\[{cell.execution_count}\], line {line}"

    hit = run.stdout("from tapeviz.debugger.session import node_summary")
    assert re.match(rf"log in the forward pass at {where} \({re.escape(log_line)}\); matched "
                    rf"op='log', output has inf", hit), hit
    assert re.search(r"  input = probs\[torch\.arange\(len\(labels\)\), labels\]: +"
                     r"float32\[32\] min 0 max 1", hit)

    origin = run.stdout("origin = tvt.find_nan_origin")
    assert re.match(rf"log produced -inf in the forward pass at op \d+ of the tape \({where}: "
                    rf"{re.escape(log_line)}\)", origin), origin
    assert re.search(r"(\d+) of 32 inputs were 0 \(log\(0\) = -inf\)", origin)

    widget = run.widget("nan_widget = ")
    alert = widget["alerts"][0]
    assert alert["kind"] == "nan" and alert["message"].startswith("log produced -inf")
    assert f'<g id="{alert["node"]}" class="node' in widget["svg"]
    printed = run.stdout("nan_widget = ")   # each alert as the widget shows it, no raw key
    what, _, fix = alert["message"].partition("; fix: ")
    assert fix and f"{alert['label']}: {what}\n    fix: {fix}\n" in printed, printed
    assert printed.startswith(f"{alert['label']}: log produced -inf") and "[nan]" not in printed


def test_forgotten_zero_grad_diagnosed_at_the_notebooks_step_line(run):
    cell = run.cell("import textwrap")
    line = next(i for i, text in enumerate(cell.source.splitlines(), 1)
                if "optimizer.step()" in text)
    said = run.stdout("import textwrap")
    assert max(map(len, said.splitlines())) <= 88, said   # wrapped at spaces, not by Lab
    printed = [" ".join(said.split("\n")).strip()]   # the one finding
    assert printed[0].startswith("[accumulated_gradients] gradients pile up: .grad is never "
                                 "zeroed"), printed
    assert (f"the optimizer's update (optimizer.step()) at Cell In[{cell.execution_count}], "
            f"line {line}: optimizer.step()") in printed[0] and "adam_step" not in printed[0]
    assert printed[0].endswith("fix: call optimizer.zero_grad() in each step, before "
                               "loss.backward()")
