"""Breakpoints: matching criteria, one-shot and persistent, the debugger they open, no hangs."""
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import textwrap
import threading
import types

import numpy as np
import pytest
from programs import line_of

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import (BreakpointError, BreakpointHit, break_on, breakpoints,
                              clear_breakpoints)
from tapeviz.debugger import session

ROOT = pathlib.Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("quiet_breakpoints")


def _ops():
    x = tf.constant([1.0, 2.0])
    y = tf.exp(x)                                   # line: exp
    return tf.reduce_sum(y * 2.0)


# ---- matching ------------------------------------------------------------------------------
def test_op_breakpoint_raises_where_no_input_is_possible_naming_op_line_and_reason():
    bp = break_on(op="exp")
    with pytest.raises(BreakpointError) as info:
        _ops()
    message = str(info.value)
    assert "exp" in message and f"test_breakpoints.py:{line_of(__file__, '# line: exp')}" in message
    assert "op='exp'" in message and "TAPEVIZ_DEBUGGER=none" in message
    hit = info.value.hit
    assert isinstance(hit, BreakpointHit) and bp.hits == [hit]
    assert hit.node.op.name == "exp" and hit.source.function == "_ops" and hit.time > 0


@pytest.mark.parametrize("criteria, expected", [
    (dict(op="multiply"), ["multiply"]),
    (dict(op=["exp", "reduce_sum"]), ["exp", "reduce_sum"]),
    (dict(kind="reduce"), ["reduce_sum"]),
    (dict(line=line_of(__file__, "# line: exp")), ["exp"]),
    (dict(file="test_breakpoints.py", line=line_of(__file__, "# line: exp")), ["exp"]),
    (dict(file="tests/test_breakpoints.py", op="exp"), ["exp"]),
    (dict(file="other.py"), []),
    (dict(condition=lambda node: node.output.numpy().max() > 10), ["multiply", "reduce_sum"]),
    (dict(phase="forward", op="exp"), ["exp"]),
    (dict(phase="backward"), []),
])
def test_each_criterion_selects_the_right_ops(criteria, expected):
    bp = break_on(action="continue", **criteria)
    _ops()
    assert [hit.node.op.name for hit in bp.hits] == expected


def test_layer_matches_the_scope_and_everything_under_it():
    outer = break_on(layer="model/dense", action="continue")
    segment = break_on(layer="dense_1", action="continue")
    x = tf.constant(1.0)
    with tf.name_scope("model"):
        with tf.name_scope("dense"):
            x = x + 1.0
            with tf.name_scope("kernel"):
                x = x * 2.0
        with tf.name_scope("dense_1"):
            x = x - 1.0
    assert [h.node.op.name for h in outer.hits] == ["add", "multiply"]
    segment.disable()
    outer.disable()
    both = break_on(layer="model", action="continue")
    with tf.name_scope("model"), tf.name_scope("dense_1"):
        _ = x - 1.0
    assert [h.node.scope for h in both.hits] == ["model/dense_1"]


def test_an_op_breakpoint_and_a_layer_breakpoint_on_one_op_stop_there_once():
    """was: break_on(op="add") and break_on(layer="dense") stopped twice at the layer's add
    (the op's route and the layer's listener each heard it)."""
    by_op = break_on(op="add", action="continue")
    by_layer = break_on(layer="dense", action="continue")
    x = tf.constant(1.0)
    with tf.name_scope("dense"):
        x = x + 1.0
        x = x * 2.0
    _ = x + 1.0   # outside the layer: the op's breakpoint alone
    assert [(h.node.op.name, h.node.scope) for h in by_op.hits] == [("add", "dense"),
                                                                   ("add", "")]
    assert [h.node.op.name for h in by_layer.hits] == ["multiply"]


def test_nan_breakpoint_stops_only_where_a_nan_or_inf_appears():
    bp = break_on(nan=True, action="continue")
    x = tf.constant([1.0, -1.0])
    y = tf.sqrt(x)
    z = tf.exp(tf.constant(1000.0))
    _ = y * 0.0
    assert [h.node.op.name for h in bp.hits] == ["sqrt", "exp", "multiply"]
    assert bp.hits[0].reasons == ["output has nan"] and bp.hits[1].reasons == ["output has inf"]
    assert np.isnan(y.numpy()[1]) and np.isinf(z.numpy())


def test_nan_breakpoint_tells_nan_and_inf_scalars_of_every_float_width():
    bp = break_on(nan=True, action="continue")
    widths = (tf.float16, tf.float32, tf.float64)
    for dtype in widths:
        _ = tf.sqrt(tf.constant(-1.0, dtype))
        _ = tf.exp(tf.constant(1000.0, dtype))
        _ = tf.exp(tf.constant(1.0, dtype))
    assert [h.reasons for h in bp.hits] == [["output has nan"], ["output has inf"]] * 3
    assert [h.node.output.dtype for h in bp.hits] == [d for d in widths for _ in "ab"]


def test_a_breakpoint_hears_the_ops_another_engine_tells_as_events():
    """Dispatch hands the listener each node; an engine of its own (the PyTorch adapter)
    sends OpExecuted through the op's route, and that hits the same breakpoint."""
    seen = []
    tf.subscribe(seen.append, kinds=(tf.OpExecuted,))
    try:
        _ = tf.sqrt(tf.constant(-1.0))
    finally:
        tf.unsubscribe(seen.append)
    bp = break_on(nan=True, action="continue")
    for callback in tf.ops.REGISTRY["sqrt"].route.ops:
        callback(seen[0])
    assert [h.node for h in bp.hits] == [seen[0].node]
    assert bp.hits[0].reasons == ["output has nan"]


def test_backward_phase_breakpoint_sees_ops_inside_vjps_with_their_upstream():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.exp(x) * 3.0)
    bp = break_on(phase="backward", op="multiply", action="continue")
    tape.gradient(loss, x)
    assert bp.hits and all(h.node.phase == "backward" for h in bp.hits)
    assert bp.hits[0].upstream is not None


def test_vjp_phase_breakpoint_gives_the_step_and_its_upstream():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.exp(x) * 3.0)
    bp = break_on(phase="vjp", op="exp", action="continue")
    anything = break_on(op="exp", action="continue")   # phase=None: ops, not steps
    tape.gradient(loss, x)
    [hit] = bp.hits
    assert hit.phase == "vjp" and hit.step.node is hit.node and hit.node.op.name == "exp"
    assert np.array_equal(hit.upstream.numpy(), [3.0, 3.0])
    assert anything.hits == []


def test_one_shot_breakpoint_hits_once_and_leaves_the_list():
    once = break_on(op="exp", once=True, action="continue")
    persistent = break_on(op="exp", action="continue")
    _ops()
    _ops()
    assert len(once.hits) == 1 and once not in breakpoints()
    assert len(persistent.hits) == 1                      # first run: `once` matched first
    assert breakpoints() == [persistent]


def test_enable_disable_clear_and_the_listener_only_while_needed():
    bp = break_on(op="exp", action="continue")
    assert events.subscribers() != ()
    bp.disable()
    assert events.subscribers() == () and bp in breakpoints()
    _ops()
    assert bp.hits == []
    bp.enable()
    _ops()
    assert len(bp.hits) == 1
    bp.clear()
    assert breakpoints() == [] and events.subscribers() == ()
    other = break_on(kind="reduce", action="continue")
    clear_breakpoints()
    assert breakpoints() == [] and not other.enabled


def test_pythonbreakpoint_0_disables_breakpoints_at_hit_time(monkeypatch):
    bp = break_on(op="exp")
    monkeypatch.setenv("PYTHONBREAKPOINT", "0")
    _ops()
    assert bp.hits == []


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="phase"):
        break_on(phase="sideways")
    with pytest.raises(ValueError, match="action"):
        break_on(action="explode")
    with pytest.raises(TypeError, match="callable"):
        break_on(condition=3)


def test_ops_run_while_handling_a_hit_do_not_stop_again():
    seen = []
    bp = break_on(condition=lambda node: seen.append(tf.reduce_sum(node.output)) or True,
                  action="continue")
    tf.constant(1.0) + 1.0
    assert len(bp.hits) == 1 and len(seen) == 1


def test_hits_are_announced_to_subscribers():
    got = []
    tf.subscribe(got.append)
    try:
        break_on(op="exp", action="continue")
        _ops()
    finally:
        tf.unsubscribe(got.append)
    assert any(isinstance(e, BreakpointHit) and e.node.op.name == "exp" for e in got)


# ---- choosing the debugger ----------------------------------------------------------------
def test_auto_choice_without_a_terminal_is_no_debugger(monkeypatch):
    monkeypatch.delenv("TAPEVIZ_DEBUGGER")
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    assert session.choose_debugger() == (None, "stdin is not a terminal")


def test_a_kernel_that_allows_no_stdin_gets_no_debugger(monkeypatch):
    monkeypatch.delenv("TAPEVIZ_DEBUGGER")
    shell = types.SimpleNamespace(kernel=types.SimpleNamespace(_allow_stdin=False))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert session.choose_debugger()[0] is None
    shell.kernel._allow_stdin = True
    assert session.choose_debugger() == ("ipython", "")
    chosen = []                            # a training thread's hit (the Runner's) never waits
    worker = threading.Thread(target=lambda: chosen.append(session.choose_debugger()))
    worker.start()
    worker.join()
    assert chosen[0][0] is None and "background thread" in chosen[0][1]


def test_an_attached_debugpy_client_pauses_in_the_users_frame(monkeypatch, capsys):
    monkeypatch.delenv("TAPEVIZ_DEBUGGER")
    pauses = []
    debugpy = types.SimpleNamespace(is_client_connected=lambda: True)
    pydevd = types.SimpleNamespace(settrace=lambda **how: pauses.append(
        (how["stop_at_frame"].f_code.co_name, how["stop_at_frame"].f_lineno, how["suspend"])))
    monkeypatch.setitem(sys.modules, "debugpy", debugpy)
    monkeypatch.setitem(sys.modules, "pydevd", pydevd)
    bp = break_on(op="exp")
    _ops()
    assert pauses == [("_ops", line_of(__file__, "# line: exp"), True)]
    assert bp.hits[0].debugger == "debugpy"
    assert "tapeviz breakpoint: exp in the forward pass" in capsys.readouterr().err


def test_a_debugger_that_cannot_read_stdin_falls_back_to_the_action(monkeypatch):
    class StdinNotImplementedError(Exception):
        pass

    class NoStdin:
        def start(self, frame, names):
            raise StdinNotImplementedError("raw_input was called, but this frontend does not "
                                           "support input requests.")

    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "ipython")
    monkeypatch.setattr(session, "make_pdb", lambda which, hit: NoStdin())
    bp = break_on(op="exp")
    with pytest.raises(BreakpointError, match="allows no input"):
        _ops()
    assert bp.hits[0].debugger is None


# ---- real debugger sessions in a subprocess -------------------------------------------------
SCRIPT = """\
import tapeviz as tf
from tapeviz.debugger import break_on

x = tf.Variable([[1.0, 2.0, 3.0]])
bp = break_on({criteria})
with tf.GradientTape() as tape:
    h = x * 2.0
    y = tf.exp(h)
    loss = tf.reduce_sum(y)
recorded = len(tape.nodes)
grad = tape.gradient(loss, x)
print("finished", loss.numpy(), "hits", len(bp.hits), "nodes", recorded)
"""


def _run(tmp_path, criteria, stdin=None, **env):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(criteria=criteria))
    environ = {k: v for k, v in os.environ.items()
               if k not in ("TAPEVIZ_DEBUGGER", "PYTHONBREAKPOINT")}
    environ.update(env, PYTHONPATH=str(ROOT))
    kwargs = dict(input=textwrap.dedent(stdin)) if stdin is not None else dict(
        stdin=subprocess.DEVNULL)
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env=environ, cwd=tmp_path, **kwargs)


def first_frame(out: str) -> list:
    """The first frame a pdb session shows: its '> file(line)function()' and '-> code'."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("> "))
    return lines[at:at + 2]


def test_pdb_session_stops_at_the_op_with_its_context_as_locals(tmp_path):
    result = _run(tmp_path, 'op="exp"', TAPEVIZ_DEBUGGER="pdb", stdin="""\
        p op.name
        p output.shape
        p bool(op(inputs[0]).numpy().sum() > 0)
        p inputs[0].numpy().tolist()
        p line
        p source.lineno
        node
        continue
        """)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "tapeviz breakpoint: exp in the forward pass at train.py:8" in out
    assert first_frame(out) == [f"> {tmp_path / 'train.py'}(8)<module>()", "-> y = tf.exp(h)"]
    assert "(Pdb) 'exp'" in out and "TensorShape([1, 3])" in out
    assert "(Pdb) True" in out and "nodes 3" in out          # ops run at the prompt: not taped
    assert "[[2.0, 4.0, 6.0]]" in out and "'y = tf.exp(h)'" in out and "(Pdb) 8" in out
    assert "exp [math] in the forward pass" in out and "  x = h:  float32[1, 3] min 2 max 6" in out
    assert "finished" in out and "hits 1" in out


def test_pdb_quit_ends_the_program_at_the_breakpoint_as_pdb_does(tmp_path):
    result = _run(tmp_path, 'op="exp"', TAPEVIZ_DEBUGGER="pdb", stdin="""\
        q
        """)
    assert "tapeviz breakpoint: exp in the forward pass at train.py:8" in result.stdout
    assert "finished" not in result.stdout   # the program did not go on past the stop
    assert result.returncode != 0 and "BdbQuit" in result.stderr


def test_pdb_commands_tape_and_nextop_and_nextvjp(tmp_path):
    result = _run(tmp_path, 'op="exp"', TAPEVIZ_DEBUGGER="pdb", stdin="""\
        tape
        nextop
        p op.name
        nextvjp
        p op.name
        p upstream.numpy().tolist()
        node
        continue
        """)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "   op 1    multiply([1, 3], []) -> [1, 3]  train.py:7" in out
    assert "-> op 2    exp([1, 3]) -> [1, 3]  train.py:8" in out
    assert "(Pdb) 'reduce_sum'" in out                      # nextop: the next op
    # nextvjp: the first backward step
    assert "the gradient through reduce_sum in the backward pass" in out and "(Pdb) 1.0" in out
    assert "upstream: float32 scalar 1.0" in out
    assert "hits 1" in out                                  # the debugger's own stops are not bp's


def test_pdb_tape_with_a_count_that_is_no_number_says_so_and_the_session_goes_on(tmp_path):
    result = _run(tmp_path, 'op="exp"', TAPEVIZ_DEBUGGER="pdb", stdin="""\
        tape all
        tape 1
        continue
        """)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    # was: the listing for 3 entries either side, as if no count were given
    assert ("*** tape [N]: N is how many ops to show either side of the op, a whole "
            "number (tape 5); got 'all'") in out
    assert out.count("-> op 2    exp([1, 3]) -> [1, 3]  train.py:8") == 1   # tape 1 listed once
    assert "finished" in out


def test_next_goes_on_in_the_users_code_and_their_names_win(tmp_path):
    result = _run(tmp_path, 'op="exp"', TAPEVIZ_DEBUGGER="pdb", stdin="""\
        p tape is hit.node and False or type(tape).__name__
        next
        p [round(v, 1) for v in y.numpy()[0].tolist()]
        continue
        """)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    # (the header is wrapped between words at 79 columns: read as one line)
    assert "(here tape is your own; the op's: hit.node, hit.upstream)" in " ".join(out.split())
    assert "(Pdb) 'GradientTape'" in out
    assert f"> {tmp_path / 'train.py'}(9)<module>()\n-> loss = tf.reduce_sum(y)" in out
    assert "[7.4, 54.6, 403.4]" in out and "finished" in out and "hits 1" in out


def test_ipython_debugger_session(tmp_path):
    pytest.importorskip("IPython")
    result = _run(tmp_path, 'op="exp"', TAPEVIZ_DEBUGGER="ipython", stdin="""\
        p op.name
        node
        continue
        """)
    assert result.returncode == 0, result.stderr
    assert "ipdb> 'exp'" in result.stdout and "exp [math] in the forward pass" in result.stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)   # IPython's colours
    assert f"> {tmp_path / 'train.py'}(8)<module>()" in plain and "tapeviz/" not in plain


def test_backward_phase_session_shows_the_vjp_it_runs_in(tmp_path):
    criteria = 'op="multiply", phase="backward", once=True'
    result = _run(tmp_path, criteria, TAPEVIZ_DEBUGGER="pdb", stdin="""\
        p node.phase
        p upstream is not None
        tape
        continue
        """)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert first_frame(out) == [f"> {tmp_path / 'train.py'}(11)<module>()",
                                "-> grad = tape.gradient(loss, x)"]   # the line that called it
    assert "(Pdb) 'backward'" in out and "(Pdb) True" in out
    assert "runs inside the gradient through op 2 of the tape (exp)" in out


@pytest.mark.parametrize("action, code, text", [
    ("", 1, "BreakpointError: breakpoint hit: exp in the forward pass at train.py:8 "
            "(y = tf.exp(h))"),
    (', action="continue"', 0, "finished"),
])
def test_no_stdin_never_hangs(tmp_path, action, code, text):
    result = _run(tmp_path, f'op="exp"{action}')
    assert result.returncode == code
    assert text in result.stdout + result.stderr


def test_pythonbreakpoint_0_disables_breakpoints_in_a_forced_pdb_session(tmp_path):
    result = _run(tmp_path, 'op="exp"', TAPEVIZ_DEBUGGER="pdb", PYTHONBREAKPOINT="0")
    assert result.returncode == 0 and "hits 0" in result.stdout and "(Pdb)" not in result.stdout



def test_a_layer_breakpoint_in_the_backward_phase_stops_in_that_layers_vjp(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    w = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        with tf.name_scope("model"), tf.name_scope("dense"):
            h = tf.matmul(tf.constant([[3.0]]), w)
        loss = tf.reduce_sum(h * h)
    bp = break_on(layer="model/dense", phase="backward", action="continue")
    try:
        tape.gradient(loss, w)
    finally:
        bp.clear()
    assert bp.hits and {hit.node.scope for hit in bp.hits} == {"model/dense"}
    assert {hit.phase for hit in bp.hits} == {"backward"}





# ---- JupyterLab's debugger: debugpy, driven as its debugger panel drives it (DAP) -----------
DEBUGPY_SCRIPT = """\
import sys
import debugpy
debugpy.listen(("127.0.0.1", int(sys.argv[1])))
debugpy.wait_for_client()
import tapeviz as tf
bp = tf.debugger.break_on(op="exp")
x = tf.constant([1.0, 2.0])
y = tf.exp(x)
z = y * 2.0
print("finished", bp.hits[0].debugger)
"""


class DapClient:
    """The few Debug Adapter Protocol requests JupyterLab's debugger panel makes."""

    def __init__(self, port):
        for _ in range(300):                   # until the script listens
            try:
                self.stream = socket.create_connection(("127.0.0.1", port)).makefile("rwb")
                break
            except OSError:
                threading.Event().wait(0.1)
        else:
            raise AssertionError("debugpy never listened")
        self.seq = 0

    def request(self, command, **arguments):
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command,
                           "arguments": arguments}).encode()
        self.stream.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.stream.flush()

    def wait(self, key, value):
        """The first message whose `key` is `value` (a response's command, an event)."""
        while True:
            length = 0
            while (header := self.stream.readline().strip()):
                name, _, number = header.partition(b":")
                if name == b"Content-Length":
                    length = int(number)
            message = json.loads(self.stream.read(length))
            if message.get(key) == value:
                return message


def test_jupyterlabs_debugger_pauses_in_the_users_frame(tmp_path):
    pytest.importorskip("debugpy")
    script = tmp_path / "train.py"
    script.write_text(DEBUGPY_SCRIPT)
    with socket.socket() as probe:                      # a free port for debugpy
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if k != "TAPEVIZ_DEBUGGER"}
    environ.update(PYTHONPATH=str(ROOT), PYDEVD_DISABLE_FILE_VALIDATION="1")
    program = subprocess.Popen([sys.executable, str(script), str(port)], cwd=tmp_path,
                               env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        panel = DapClient(port)
        panel.request("initialize", adapterID="tapeviz-test", pathFormat="path",
                      linesStartAt1=True, columnsStartAt1=True)
        panel.wait("command", "initialize")
        panel.request("attach", justMyCode=False)
        panel.wait("event", "initialized")
        panel.request("configurationDone")
        thread = panel.wait("event", "stopped")["body"]["threadId"]
        panel.request("stackTrace", threadId=thread)
        top = panel.wait("command", "stackTrace")["body"]["stackFrames"][0]
        panel.request("continue", threadId=thread)
        panel.wait("command", "continue")
        panel.request("disconnect")
        out, err = program.communicate(timeout=60)
    finally:
        program.kill()
    # the user's frame, on the line after the op's (pydevd pauses on the next line it runs)
    assert (top["name"], top["source"]["path"], top["line"]) == ("<module>", str(script), 9)
    assert "tapeviz breakpoint: exp in the forward pass at train.py:8" in err
    assert out == "finished debugpy\n"


def _train_twice():
    x = tf.Variable([1.0, 2.0])
    optimizer = tf.keras.optimizers.Adam(0.1)
    for _ in range(2):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.exp(x) * x)
        grads = tape.gradient(loss, [x])                 # line: gradient of the loop
        optimizer.apply_gradients(zip(grads, [x]))       # line: apply of the loop


def test_a_file_line_breakpoint_hits_every_vjp_op_and_update_op_said_from_that_line():
    backward = break_on(file="test_breakpoints.py", action="continue",
                        line=line_of(__file__, "# line: gradient of the loop"))
    updates = break_on(file="test_breakpoints.py", action="continue",
                       line=line_of(__file__, "# line: apply of the loop"))
    _train_twice()
    # as before the VJPs' and the updates' ops took their line without walking the stack
    vjp_ops = ["reshape", "broadcast_to", "multiply", "multiply", "multiply", "add"]
    assert [(h.node.op.name, h.node.phase) for h in backward.hits] == \
        [(name, "backward") for name in vjp_ops * 2]
    update_ops = ["moving_average", "square", "moving_average", "adam_step", "assign_add"]
    assert [h.node.op.name for h in updates.hits] == update_ops * 2


def test_a_misspelt_op_or_kind_is_refused_with_the_closest_names():
    """A breakpoint on an op no engine has would never stop: break_on says so at once."""
    with pytest.raises(ValueError, match=r"no op is called 'lgo'; did you mean 'log'\?"):
        break_on(op="lgo")
    with pytest.raises(ValueError, match=r"no op is called 'expp'; did you mean 'exp'"):
        break_on(op=["log", "expp"])
    with pytest.raises(ValueError, match=r"no kind is called 'convv'; did you mean 'conv'"):
        break_on(kind="convv")
    with pytest.raises(TypeError, match=r"op must be a name .* got 3 \(int\)"):
        break_on(op=3)
    assert breakpoints() == []   # nothing was armed by the refused calls


def test_a_public_function_name_breaks_on_the_op_it_makes():
    """`tf.divide` makes the tape's `truediv`: break_on(op="divide") stops there, as
    break_on(op=tf.divide) does, instead of refusing a name the user just called (and still
    at torch's `divide`, where the PyTorch adapter is loaded)."""
    bp = break_on(op="divide", action="continue")
    assert bp.op == {"divide", "truediv"}
    x = tf.constant([1.0, 2.0])
    _ = tf.exp(x)
    y = tf.divide(x, 2.0)   # line: divide
    assert [(h.node.op.name, h.node.source.lineno) for h in bp.hits] == \
        [("truediv", line_of(__file__, "# line: divide"))]
    np.testing.assert_allclose(bp.hits[0].node.output.numpy(), y.numpy())
