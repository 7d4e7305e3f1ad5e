"""The example programs run offline on built-in data and produce what they promise."""
import ast
import gzip
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from programs import EXAMPLES, line_of, load_example

import tapeviz as tf


def test_tape_demo_prints_the_tape_and_gradients(capsys):
    load_example("tape_demo").main([])
    out = capsys.readouterr().out
    assert "the tape recorded 6 ops" in out
    line = line_of(EXAMPLES / "tape_demo.py", "h = tf.matmul(x, w) + b")
    assert f"line {line}: h = tf.matmul(x, w) + b" in out
    # the variable is "w:0", or "w_1:0" if an earlier test made a "w" (TF's global counter)
    # each op as the widget places it, the backward steps as its strip says them
    assert "  op 1  matmul" in out and "stepped through matmul (op 1 of the tape)" in out
    ops = [text for text in out.splitlines() if text.startswith("  op ")]
    assert len({text.index("   line ") for text in ops}) == 1, ops   # one column of lines
    assert "#" not in out and re.search(r"d loss / d w(_\d+)?:0", out)


def test_regression_example_fits_the_synthetic_stand_in(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "fit.png"
    w, b, _ = load_example("regression").main(["--plot", str(plot)])  # the lecture's 100 epochs
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "Epoch 90:" in out and "Took:" in out
    # the stand-in is drawn around life = 85.7 - 5.7 * birth rate
    assert -7.0 < w < -5.0 and 80.0 < b < 88.0
    assert plot.stat().st_size > 1000


def test_mnist_example_learns_the_offline_digits(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    plot = tmp_path / "loss.png"
    losses, accuracy = load_example("mnist").main(["--plot", str(plot)])
    out = capsys.readouterr().out
    assert "Training for 30 epochs of 44 batches" in out
    assert "Epoch 29 finished" in out and "Test accuracy" in out
    assert len(losses) == 30 * 44
    assert sum(losses[-44:]) / 44 < 0.5 * sum(losses[:44]) / 44
    assert accuracy > 0.6  # chance is 0.1; ~0.87 measured
    assert plot.stat().st_size > 1000


def write_idx(path, array, magic):
    """`array` (uint8) as a gzipped IDX file: magic, each dimension, then the bytes."""
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_mnist_example_trains_on_a_split_of_a_folder_that_holds_only_t10k(
        tmp_path, capsys, shared_data):
    pytest.importorskip("matplotlib")
    mnist = load_example("mnist")
    (x, y), (tx, ty) = mnist.load_folder(shared_data / "mnist")   # the real 10,000
    out = capsys.readouterr().out
    assert "holds only MNIST's test split (10,000 images): training on 8,000 of them and " \
           "testing on the other 2,000" in out
    assert (x.shape, tx.shape) == ((8000, 28, 28), (2000, 28, 28))
    assert set(np.unique(y)) == set(range(10)) and set(np.unique(ty)) == set(range(10))
    # the program itself, on a folder of only the first 320 t10k images and labels
    small = tmp_path / "t10k_only"
    small.mkdir()
    write_idx(small / "t10k-images-idx3-ubyte.gz", np.concatenate([x, tx])[:320], 2051)
    write_idx(small / "t10k-labels-idx1-ubyte.gz", np.concatenate([y, ty])[:320], 2049)
    losses, accuracy = mnist.main(["--mnist", str(small), "--epochs", "1",
                                   "--plot", str(tmp_path / "loss.png")])
    out = capsys.readouterr().out
    assert "training on 256 of them and testing on the other 64" in out
    assert "Training for 1 epochs of 8 batches" in out and len(losses) == 8
    assert "Evaluating on 64 held-out images" in out and 0.0 <= accuracy <= 1.0


def test_example_help_shows_each_default(capsys):
    figures = "--data birth_life_2010.txt --loss squared --learning-rate 0.001"
    for name, said in [("mnist", ["(default: mnist_loss.png)", "(default: None)"]),
                       ("regression", ["(default: 100)", "(default: 0.01)", "(default: huber)",
                                       f"The lecture's published figures: {figures}"])]:
        with pytest.raises(SystemExit) as exit_:
            load_example(name).parse_args(["--help"])
        assert exit_.value.code == 0
        out = " ".join(capsys.readouterr().out.split())   # as argparse wrapped it, unwrapped
        assert all(text in out for text in said), (name, out)


def test_demo_runs_the_first_notebook_headless_and_writes_its_export(tmp_path, capsys):
    pytest.importorskip("nbclient")
    pytest.importorskip("anywidget")
    assert load_example("demo").main(["--headless", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    export = tmp_path / "eager_basics.html"
    assert f"Tape widget export (opens offline): {export}" in out
    page = export.read_text()
    assert page.startswith("<!DOCTYPE html>") and 'class="node' in page
    assert (tmp_path / "01_eager_basics.ipynb").stat().st_size > 10_000   # with outputs


def test_python_m_tapeviz_says_what_is_there_and_shows_a_tape_works(tmp_path):
    picture = tmp_path / "tape.svg"
    run = subprocess.run([sys.executable, "-m", "tapeviz", "--svg", str(picture)],
                         capture_output=True, text=True, check=True, cwd=tmp_path)
    out = run.stdout
    assert out.startswith(f"tapeviz {tf.__version__} ")
    assert "A tape of 4 ops" in out and "op 1 matmul([1, 2], [2, 2]) -> [1, 2]" in out
    w = np.array([[0.5, -1.0], [2.0, 0.25]])
    x = np.array([[1.0, 2.0]])
    t = np.tanh(x @ w)                                  # d sum(tanh(xw)^2) / dw, by hand
    expected = x.T @ (2 * t * (1 - t * t))
    shown = ast.literal_eval(re.search(r"d loss / d w = (.*)", out).group(1))
    np.testing.assert_allclose(shown, expected, atol=1e-4)
    assert picture.read_text().lstrip().startswith("<svg") and "matmul" in picture.read_text()
    assert "%load_ext tapeviz" in out and "break_on" in out
    usage = subprocess.run([sys.executable, "-m", "tapeviz", "--help"], capture_output=True,
                           text=True, check=True).stdout
    assert usage.startswith("usage: python -m tapeviz") and "--svg FILE" in usage


def test_ten_bugs_tour_names_each_bugs_op_and_marked_line():
    """examples/ten_bugs.py, run as a student runs it: for each bug the step its symptom
    calls for, and what tapeviz said names the op (the variable or tensor, for a None
    gradient), the line marked `# BUG n:` in ten_bugs.py and the usual fix."""
    script = EXAMPLES / "ten_bugs.py"
    expected = {  # bug: (the step taken, the op or variable named, the fix suggested)
        1: ("enable_check_numerics", "log: produced -inf", "clip the input away from 0"),
        2: ("diagnose(rec)", "assign_sub (in SGD) changed", "the learning rate is too large"),
        3: ("enable_check_numerics", "truediv: produced nan", "add an epsilon to the divisor"),
        4: ("diagnose(rec)", "subtract broadcast (48, 1) and (48,)", "tf.squeeze"),
        5: ("read the warning", "the output of softmax (layer ", "Pass the logits"),
        6: ("diagnose(rec)", "relu outputs only zeros",
            "leaky_relu"),
        7: ("read the warning", "variable 'temperature' was never read",
            "Use it in the loss"),
        8: ("why_none", "the tensor images (uint8", "tf.cast(x, tf.float32) before the tape"),
        9: ("why_none", "the chain from variable 'w' to the target was cut",
            "keep the computation in tapeviz ops"),
        10: ("diagnose(rec)", "through 8 sigmoid ops", "use relu")}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True, cwd=EXAMPLES.parent).stdout
    sections = dict(re.findall(r"^== Bug (\d+): .*?\n(.*?)(?=^== Bug |\Z)", out, re.M | re.S))
    assert sorted(map(int, sections)) == sorted(expected)
    for number, (step, names_op, fix) in expected.items():
        section = sections[str(number)]
        taken, said = re.search(r"step: (.*)\n\s+tapeviz said:\n(.*)", section, re.S).groups()
        line = line_of(script, f"# BUG {number}:")
        assert step in taken, (number, taken)
        assert names_op in said and fix in said, (number, said)
        assert re.search(rf"ten_bugs\.py:{line}\b", said), (number, line, said)
    one = subprocess.run([sys.executable, str(script), "--bug", "4"], capture_output=True,
                         text=True, check=True).stdout
    assert one.startswith("== Bug 4: ") and one.count("== Bug ") == 1
    usage = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                           text=True, check=True).stdout
    assert "--bug" in usage and "why_none" in usage


def test_demo_without_a_display_says_so_and_runs_headless_as_readme_promises(
        monkeypatch, tmp_path, capsys):
    """README's first command where no browser can open (SSH, CI): no --headless needed."""
    demo = load_example("demo")
    monkeypatch.setattr(demo.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    ran = []
    monkeypatch.setattr(demo, "run_headless", lambda out: ran.append(out) or 0)
    monkeypatch.setattr(demo, "open_lab", lambda: pytest.fail("JupyterLab started"))
    monkeypatch.chdir(tmp_path)
    assert demo.main([]) == 0
    assert ran == [tmp_path / "demo_output"]
    assert "No browser can open here" in capsys.readouterr().out


def test_every_example_is_run_by_a_test_here():
    """A new examples/*.py is run here (README names each: tests/test_readme.py)."""
    source = pathlib.Path(__file__).read_text()
    ran = set(re.findall(r'load_example\("(\w+)"\)', source))
    ran |= set(re.findall(r'EXAMPLES / "(\w+)\.py"', source))
    assert {path.stem for path in EXAMPLES.glob("*.py")} <= ran, ran
