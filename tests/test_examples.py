"""The example programs run offline on built-in data and produce what they promise."""
import re

import pytest

from programs import load_example


def test_tape_demo_prints_the_tape_and_gradients(capsys):
    load_example("tape_demo")
    out = capsys.readouterr().out
    assert "the tape recorded 6 ops" in out
    assert "line 12: h = tf.matmul(x, w) + b" in out
    # the variable is "w:0", or "w_1:0" if an earlier test made a "w" (TF's global counter)
    assert "step at #0  matmul" in out and re.search(r"d loss / d w(_\d+)?:0", out)


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
