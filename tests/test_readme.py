"""README.md as a newcomer reads it: every ```python block runs as written, in a fresh
namespace, with no display and no network; the output it shows is what it prints; every
shell command names files that exist and flags its script accepts (`--help`, nothing long
is run). A block that says some names are "your own" gets a fixture that makes exactly
those names, declared below beside the block's heading."""
import pathlib
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest

import tapeviz as tf

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TORCH_INSTALL = 'pip install "tapeviz[torch]"'


@dataclass
class Block:
    heading: str     # the '## ...' line the block sits under
    language: str
    code: str
    line: int        # README's line of the opening fence
    after: str       # README's text from the closing fence to the next block
    end: int         # where in README the block's closing fence ends


def readme_blocks() -> list[Block]:
    """README's fenced blocks, in order, each with the heading it sits under."""
    text = README.read_text()
    matches = list(re.finditer(r"^```(\w*)\n(.*?)^```\n", text, re.M | re.S))
    blocks, heading = [], ""
    for match, following in zip(matches, matches[1:] + [None]):
        before = text[blocks[-1].end if blocks else 0:match.start()]
        headings = re.findall(r"^#{1,2} .*", before, re.M)
        heading = headings[-1] if headings else heading
        blocks.append(Block(heading, match.group(1), match.group(2),
                            text.count("\n", 0, match.start()) + 1,
                            text[match.end():following.start() if following else len(text)],
                            match.end()))
    return blocks


def python_blocks() -> list[Block]:
    return [block for block in readme_blocks() if block.language == "python"]


def your_own_names(block: Block) -> set[str]:
    """The names a block's comment says are the reader's own ('# model, x and y are your
    own: ...')."""
    said = re.search(r"^# (.+?) (?:is|are) your own\b", block.code, re.M)
    if said is None:
        return set()
    return set(re.split(r", | and ", said.group(1)))


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


def test_each_block_that_says_names_are_your_own_has_a_fixture_making_exactly_those():
    said = {block.heading: your_own_names(block) for block in python_blocks()
            if your_own_names(block)}
    assert set(said) == set(YOUR_OWN), "a heading renamed, or a block's own names moved"
    for heading, names in said.items():
        fixture = YOUR_OWN[heading]
        made = set(fixture())
        assert made == names, (heading, made, names)


# ---- the python blocks --------------------------------------------------------------------------
def shown_output(block: Block):
    """The script README names right after `block` ('run with `python first.py`') and the
    ```text block that follows, what it prints; or None."""
    blocks = readme_blocks()
    following = blocks[[b.line for b in blocks].index(block.line) + 1]
    script = re.search(r"`python (\S+\.py)`", block.after)
    if following.language != "text" or script is None:
        return None
    return script.group(1), following.code


def test_the_first_block_prints_what_readme_shows_when_run_as_a_script(tmp_path):
    first = python_blocks()[0]
    assert first.heading == "## What it is"
    script, shown = shown_output(first)
    (tmp_path / script).write_text(first.code)
    run = subprocess.run([sys.executable, script], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == shown


def ipython_shell(names: dict):
    """IPython's test shell with a fresh namespace holding only `names`; what the magics
    display is kept in `shell.displayed`, not shown."""
    pytest.importorskip("IPython")
    from IPython.testing import globalipapp
    shell = globalipapp.get_ipython()
    shell.reset(new_session=False)
    shell.user_ns.update(names)
    return shell


def run_cell(shell, code: str):
    result = shell.run_cell(code)
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        raise error


def test_the_jupyter_blocks_run_in_order_in_a_kernel_and_draw_the_cells_tape(monkeypatch):
    pytest.importorskip("anywidget", reason='the Jupyter extra: pip install "tapeviz[jupyter]"')
    import tapeviz.ipython.magic as magic
    displayed = []
    monkeypatch.setattr(magic, "display", displayed.append)
    cells = [block for block in python_blocks() if block.heading == "## In Jupyter"]
    assert [cell.code.split("\n")[0] for cell in cells] == ["%load_ext tapeviz", "%%tapeviz"]
    shell = ipython_shell(keras_batch())
    try:
        for cell in cells:
            run_cell(shell, cell.code)
        (widget,) = displayed
        assert type(widget).__name__ == "TapeWidget"
        assert "matmul" in widget.svg and "sparse_categorical" in widget.svg
        assert len(shell.user_ns["grads"]) == 2
    finally:
        shell.run_line_magic("unload_ext", "tapeviz")


def test_the_debugging_block_runs_as_pasted_with_the_readers_own_names():
    (block,) = [b for b in python_blocks() if b.heading == "## Debugging, from plain Python"]
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


def test_the_pytorch_block_runs_as_pasted_with_the_readers_own_names():
    pytest.importorskip("anywidget", reason='the Jupyter extra: pip install "tapeviz[jupyter]"')
    (block,) = [b for b in python_blocks() if b.heading == "## Debugging PyTorch programs"]
    names = torch_training()
    import tapeviz.torch as tvt
    try:
        exec(compile(block.code, "readme_torch.py", "exec"), names)
        assert names["runner"].join(60)
    finally:
        tvt.clear_breakpoints()
    assert names["runner"].state == "finished"
    assert len(names["rec"].steps) == 3
    assert "linear" in {node.op.name for node in names["tape"].nodes}


def test_every_python_block_is_run_by_a_test_here():
    run_here = {"## What it is", "## In Jupyter", "## Debugging, from plain Python",
                "## Debugging PyTorch programs"}
    assert {block.heading for block in python_blocks()} == run_here
