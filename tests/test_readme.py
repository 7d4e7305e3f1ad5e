"""README.md as a newcomer reads it: every ```python block runs as written, in a fresh
namespace, with no display and no network, and prints the output README shows after it. A
block that says some names are "your own" gets a fixture that makes exactly those names,
declared below beside the block's heading (tests/test_readme_names.py checks the files,
commands and names README gives)."""
import os
import re
import subprocess
import sys

import pytest

import tapeviz as tf
from readme import Block, paragraphs, prose, python_blocks, shown_output, spans, your_own_names

TORCH_INSTALL = 'pip install "tapeviz[torch]"'


# ---- the reader's own names, by the heading of the block that uses them -------------------------
def keras_training():
    """A Keras model (its first Dense is `sequential/dense`), a train() of three steps, and a
    persistent tape with its loss and a variable."""
    tf.keras.backend.clear_session()
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    x, y = tf.random.normal((8, 3)), tf.random.normal((8, 1))
    optimizer = tf.keras.optimizers.SGD(0.1)

    def train():
        for _ in range(3):
            with tf.GradientTape() as step_tape:
                step_loss = tf.reduce_mean(tf.square(model(x) - y))
            grads = step_tape.gradient(step_loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))

    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    return {"train": train, "model": model, "tape": tape, "loss": loss,
            "w": model.trainable_variables[0]}


def keras_batch():
    """A Keras model, its loss function, a batch and its labels."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    return {"model": model, "x": tf.random.normal((4, 2)), "y": tf.constant([0, 2, 1, 0]),
            "loss_fn": tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)}


def torch_training():
    """A torch module, a batch, its labels and a train() of three SGD steps."""
    torch = pytest.importorskip("torch", reason=f"torch is not installed: {TORCH_INSTALL}")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def train():
        for _ in range(3):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()

    return {"model": model, "x": x, "y": y, "train": train}


YOUR_OWN = {
    "## Debugging, from plain Python": keras_training,
    "## In Jupyter": keras_batch,
    "## Debugging PyTorch programs": torch_training,
}


def test_the_blocks_that_say_names_are_your_own_are_those_declared_here():
    said = {block.heading for block in python_blocks() if your_own_names(block)}
    assert said == set(YOUR_OWN), "a heading renamed, or a block's own names moved"


@pytest.mark.parametrize("heading", YOUR_OWN)
def test_each_fixture_makes_exactly_the_names_its_block_says_are_your_own(heading):
    (names,) = [your_own_names(block) for block in python_blocks()
                if block.heading == heading and your_own_names(block)]
    assert set(YOUR_OWN[heading]()) == names


# ---- the python blocks --------------------------------------------------------------------------


def blocks_with_output() -> list[Block]:
    return [block for block in python_blocks() if shown_output(block)]


@pytest.mark.parametrize("block", blocks_with_output(), ids=lambda block: shown_output(block)[0])
def test_a_block_prints_what_readme_shows_when_run_as_the_script_it_names(block, tmp_path):
    """A session at pdb's prompt is shown as a terminal echoes it: each '(Pdb) command'
    line is typed in; pdb's '> /path/to/script(line)' is where the reader saved it."""
    if re.search(r"^import torch", block.code, re.M):
        pytest.importorskip("torch", reason=f"torch is not installed: {TORCH_INSTALL}")
    script, shown = shown_output(block)
    (tmp_path / script).write_text(block.code)
    typed = re.findall(r"^\(Pdb\) (.*)\n", shown, re.M)
    env = dict(os.environ, TAPEVIZ_DEBUGGER="pdb") if typed else None   # stdin: a pipe
    run = subprocess.run([sys.executable, script], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, input="\n".join(typed) + "\n", env=env)
    assert run.returncode == 0, run.stderr
    printed = run.stdout.replace(f"> {tmp_path}/", "> /path/to/")
    assert printed == re.sub(r"^\(Pdb\) .*\n", "(Pdb) ", shown, flags=re.M)


def test_the_first_block_and_the_nan_one_show_their_output():
    assert [shown_output(block)[0] for block in blocks_with_output()] == [
        "first.py", "nan.py", "diverge.py", "stop.py", "torch_nan.py"]
    assert python_blocks()[0].heading == "## What it is"


@pytest.fixture
def shell(monkeypatch):
    """IPython's test shell with a fresh namespace (the one it had is put back after), and
    the magics' displays dropped: nothing is shown."""
    pytest.importorskip("anywidget", reason='the Jupyter extra: pip install "tapeviz[jupyter]"')
    from IPython.testing import globalipapp

    import tapeviz.ipython.magic as magic
    monkeypatch.setattr(magic, "display", lambda shown: None)
    shell = globalipapp.get_ipython()
    kept = dict(shell.user_ns)
    shell.reset(new_session=False)
    yield shell
    shell.user_ns.clear()
    shell.user_ns.update(kept)


def run_cell(shell, code: str):
    result = shell.run_cell(code)
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        raise error


def test_the_jupyter_blocks_run_in_order_in_a_kernel_and_draw_the_cells_tape(
        shell, monkeypatch):
    import tapeviz.ipython.magic as magic
    displayed = []
    monkeypatch.setattr(magic, "display", displayed.append)
    cells = [block for block in python_blocks() if block.heading == "## In Jupyter"]
    assert [cell.code.split("\n")[0] for cell in cells] == ["%load_ext tapeviz", "%%tapeviz"]
    shell.user_ns.update(keras_batch())
    try:
        for cell in cells:
            run_cell(shell, cell.code)
        (widget,) = displayed
        assert type(widget).__name__ == "TapeWidget"
        assert "matmul" in widget.svg and "sparse_categorical" in widget.svg
        assert len(shell.user_ns["grads"]) == 2
    finally:
        shell.run_line_magic("unload_ext", "tapeviz")


@pytest.fixture
def nothing_left_listening():
    """A block's Recorder, breakpoints and Dashboard stop listening once it has run (the
    dashboard's timer lets go within a push or two of its run's end), so later tests run
    unheard."""
    import time

    from tapeviz import events
    before = set(events.subscribers())
    yield
    deadline = time.monotonic() + 10
    while set(events.subscribers()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(events.subscribers()) <= before, set(events.subscribers()) - before


def test_the_debugging_block_runs_as_pasted_with_the_readers_own_names(
        nothing_left_listening):
    (block,) = [b for b in python_blocks() if b.heading == "## Debugging, from plain Python"
                and your_own_names(b)]
    names = keras_training()
    try:
        exec(compile(block.code, "readme_debugging.py", "exec"), names)
        assert names["runner"].join(60)
    finally:
        tf.debugger.clear_breakpoints()
        tf.debugging.disable_check_numerics()
    assert len(names["rec"].steps) == 3 and names["runner"].state == "finished"
    assert names["stepper"].current is not None
    assert tf.debugger.Runner.live() == []


def test_the_pytorch_block_runs_as_pasted_with_the_readers_own_names(
        nothing_left_listening):
    pytest.importorskip("anywidget", reason='the Jupyter extra: pip install "tapeviz[jupyter]"')
    (block,) = [b for b in python_blocks() if b.heading == "## Debugging PyTorch programs"
                and your_own_names(b)]
    names = torch_training()
    import tapeviz.torch as tvt
    try:
        exec(compile(block.code, "readme_torch.py", "exec"), names)
        assert names["runner"].join(60)
    finally:
        tvt.clear_breakpoints()
    assert names["runner"].state == "finished"
    assert len(names["rec"].steps) == 3
    assert [node.op.name for node in names["tape"].nodes] == ["linear", "relu", "linear",
                                                              "cross_entropy"]


def test_every_python_block_is_run_by_a_test_here():
    """Each block either shows its output, is a notebook cell, or names the reader's own names
    (each of those headings has its test above)."""
    for block in python_blocks():
        assert (shown_output(block) or block.heading == "## In Jupyter"
                or your_own_names(block)), (block.line, block.code[:200])


def test_every_magic_readme_gives_exists_with_its_flags_and_the_breakpoint_ones_run(
        shell, capsys):
    magics = [span for span in spans(prose()) if re.match(r"%%?\w", span)]
    flags = {word for paragraph in paragraphs() if "%" in paragraph
             for span in spans(paragraph) for word in span.split()
             if re.fullmatch(r"--[\w-]+", word)}
    run_cell(shell, "%load_ext tapeviz")
    try:
        found = shell.magics_manager.magics
        for span in magics:
            kind, name = ("cell", span[2:]) if span.startswith("%%") else ("line", span[1:])
            name = re.match(r"\w+", name).group()
            assert name in found[kind], span
            usage = found[kind][name].__doc__ or ""
            assert all(flag in usage for flag in re.findall(r"--[\w-]+", span)), span
        usages = " ".join(found[kind][name].__doc__ or "" for kind in ("line", "cell")
                          for name in found[kind] if name.startswith("tapeviz"))
        assert flags and all(flag in usages for flag in flags), flags
        run_cell(shell, "%tapeviz_break op=abs")
        assert [str(point) for point in tf.debugger.breakpoints()] != []
        run_cell(shell, "%tapeviz_break --list")
        assert "abs" in capsys.readouterr().out
        run_cell(shell, "%tapeviz_break --clear")
        assert tf.debugger.breakpoints() == []
    finally:
        tf.debugger.clear_breakpoints()
        run_cell(shell, "%unload_ext tapeviz")
    assert "tapeviz" not in shell.magics_manager.magics["cell"]


def test_no_block_imports_a_name_it_never_uses():
    """A notebook's cells (blocks starting with a magic) are read together, as the kernel
    runs them."""
    import ast
    programs: dict = {}
    for block in python_blocks():
        notebook = block.code.startswith("%")
        key = block.heading if notebook else block.line
        code = "\n".join(line for line in block.code.splitlines() if not line.startswith("%"))
        programs[key] = programs.get(key, "") + code + "\n"
    unused = []
    for key, code in programs.items():
        tree = ast.parse(code)
        imported = {(alias.asname or alias.name).split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
        used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        unused += [(key, name) for name in sorted(imported - used)]
    assert unused == []




def test_a_widget_prints_in_a_terminal_the_line_readme_shows():
    """README's `<TapeWidget: persistent tape, 10 ops, loss 0.73>`, its numbers masked."""
    pytest.importorskip("anywidget", reason='the Jupyter extra: pip install "tapeviz[jupyter]"')
    from tapeviz.viz import TapeWidget
    (shown,) = [span for span in spans(prose()) if span.startswith("<TapeWidget:")]
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tf.reduce_mean(tf.square(tf.tanh(tf.matmul([[1.0, 2.0]], w)) - 0.5))   # the loss
    masked = re.escape(shown).replace(r"10", r"\d+").replace(r"0\.73", r"[\d.e+-]+")
    assert re.fullmatch(masked, repr(TapeWidget(tape))), (shown, repr(TapeWidget(tape)))
