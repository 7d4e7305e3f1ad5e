"""Where a user's line is, as they would name it: one formatter, `SourceInfo.location`."""
import os

import pytest

import tapeviz as tf
from tapeviz import sourceinfo
from tapeviz.sourceinfo import SourceInfo


def recorded_source():
    with tf.GradientTape() as tape:
        x = tf.constant(2.0)
        tape.watch(x)
        tf.exp(x)   # marker: recorded here
    return tape.nodes[0].source


def test_a_file_under_the_working_directory_reads_relative(tmp_path, monkeypatch):
    script = tmp_path / "project" / "train.py"
    monkeypatch.chdir(tmp_path)
    source = SourceInfo(str(script), 14, "<module>")
    assert source.location == os.path.join("project", "train.py") + ":14"
    assert str(source) == source.location          # no "in <module>" for top-level code


def test_a_file_elsewhere_keeps_its_path_when_relative_is_longer(tmp_path, monkeypatch):
    deep = tmp_path / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    outside = os.path.abspath(os.sep + "x.py")
    assert os.path.relpath(outside) != outside
    assert SourceInfo(outside, 3, "step").location == f"{outside}:3"


def test_str_names_the_function_the_line_is_in():
    source = SourceInfo("<stdin>", 2, "loss_fn")
    assert source.location == "<stdin>:2"
    assert str(source) == "<stdin>:2 in loss_fn"


def test_location_is_made_on_first_use_and_kept(monkeypatch):
    calls = []

    def counting(filename):
        calls.append(filename)
        return None

    monkeypatch.setattr(sourceinfo, "_cell_name", counting)
    source = recorded_source()                      # recording formats nothing
    assert calls == [] and source.lineno > 0
    first = source.location
    assert source.location is first and calls == [source.filename]
    assert first.endswith(f"test_sourceinfo.py:{source.lineno}")


def test_an_ipython_cell_reads_as_its_traceback_would():
    pytest.importorskip("IPython")
    from IPython.testing import globalipapp
    shell = globalipapp.get_ipython()
    count = shell.execution_count        # the number this cell runs as
    result = shell.run_cell("import tapeviz as tf\n"
                            "with tf.GradientTape() as t:\n"
                            "    x = tf.constant(1.0); t.watch(x)\n"
                            "    y = tf.exp(x)\n"
                            "_source = t.nodes[0].source\n")
    assert result.success, result.error_in_exec
    source = shell.user_ns.pop("_source")
    assert source.location == f"Cell In[{count}], line 4"
    assert str(source) == source.location


def test_errors_and_node_reprs_name_the_location():
    x = tf.constant([1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError) as err:
        tf.matmul(x, x)   # marker: bad matmul
    source = err.value.source
    assert f"at {source.location} in test_errors_and_node_reprs_name_the_location" \
        in str(err.value)
    path = min(os.path.relpath(__file__), __file__, key=len)
    assert source.location == f"{path}:{source.lineno}"
