"""`%load_ext tapeviz`: each magic run in a real IPython shell, and `%unload_ext` undoing it."""
import re
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("IPython")
from IPython.core.error import UsageError  # noqa: E402
from IPython.testing import globalipapp  # noqa: E402

import tapeviz as tf  # noqa: E402
import tapeviz.ipython as tvip  # noqa: E402
from tapeviz import events  # noqa: E402
from tapeviz.debugger import breakpoint as bps  # noqa: E402

MAGICS = {"line": ["tapeviz", "tapeviz_break", "tapeviz_train"], "cell": ["tapeviz"]}
PROGRAM = """\
x = tf.constant([[1.0, 2.0]])
w = tf.Variable([[1.0], [2.0]])
"""


@pytest.fixture
def ip():
    shell = globalipapp.get_ipython()   # the module rebinds the name once started
    shell.run_line_magic("load_ext", "tapeviz")
    run(shell, "import tapeviz as tf\n" + PROGRAM)
    yield shell
    shell.run_line_magic("unload_ext", "tapeviz")
    bps.clear_breakpoints()


@pytest.fixture
def no_debugger(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")


def run(shell, code: str):
    """Run a cell; fail the test with the cell's error if it raised."""
    result = shell.run_cell(code)
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        raise error
    return result.result


def state(shell) -> dict:
    """What the extension could leave behind in a shell and in tapeviz."""
    manager = shell.magics_manager
    return {"line": set(manager.magics["line"]), "cell": set(manager.magics["cell"]),
            "registry": set(manager.registry),
            "post_run_cell": list(shell.events.callbacks["post_run_cell"]),
            "breakpoints": list(bps.breakpoints()), "subscribers": events.subscribers(),
            "runner": tvip.RUNNER_NAME in shell.user_ns}


# ---- loading --------------------------------------------------------------------------------
def test_import_tapeviz_imports_its_namespaces_but_not_ipython_or_the_widgets():
    code = textwrap.dedent("""\
        import sys, tapeviz
        print(*(name in sys.modules for name in ("IPython", "anywidget", "ipywidgets",
                                                 "tapeviz.viz", "tapeviz.ipython")))
        print(*(name in sys.modules for name in ("tapeviz.keras", "tapeviz.data",
                                                 "tapeviz.train", "tapeviz.debugger")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False"] * 5 + ["True"] * 4


def test_without_the_jupyter_extra_the_widgets_say_how_to_install_it():
    code = textwrap.dedent("""\
        import sys
        class NoAnywidget:                      # as if the jupyter extra were not installed
            def find_spec(self, name, path=None, target=None):
                if name == "anywidget":
                    raise ModuleNotFoundError("No module named 'anywidget'", name=name)
        sys.meta_path.insert(0, NoAnywidget())
        for attempt in ("from tapeviz.viz import TapeWidget", "from tapeviz.viz import Dashboard"):
            try:
                exec(attempt)
            except ModuleNotFoundError as error:
                print("said:", error.name, "|", error)
        from IPython.testing import globalipapp
        shell = globalipapp.start_ipython()
        shell.run_line_magic("load_ext", "tapeviz")
        result = shell.run_cell("%%tapeviz\\nimport tapeviz as tf\\ntf.exp(tf.constant(1.0))")
        print("said:", type(result.error_in_exec).__name__, "|", result.error_in_exec)
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    out = [line[6:] for line in run.stdout.splitlines() if line.startswith("said: ")]
    hint = 'pip install "tapeviz[jupyter]"'
    assert len(out) == 3 and all(hint in line for line in out), out
    assert out[0].startswith("anywidget | ") and out[1].startswith("anywidget | ")
    assert out[2].startswith("ModuleNotFoundError | ")      # what %%tapeviz raises


def test_load_ext_makes_tensors_display_drawn(ip):
    formatter = ip.display_formatter.formatters["text/html"]
    formatter.type_printers.pop(tvip.display.Tensor, None)   # tapeviz imported before IPython
    ip.run_line_magic("unload_ext", "tapeviz")
    ip.run_line_magic("load_ext", "tapeviz")
    assert formatter.lookup(run(ip, "tf.Variable(1.0)")) is tvip.display.html_of


def test_load_ext_registers_each_magic(ip):
    for kind, names in MAGICS.items():
        for name in names:
            assert name in ip.magics_manager.magics[kind], (kind, name)
    assert {"TapevizMagics", "BreakpointMagics"} <= set(ip.magics_manager.registry)


def test_each_magic_docstring_has_usage_options_and_an_example(ip):
    for kind, names in MAGICS.items():
        for name in names:
            doc = ip.magics_manager.magics[kind][name].__doc__
            prefix = "%%" if kind == "cell" else "%"
            assert f"  {prefix}{name} [" in doc, (kind, name)      # the usage line
            assert "options:" in doc and "--" in doc
            assert "In [1]: " in doc                                # an example session
            assert re.search(rf"In \[\d\]: {re.escape(prefix + name)}( |$)", doc, re.M)


def test_unload_ext_removes_everything_it_added(no_debugger):
    shell = globalipapp.get_ipython()   # the module rebinds the name once started
    before = state(shell)
    shell.run_line_magic("load_ext", "tapeviz")
    run(shell, "import tapeviz as tf\n" + PROGRAM)
    shell.run_line_magic("tapeviz_break", "op=log --action continue")
    shell.run_line_magic("tapeviz_break", "--nan")
    run(shell, "%%tapeviz --no-show\ny = tf.log(x)")
    run(shell, TRAIN)
    shell.run_line_magic("tapeviz_train", "train 2")
    assert shell.user_ns[tvip.RUNNER_NAME].join(60.0)
    assert state(shell) != before
    shell.run_line_magic("unload_ext", "tapeviz")
    assert state(shell) == before
    # and it loads again cleanly
    shell.run_line_magic("load_ext", "tapeviz")
    assert "tapeviz_break" in shell.magics_manager.magics["line"]
    shell.run_line_magic("unload_ext", "tapeviz")
    assert state(shell) == before


def test_unload_ext_leaves_breakpoints_set_in_code(ip, no_debugger):
    own = bps.break_on(op="exp", action="continue")
    ip.run_line_magic("tapeviz_break", "op=log")
    ip.run_line_magic("unload_ext", "tapeviz")
    assert bps.breakpoints() == [own]
    ip.run_line_magic("load_ext", "tapeviz")


# ---- %%tapeviz --------------------------------------------------------------------------------
CELL = """\
%%tapeviz --name rec
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.matmul(x, w))
grad = tape.gradient(loss, w)
loss
"""


def test_cell_magic_records_the_cells_ops_and_shows_the_widget(ip, shown):
    from tapeviz.debugger import Recorder
    from tapeviz.viz.widget import TapeWidget
    value = run(ip, CELL)
    assert float(value) == 5.0                          # the last expression, as for any cell
    rec = ip.user_ns["rec"]
    assert isinstance(rec, Recorder) and not rec.recording
    assert len(rec) == 1
    step = rec.last_step
    assert [op.op for op in step.ops if op.phase == "forward"] == ["matmul", "reduce_sum"]
    assert "matmul" in [op.op for op in step.ops if op.phase == "backward"]
    assert step.loss == 5.0
    assert step.ops[0].source.line.strip() == "loss = tf.reduce_sum(tf.matmul(x, w))"
    assert step.ops[0].source.lineno == 2                 # the line in the cell's body
    assert ip.user_ns["grad"].numpy().tolist() == [[1.0], [2.0]]
    [widget] = shown
    assert isinstance(widget, TapeWidget)
    assert widget.step_count == 1 and widget.svg.startswith("<svg")
    ops = {node.op for node in widget.graph.nodes.values() if node.op}
    assert {"matmul", "reduce_sum"} <= ops and "broadcast_to" not in ops


def test_cell_magic_all_draws_the_backward_ops_too(ip, shown):
    run(ip, CELL.replace("--name rec", "--all --max-nodes 50"))
    [widget] = shown
    assert widget.max_nodes == 50
    phases = {node.phase for node in widget.graph.nodes.values() if node.op}
    assert phases == {"forward", "backward"}


def test_cell_magic_widget_travels_over_each_step(ip, shown):
    run(ip, textwrap.dedent("""\
        %%tapeviz --name rec
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w)
            w.assign_sub(0.1 * tape.gradient(loss, w))
        """))
    assert len(ip.user_ns["rec"]) == 3
    [widget] = shown
    assert (widget.step_count, widget.step_index) == (3, 2)   # opens on the last step


def test_cell_magic_error_propagates_and_the_recording_is_kept(ip, shown):
    cell = "%%tapeviz --no-show --name rec\ny = tf.exp(x)\nraise ValueError('boom')\nz = tf.log(x)"
    result = ip.run_cell(cell)
    assert isinstance(result.error_in_exec, ValueError)
    assert [op.op for op in ip.user_ns["rec"].last_step.ops] == ["exp"]
    assert shown == []
    ip.run_line_magic("tapeviz", "--svg")                  # and %tapeviz shows it again
    assert "exp" in shown[0].data


def test_cell_magic_error_still_shows_what_ran(ip, shown):
    result = ip.run_cell("%%tapeviz\ny = tf.exp(x)\n1 / 0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    [widget] = shown
    assert "exp" in {node.op for node in widget.graph.nodes.values()}


def test_cell_magic_draws_the_op_that_failed_where_it_happened(ip, shown):
    cell = ("%%tapeviz\n"
            "h = tf.matmul(x, w)\n"                        # (1, 2) @ (2, 1) -> (1, 1)
            "bad = tf.matmul(h, tf.ones([3, 4]))\n"        # (1, 1) @ (3, 4): the shapes clash
            "never = tf.exp(bad)")
    result = ip.run_cell(cell, store_history=True)    # numbered as a kernel numbers it
    count = result.execution_count
    assert isinstance(result.error_in_exec, tf.errors.InvalidArgumentError)
    [widget] = shown
    graph = widget.graph
    failed = graph.nodes["failed"]
    # its inputs as the message names them (a, b), with what the line passed, and shapes
    assert "a.shape[-1] must equal b.shape[-2]" in str(result.error_in_exec)
    assert (failed.kind, failed.op) == ("failed", "matmul")
    assert failed.label == "✗ matmul failed\na = h: (1, 1)\nb = tf.ones([3, 4]): (3, 4)"
    assert failed.source.location == f"Cell In[{count}], line 2"
    into = {edge.src: edge.shape for edge in graph.edges if edge.dst == "failed"}
    made_h = next(n.id for n in graph.nodes.values() if n.op == "matmul" and n.id != "failed")
    assert into[made_h] == (1, 1)                       # wired to the op that made h
    assert (3, 4) in into.values() and len(into) == 2
    assert "exp" not in {n.op for n in graph.nodes.values()}   # nothing after it ran
    # counted alike: the title's one op the tape holds, the status the failed one besides
    assert widget.title.split(",")[0] == "step 1 of 1: 1 op"
    assert widget.status.startswith(f"{len(graph.nodes)} nodes: 1 op and the op that failed, ")
    dot = tapeviz_dot(widget)
    assert 'id="failed"' in dot and "octagon" in dot and "✗ matmul" in dot
    alert = widget.alerts[0]
    assert alert["kind"] == "error" and alert["node"] == "failed"
    assert alert["message"].startswith(f"matmul failed at Cell In[{count}], line 2: ")
    widget.selected = "failed"                          # its inspector: the error, the inputs
    sections = {s["title"]: s["content"] for s in widget.inspector["sections"]}
    assert "bad = tf.matmul(h, tf.ones([3, 4]))" in sections["Error"]
    assert sections["Inputs"] == [["input", "value"], ["a = h", "float32[1, 1]"],
                                  ["b = tf.ones([3, 4])", "float32[3, 4]"]]
    leaf = next(n for n in graph.nodes.values() if n.id.startswith("failed:"))
    assert (leaf.label, leaf.shape) == ("b = tf.ones([3, 4])", (3, 4))


def test_cell_magic_draws_a_failure_even_as_the_cells_first_op(ip, shown, capsys):
    result = ip.run_cell("%%tapeviz\ntf.reshape(x, [3])")
    assert isinstance(result.error_in_exec, tf.errors.InvalidArgumentError)
    [widget] = shown
    assert [n.kind for n in widget.graph.nodes.values()] == ["constant", "failed"]
    assert "ran no tapeviz ops" not in capsys.readouterr().out


def tapeviz_dot(widget) -> str:
    from tapeviz.viz.dot import to_dot
    return to_dot(widget.graph)


def test_cell_magic_without_ops_says_so(ip, shown, capsys):
    run(ip, "%%tapeviz\na = 1 + 1")
    assert shown == []
    assert "ran no tapeviz ops" in capsys.readouterr().out


@pytest.mark.parametrize("line, message", [
    ("--bogus", "unrecognized arguments: --bogus"),
    ("--max-nodes 0", "--max-nodes must be a positive"),
    ("--max-nodes many", "invalid int value"),
    ("--name 2x", "--name wants a Python identifier"),
])
def test_cell_magic_bad_options_name_the_magic(ip, line, message):
    with pytest.raises(UsageError, match="%%tapeviz: ") as info:
        ip.run_cell_magic("tapeviz", line, "y = 1")
    assert message in str(info.value)


# ---- %tapeviz ---------------------------------------------------------------------------------
TAPE_CELL = """\
with tf.GradientTape(persistent=True) as tape:
    loss = tf.reduce_sum(tf.matmul(x, w))
"""


def test_line_magic_shows_a_tape_variable(ip, shown):
    from tapeviz.viz.widget import TapeWidget
    run(ip, TAPE_CELL)
    ip.run_line_magic("tapeviz", "tape --max-nodes 40")
    [widget] = shown
    assert isinstance(widget, TapeWidget) and widget.max_nodes == 40
    assert {"matmul", "reduce_sum"} <= {node.op for node in widget.graph.nodes.values()}


def test_line_magic_svg_displays_a_static_svg(ip, shown):
    from IPython.display import SVG
    run(ip, TAPE_CELL)
    ip.run_line_magic("tapeviz", "tape --svg")
    [svg] = shown
    assert isinstance(svg, SVG)
    assert "<svg" in svg.data and "matmul" in svg.data


def test_line_magic_evaluates_an_expression(ip, shown):
    run(ip, "%%tapeviz --no-show --name rec\n" + TAPE_CELL)
    ip.run_line_magic("tapeviz", "rec.steps[ 0 ]")      # spaces inside the expression
    assert shown[0].title.startswith("step ")


def test_line_magic_step_picks_a_recorder_step(ip, shown):
    run(ip, textwrap.dedent("""\
        %%tapeviz --no-show --name rec
        for n in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * float(n))
            tape.gradient(loss, w)
        """))
    ip.run_line_magic("tapeviz", "rec --step 1")     # the number the title shows
    ip.run_line_magic("tapeviz", "rec --step -2")
    assert [widget.step_index for widget in shown] == [0, 1]
    assert shown[0].title.startswith("step 1 of 3:") and shown[1].title.startswith("step 2 of 3:")
    assert shown[0].step_count == 3
    with pytest.raises(UsageError, match=r"--step 0: the recorder keeps steps 1 to 3"):
        ip.run_line_magic("tapeviz", "rec --step 0")
    with pytest.raises(UsageError, match=r"or -1 to -3 from the end"):
        ip.run_line_magic("tapeviz", "rec --step -4")


def test_bare_line_magic_shows_the_latest_recording_or_tape(ip, shown):
    with pytest.raises(UsageError, match="%tapeviz: nothing to show yet"):
        ip.run_line_magic("tapeviz", "")
    run(ip, "%%tapeviz --no-show --name rec\n" + TAPE_CELL)   # binds `tape`: the recording wins
    ip.run_line_magic("tapeviz", "--svg")
    run(ip, "with tf.GradientTape() as other:\n    q = tf.exp(w)")   # a newer tape
    ip.run_line_magic("tapeviz", "--svg")
    run(ip, "unrelated = 1")                             # nothing new: still that tape
    ip.run_line_magic("tapeviz", "--svg")
    assert ["matmul" in svg.data for svg in shown] == [True, False, False]
    assert ["exp" in svg.data for svg in shown] == [False, True, True]


def test_line_magic_on_a_tape_gradient_freed_is_a_usage_error_then_a_new_tape_shows(ip, shown):
    run(ip, "with tf.GradientTape() as spent:\n    y = tf.reduce_sum(w * w)\n"
            "g = spent.gradient(y, w)")
    for line in ("spent", "spent --svg", ""):   # bare: the tape the cell bound last
        with pytest.raises(UsageError, match=r"^%tapeviz: (spent|the last recording) is a "
                                             r"GradientTape that gradient\(\) consumed"):
            ip.run_line_magic("tapeviz", line)   # was: a traceback naming IPython's line
    assert shown == []
    run(ip, TAPE_CELL)
    ip.run_line_magic("tapeviz", "tape")
    assert len(shown) == 1


def test_line_magic_rejects_what_it_cannot_show(ip):
    run(ip, "n = 3\n" + TAPE_CELL)
    with pytest.raises(UsageError, match="%tapeviz: n is a int; expected a GradientTape"):
        ip.run_line_magic("tapeviz", "n")
    with pytest.raises(UsageError, match="%tapeviz: --step picks a step of a Recorder"):
        ip.run_line_magic("tapeviz", "tape --step 0")
    # was: IPython's NameError traceback through the magic's eval, 'Could not get source'
    with pytest.raises(UsageError, match=r"^%tapeviz: name 'no_such_name' is not defined "
                                         r"\(in 'no_such_name'\); run the cell that defines"):
        ip.run_line_magic("tapeviz", "no_such_name")
    with pytest.raises(UsageError, match=r"^%tapeviz: 'tape\)' is not a Python expression"):
        ip.run_line_magic("tapeviz", "tape)")


# ---- %tapeviz_break ---------------------------------------------------------------------------
def test_break_sets_a_breakpoint_that_hits(ip, no_debugger, capsys):
    ip.run_line_magic("tapeviz_break", "op=log --action continue")
    assert "Breakpoint 1: op=log" in capsys.readouterr().out
    [bp] = bps.breakpoints()
    assert bp.op == {"log"} and bp.action == "continue"
    run(ip, "y = tf.log(x)\nz = tf.exp(x)")
    [hit] = bp.hits
    assert hit.node.op.name == "log" and hit.phase == "forward"


def test_break_layer_and_phase(ip, no_debugger):
    ip.run_line_magic("tapeviz_break", "layer=dense phase=vjp --action continue")
    run(ip, textwrap.dedent("""\
        with tf.GradientTape() as tape:
            with tf.name_scope("sequential"):
                with tf.name_scope("dense"):
                    h = tf.matmul(x, w)
            loss = tf.reduce_sum(h)
        tape.gradient(loss, w)
        """))
    [bp] = bps.breakpoints()
    assert (bp.layer, bp.phase) == ("dense", "vjp")
    [hit] = bp.hits                                       # the backward step of dense's matmul
    assert (hit.node.op.name, hit.phase, hit.node.scope) == ("matmul", "vjp", "sequential/dense")
    assert hit.upstream is not None


def test_break_file_line_once(ip, no_debugger, tmp_path, monkeypatch):
    (tmp_path / "train.py").write_text(
        "import tapeviz as tf\n\n\ndef forward(x):\n    return tf.exp(x) * 2.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    ip.run_line_magic("tapeviz_break", "file=train.py line=5 --once --action continue")
    [bp] = bps.breakpoints()
    run(ip, "import train\ntrain.forward(x)\ntrain.forward(x)")
    [hit] = bp.hits                                       # one-shot: gone after its hit
    assert hit.node.op.name == "exp" and hit.source.lineno == 5
    assert bps.breakpoints() == []
    sys.modules.pop("train", None)


def test_a_breakpoint_on_a_cells_line_lists_as_the_cell(ip, no_debugger, capsys):
    result = ip.run_cell("with tf.GradientTape() as t:\n    t.watch(x)\n    y = tf.exp(x)\n"
                         "_source = t.nodes[0].source", store_history=True)
    source = ip.user_ns.pop("_source")
    bps.break_on(file=source.filename, line=source.lineno)
    ip.run_line_magic("tapeviz_break", "--list")     # as the widget's Break on this line sets
    row = capsys.readouterr().out.splitlines()[1]
    assert f"at Cell In[{result.execution_count}], line 3" in row and "ipykernel" not in row


@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
def test_break_nan(ip, no_debugger):
    ip.run_line_magic("tapeviz_break", "--nan --action continue")
    run(ip, "a = tf.log(tf.constant([1.0, 2.0]))\nb = tf.log(tf.constant([-1.0]))")
    [bp] = bps.breakpoints()
    [hit] = bp.hits
    assert hit.node.op.name == "log" and "output has nan" in hit.reasons


def test_break_list_disable_enable_clear(ip, no_debugger, capsys):
    ip.run_line_magic("tapeviz_break", "op=log,exp --action continue")
    ip.run_line_magic("tapeviz_break", "kind=reduce phase=forward")
    run(ip, "y = tf.log(x)")
    capsys.readouterr()
    ip.run_line_magic("tapeviz_break", "--list")
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["#", "state", "criteria", "action", "hits"]
    assert table[1].split() == ["1", "enabled", "op=exp,log", "continue", "1"]
    assert table[2].split() == ["2", "enabled", "kind=reduce", "phase=forward", "raise", "0"]

    ip.run_line_magic("tapeviz_break", "--disable 1")
    first, second = bps.breakpoints()
    assert not first.enabled and second.enabled
    run(ip, "y = tf.log(x)")
    assert len(first.hits) == 1                           # disabled: no new hit
    ip.run_line_magic("tapeviz_break", "")                # no input lists too
    assert "disabled" in capsys.readouterr().out.splitlines()[1]
    ip.run_line_magic("tapeviz_break", "--enable 1")
    run(ip, "y = tf.log(x)")
    assert len(first.hits) == 2

    ip.run_line_magic("tapeviz_break", "--clear 2")
    assert bps.breakpoints() == [first]
    ip.run_line_magic("tapeviz_break", "op=sqrt")         # numbers are not reused
    assert "Breakpoint 3: op=sqrt" in capsys.readouterr().out
    ip.run_line_magic("tapeviz_break", "--clear")
    assert bps.breakpoints() == []
    ip.run_line_magic("tapeviz_break", "--list")
    assert "No breakpoints" in capsys.readouterr().out


@pytest.mark.parametrize("line, message", [
    ("op=lgo", "break_on: no op is called 'lgo'; did you mean 'log'?"),
    ("kind=cnv", "break_on: no kind is called 'cnv'; did you mean 'conv'?"),
    ("depth=3", "expected KEY=VALUE with KEY one of op, kind, layer, file, line, phase; "
                "got 'depth=3'"),
    ("log", "expected KEY=VALUE"),
    ("line=twelve", "line= wants a line number; got 'twelve'"),
    ("phase=sideways", "phase= wants forward, backward or vjp"),
    ("op=log op=exp", "op= given twice"),
    ("--clear 9", "--clear: no breakpoint '9'; the numbers are: none are set"),
    ("--disable x", "invalid int value"),
    ("--list op=log", "use one of --list, --clear, --disable, --enable at a time"),
    ("--action stop", "invalid choice"),
])
def test_break_bad_input_is_a_usage_error_naming_the_magic(ip, line, message):
    with pytest.raises(UsageError, match="%tapeviz_break") as info:
        ip.run_line_magic("tapeviz_break", line)
    assert message in str(info.value)
    assert bps.breakpoints() == []


# ---- %tapeviz_train ---------------------------------------------------------------------------
TRAIN = """\
def train(steps, lr=0.1):
    w = tf.Variable(1.0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        w.assign_sub(lr * tape.gradient(loss, w))
    return float(w)
"""


def test_train_runs_in_the_background_with_the_dashboard(ip, shown):
    from tapeviz.debugger import Runner
    from tapeviz.viz.dashboard import Dashboard
    run(ip, TRAIN)
    ip.run_line_magic("tapeviz_train", "--max-rate 5 train 3 lr=0.25")
    runner = ip.user_ns[tvip.RUNNER_NAME]
    assert isinstance(runner, Runner)
    assert runner.join(60.0)
    assert runner.state == "finished" and runner.result == 0.125 and runner.step_count == 3
    [dashboard] = shown
    assert isinstance(dashboard, Dashboard)


def test_train_pause_waits_for_the_user(ip, shown):
    run(ip, TRAIN)
    ip.run_line_magic("tapeviz_train", "--pause train 2")
    runner = ip.user_ns[tvip.RUNNER_NAME]
    assert runner.wait_paused(10.0)
    assert runner.paused_at.op_count == 1                  # at the very first op
    with pytest.raises(UsageError, match="%tapeviz_train: 'train' is still paused"):
        ip.run_line_magic("tapeviz_train", "train 1")
    runner.resume()
    assert runner.join(60.0) and runner.state == "finished"


def test_unload_stops_a_running_training(ip, shown):
    run(ip, TRAIN)
    ip.run_line_magic("tapeviz_train", "--pause train 1000")
    runner = ip.user_ns[tvip.RUNNER_NAME]
    assert runner.wait_paused(10.0)
    ip.run_line_magic("unload_ext", "tapeviz")
    assert runner.state == "stopped"
    assert tvip.RUNNER_NAME not in ip.user_ns
    ip.run_line_magic("load_ext", "tapeviz")


@pytest.mark.parametrize("line, message", [
    ("", "name the training function to run: %tapeviz_train train"),
    ("  # train later", "name the training function to run: %tapeviz_train train"),
    ("x", "expected a training function (a callable); got a float32 tensor"),
    ("--max-rate 0 train", "--max-rate must be a positive number"),
    ("trian 3", "name 'trian' is not defined (in 'trian'); did you mean 'train'?"),
    ("train zqxw", "name 'zqxw' is not defined (in 'zqxw'); run the cell that defines it"),
    ("train 3 lr=0.1)", "'0.1)' is not a Python expression"),
])
def test_train_bad_input_is_a_usage_error_naming_the_magic(ip, line, message):
    run(ip, TRAIN)
    with pytest.raises(UsageError, match="%tapeviz_train: ") as info:
        ip.run_line_magic("tapeviz_train", line)
    assert message in str(info.value)
    assert "_tapeviz_runner" not in ip.user_ns   # nothing started


def test_break_given_an_ops_name_alone_names_the_criterion_meant(ip, no_debugger):
    with pytest.raises(UsageError, match=r"got 'matmull'; did you mean op=matmul\?$"):
        ip.run_line_magic("tapeviz_break", "matmull")   # was: KEY=VALUE said, no op=
    assert bps.breakpoints() == []
    ip.run_line_magic("tapeviz_break", "op=matmul --action continue")
    run(ip, "tf.matmul(x, w)")
    assert len(bps.breakpoints()[0].hits) == 1


# ---- the real display path and a real kernel ---------------------------------------------------
def test_cell_magic_displays_a_widget_view(ip):
    from IPython.utils.capture import capture_output
    with capture_output() as captured:
        run(ip, CELL)
    views = [output for output in captured.outputs   # beside the saved twin (viz/saved.py)
             if "application/vnd.jupyter.widget-view+json" in output.data]
    assert len(views) == 1


def test_magics_in_a_real_kernel_keep_it_free_while_training():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    cells = ["%load_ext tapeviz\nimport tapeviz as tf\n" + PROGRAM,
             CELL,
             TRAIN,
             "%tapeviz_train --pause train 3 lr=0.25",
             # the kernel runs this cell while the loop waits, paused, in its thread
             "print(_tapeviz_runner.wait_paused(10), _tapeviz_runner.state)",
             "_tapeviz_runner.resume(); print(_tapeviz_runner.join(10), _tapeviz_runner.result)",
             "%unload_ext tapeviz\nprint(tf.debugger.breakpoints(), tf.events.subscribers())",
             # a location in a real kernel reads as IPython's traceback names the cell
             "with tf.GradientTape() as t:\n    t.watch(x)\n    y = tf.exp(x)\n"
             "print(t.nodes[0].source.location)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    from browser.jupyter_server import kernel_config
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3",
                            config=kernel_config()).execute()
    outputs = [cell.outputs for cell in nb.cells]
    widget = "application/vnd.jupyter.widget-view+json"
    *shown, result = outputs[1]
    assert [widget in o.get("data", {}) for o in shown].count(True) == 1   # the tape widget
    assert result.output_type == "execute_result"
    assert float(result.data["text/plain"].split("numpy=")[1].rstrip(">")) == 5.0
    assert any(widget in o.get("data", {}) for o in outputs[3])   # the dashboard
    assert outputs[4][0].text == "True paused\n"
    assert outputs[5][0].text == "True 0.125\n"
    assert outputs[6][0].text == "[] ()\n"
    assert outputs[7][0].text == "Cell In[8], line 3\n"


def test_line_magic_shows_a_backward_stepper_and_a_recorded_step_as_svg(ip, shown):
    from tapeviz.viz.widget import TapeWidget
    run(ip, TAPE_CELL + "from tapeviz.debugger import BackwardStepper\n"
                        "stepper = BackwardStepper(tape, loss, [w])\nstepper.step()")
    ip.run_line_magic("tapeviz", "stepper")
    run(ip, "%%tapeviz --no-show --name rec\n" + TAPE_CELL.replace("tf.matmul(x, w)", "tf.exp(w)") +
        "tape.gradient(loss, w)")
    ip.run_line_magic("tapeviz", "rec --step 1 --svg")
    widget, svg = shown
    assert isinstance(widget, TapeWidget)
    assert "matmul" in {node.op for node in widget.graph.nodes.values()}
    assert "<svg" in svg.data and "exp" in svg.data and "matmul" not in svg.data


def test_a_breakpoint_in_a_kernel_opens_ipdb_in_the_cell_with_the_ops_names():
    """A real kernel whose front end answers input: ipdb's first frame is the cell's line
    that called the op, and the op's names are at its prompt."""
    manager = pytest.importorskip("jupyter_client.manager")
    import queue
    kernel, client = manager.start_new_kernel(kernel_name="python3")
    code = ("import tapeviz as tf\n"
            "bp = tf.debugger.break_on(op='exp')\n"
            "x = tf.constant([1.0, 2.0])\n"
            "y = tf.exp(x)\n"
            "print('after', bp.hits[0].debugger)\n")
    answers = iter(["p op.name, inputs[0].numpy().tolist()", "where", "continue"])
    said = []
    try:
        request = client.execute(code, allow_stdin=True)
        finished, rounds = False, 0
        while not finished:
            rounds += 1
            assert rounds < 1000, f"the cell never finished; it said: {''.join(said)}"
            try:
                client.get_stdin_msg(timeout=0.2)
                client.input(next(answers))
            except queue.Empty:
                pass
            while True:
                try:
                    message = client.get_iopub_msg(timeout=0.2)
                except queue.Empty:
                    break
                if message["msg_type"] == "stream":
                    said.append(message["content"]["text"])
                finished = finished or (
                    message["msg_type"] == "status"
                    and message["content"]["execution_state"] == "idle"
                    and message["parent_header"].get("msg_id") == request)
    finally:
        client.stop_channels()
        kernel.shutdown_kernel(now=True)
    # iopub keeps the order of what the kernel printed (the stdin channel is another stream)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "".join(said))
    before, answer, after = shown.partition("('exp', [1.0, 2.0])")
    assert answer and "after ipython" in after
    assert "tapeviz breakpoint: exp in the forward pass at Cell In[1], line 4" in before
    assert "----> 4 y = tf.exp(x)" in before and "tapeviz/" not in before   # the cell's frame
    # the frame named as IPython's tracebacks name the cell, at the stop and in `where`
    assert "Cell In[1], line 4\n" in before and "ipykernel_" not in shown, shown
    assert "> Cell In[1], line 4\n" in after, after
