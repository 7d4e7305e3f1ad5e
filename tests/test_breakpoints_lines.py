"""File:line breakpoints stay exact while dispatch skips the lines none of them names: a line
found unheard under one set of breakpoints is asked again under the next, and call sites of
different code in one file keep their own lines."""
import importlib
import importlib.util
import sys

import pytest
from programs import line_of

import tapeviz as tf
from tapeviz import events, sourceinfo
from tapeviz.debugger import break_on

pytestmark = pytest.mark.usefixtures("quiet_breakpoints")


def _step(x, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.exp(x) * x)              # line: loss of the step
    grads = tape.gradient(loss, [x])                     # line: gradient of the step
    optimizer.apply_gradients(zip(grads, [x]))           # line: apply of the step


def _helper(x):
    scale = lambda v: v * 3.0   # noqa: E731   line: the helper's lambda
    y = tf.exp(x)               # line: the helper's exp
    return scale(y)


def _outer(x):
    z = x + 1.0                 # line: the outer function's add
    return _helper(z)


def _users_exp(v):
    return tf.exp(v)            # line: the user's exp, reached from a shared call site


def _through_one_site(x, callees):
    return [callee(x) for callee in callees]   # line: one call site, tapeviz's or the user's


def test_ops_in_code_none_of_whose_lines_is_named_keep_the_fast_path_and_find_no_line():
    """A file:line breakpoint elsewhere rejects an untaped op by its code's lines, once per
    code object: the op's call site is never interned (no line looked up for it)."""
    cell = {"tf": tf}
    exec(compile("def f(x):\n    return tf.exp(x) * 2.0\n", "<fresh-cell>", "exec"), cell)
    with pytest.warns(UserWarning, match="no file loaded so far"):
        bp = break_on(file="no_such_file.py", line=1, action="continue")
    interned = len(sourceinfo._sites)
    for value in (1.0, 2.0):
        cell["f"](tf.constant(value))
    assert len(sourceinfo._sites) == interned
    assert bp.hits == []
    bp.clear()
    seen = []   # the same code heard by a listener of its file: its lines found as before
    events.subscribe(seen.append, sites=lambda source: source.filename == "<fresh-cell>")
    try:
        cell["f"](tf.constant(3.0))
    finally:
        events.unsubscribe(seen.append)
    assert [(e.node.op.name, e.node.source.lineno) for e in seen] == [("exp", 2),
                                                                      ("multiply", 2)]


def test_a_lambdas_and_a_nested_helpers_lines_stop_while_their_callers_lines_are_refused():
    """Code judged by its own lines: a breakpoint on a lambda's line stops in the lambda
    (its maker's other ops stay unheard), and one on a helper's line stops there when a
    function none of whose lines is named calls it; each hit says the user's own line."""
    lambda_line = line_of(__file__, "# noqa: E731   line: the helper's lambda")
    bp = break_on(file="test_breakpoints_lines.py", line=lambda_line, action="continue")
    for _ in range(2):
        _outer(tf.constant(1.0))
    assert [(h.node.op.name, h.node.source.lineno, h.node.source.function)
            for h in bp.hits] == [("multiply", lambda_line, "<lambda>")] * 2
    bp.clear()
    exp_line = line_of(__file__, "# line: the helper's exp")
    bp = break_on(file="test_breakpoints_lines.py", line=exp_line, action="continue")
    for _ in range(2):
        _outer(tf.constant(1.0))
    assert [(h.node.op.name, h.node.source.lineno, h.node.source.function)
            for h in bp.hits] == [("exp", exp_line, "_helper")] * 2


def test_a_line_skipped_under_one_breakpoint_stops_under_the_next():
    x = tf.Variable([1.0, 2.0])
    optimizer = tf.keras.optimizers.SGD(0.1)
    elsewhere = break_on(file="test_breakpoints_lines.py", line=1, action="continue")
    _step(x, optimizer)   # the step's lines are found unheard by this breakpoint
    assert elsewhere.hits == []
    backward = break_on(file="test_breakpoints_lines.py", action="continue",
                        line=line_of(__file__, "# line: gradient of the step"))
    updates = break_on(file="test_breakpoints_lines.py", action="continue",
                       line=line_of(__file__, "# line: apply of the step"))
    _step(x, optimizer)
    assert [h.node.phase for h in backward.hits] == ["backward"] * len(backward.hits)
    assert {h.node.op.name for h in backward.hits} >= {"multiply", "add"}
    assert [h.node.op.name for h in updates.hits] == ["multiply", "assign_sub", "assign_add"]
    assert {h.node.source.lineno for h in updates.hits} == \
        {line_of(__file__, "# line: apply of the step")}
    backward.clear()
    updates.clear()
    _step(x, optimizer)   # cleared: the same lines are skipped again, nothing more stops
    assert len(updates.hits) == 3 and elsewhere.hits == []


def test_code_from_one_file_name_keeps_each_call_sites_line():
    """Two pieces of code run from strings share the file name '<string>': the walk judges
    them by it (not tapeviz's), and each call site keeps its own line and function."""
    first, second = {"tf": tf}, {"tf": tf}
    exec(compile("def f(x):\n    return tf.exp(x)\n", "<string>", "exec"), first)
    exec(compile("\n\n\ndef g(x):\n    y = x\n    return tf.exp(y)\n", "<string>", "exec"),
         second)
    seen = []
    events.subscribe(seen.append, sites=lambda source: source.filename == "<string>")
    try:
        first["f"](tf.constant(1.0))
        second["g"](tf.constant(1.0))
        first["f"](tf.constant(2.0))
    finally:
        events.unsubscribe(seen.append)
    assert [(e.node.source.lineno, e.node.source.function) for e in seen] == \
        [(2, "f"), (6, "g"), (2, "f")]


def test_an_update_op_named_by_a_breakpoint_is_said_from_the_apply_line():
    """A breakpoint that names its ops does not make the optimizer find its line for every
    update; the update it names still stops at the line that called apply_gradients."""
    assert not events.hears_unnamed_ops()
    bp = break_on(op="assign_sub", action="continue")
    assert not events.hears_unnamed_ops()
    _step(tf.Variable([1.0, 2.0]), tf.keras.optimizers.SGD(0.1))
    assert [(h.node.op.name, h.node.source.lineno) for h in bp.hits] == \
        [("assign_sub", line_of(__file__, "# line: apply of the step"))]
    bp.clear()
    events.subscribe(print, sites=lambda source: False)
    try:
        assert events.hears_unnamed_ops()
    finally:
        events.unsubscribe(print)


def test_a_layer_breakpoint_does_not_find_the_apply_line_but_stops_there_in_the_updates():
    """A breakpoint by layer hears an update's ops only inside its layer, so the optimizer
    does not find its line for every apply; one whose layer is the optimizer's scope still
    stops at each update op with the line that called apply_gradients."""
    optimizer = tf.keras.optimizers.SGD(0.1)
    elsewhere = break_on(layer="no_such_layer", action="continue")
    assert not events.hears_unnamed_ops()
    elsewhere.clear()
    bp = break_on(layer=optimizer.name, action="continue")
    assert not events.hears_unnamed_ops()
    _step(tf.Variable([1.0, 2.0]), optimizer)
    assert bp.hits and {h.node.phase for h in bp.hits} == {"forward"}
    assert {h.node.source.lineno for h in bp.hits} == {line_of(__file__, "# line: apply of "
                                                                         "the step")}
    assert "assign_sub" in {h.node.op.name for h in bp.hits}


@pytest.mark.parametrize("folder, name", [("tapeviz-notes", "tapeviz_homework.py"),
                                          ("ipykernel_4242", "1234.py")])
def test_user_code_whose_path_says_tapeviz_or_a_kernel_cell_is_the_users_line(
        tmp_path, folder, name):
    """The walk judges a frame by its file name: only tapeviz's own directory is skipped, not
    a student's file or folder that merely has 'tapeviz' in its name, nor a kernel's cell."""
    path = tmp_path / folder / name
    path.parent.mkdir()
    path.write_text("import tapeviz as tf\n\n\ndef f(x):\n    y = x * 2.0\n"
                    "    return tf.exp(y)\n")
    spec = importlib.util.spec_from_file_location(name[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bp = break_on(file=str(path), line=6, action="continue")
    module.f(tf.constant(1.0))
    assert [(h.node.op.name, h.node.source.filename, h.node.source.lineno,
             h.node.source.function) for h in bp.hits] == [("exp", str(path), 6, "f")]
    bp.clear()


def test_a_notebook_cell_compiled_from_a_string_is_the_users_line():
    cell = {"tf": tf}
    exec(compile("def f(x):\n    y = x * 2.0\n    return tf.exp(y)\n",
                 "<ipython-input-7-0123abcd>", "exec"), cell)
    seen = []
    events.subscribe(seen.append, sites=lambda source: source.filename.startswith("<ipython"))
    try:
        cell["f"](tf.constant(1.0))
    finally:
        events.unsubscribe(seen.append)
    assert [(e.node.op.name, e.node.source.lineno) for e in seen] == [("multiply", 2),
                                                                      ("exp", 3)]


def test_a_module_imported_after_a_breakpoint_was_set_is_found_by_the_next_one(
        tmp_path, monkeypatch):
    """break_on finds a file by the loaded modules' paths, each module read once: one
    imported after the first lookup is found by the next (its lines checked), by its name."""
    path = tmp_path / "pkg_after" / "late_module_h4.py"
    path.parent.mkdir()
    path.write_text("import tapeviz as tf\n\n\ndef f(x):\n    return tf.exp(x)\n")
    with pytest.warns(UserWarning, match="no file loaded so far is 'pkg_after/late_module"):
        break_on(file="pkg_after/late_module_h4.py", line=5, action="continue").clear()
    monkeypatch.syspath_prepend(str(tmp_path / "pkg_after"))
    monkeypatch.chdir(tmp_path.parent)   # so the relative name is no path from here
    module = importlib.import_module("late_module_h4")
    try:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="late_module_h4.py:2: line 2 is blank"):
            break_on(file="pkg_after/late_module_h4.py", line=2)
        bp = break_on(file="pkg_after/late_module_h4.py", line=5, action="continue")
        module.f(tf.constant(1.0))
        assert [(h.node.op.name, h.node.source.lineno) for h in bp.hits] == [("exp", 5)]
        bp.clear()
    finally:
        del sys.modules["late_module_h4"]


def test_one_call_site_reaching_tapeviz_or_the_users_code_keeps_each_ops_own_line():
    """The frame at a fixed depth above dispatch is not always the user's: one call site that
    reaches dispatch through tapeviz's frame (a tensor's bound `__mul__`) and through the
    user's own function (an exp, which dispatch's caller is) has a different user line for
    each. A verdict cached by that frame's (code, offset) would take the refused call site's
    answer for the user's function too (the exp never stops), and a line named at the call
    site would be said for the exp's op: each op's own line is found."""
    two = tf.constant(2.0)
    callees = (two.__mul__, _users_exp)
    exp_line = line_of(__file__, "# line: the user's exp, reached from a shared call site")
    site_line = line_of(__file__, "# line: one call site, tapeviz's or the user's")
    at_exp = break_on(file="test_breakpoints_lines.py", line=exp_line, action="continue")
    for _ in range(3):
        _through_one_site(tf.constant(1.0), callees)
    assert [(h.node.op.name, h.node.source.lineno, h.node.source.function)
            for h in at_exp.hits] == [("exp", exp_line, "_users_exp")] * 3
    at_exp.clear()
    at_site = break_on(file="test_breakpoints_lines.py", line=site_line, action="continue")
    for _ in range(3):
        _through_one_site(tf.constant(1.0), callees)
    assert [(h.node.op.name, h.node.source.lineno) for h in at_site.hits] == \
        [("multiply", site_line)] * 3
