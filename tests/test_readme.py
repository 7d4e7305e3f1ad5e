"""README.md as a newcomer reads it: every ```python block runs as written, in a fresh
namespace, with no display and no network; the output it shows is what it prints; every
shell command names files that exist and flags its script accepts (`--help`, nothing long
is run). A block that says some names are "your own" gets a fixture that makes exactly
those names, declared below beside the block's heading."""
import os
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


def test_the_blocks_that_say_names_are_your_own_are_those_declared_here():
    said = {block.heading for block in python_blocks() if your_own_names(block)}
    assert said == set(YOUR_OWN), "a heading renamed, or a block's own names moved"


@pytest.mark.parametrize("heading", YOUR_OWN)
def test_each_fixture_makes_exactly_the_names_its_block_says_are_your_own(heading):
    (names,) = [your_own_names(block) for block in python_blocks()
                if block.heading == heading and your_own_names(block)]
    assert set(YOUR_OWN[heading]()) == names


# ---- the python blocks --------------------------------------------------------------------------
def shown_output(block: Block):
    """The script README names right after `block` ('run with `python first.py`') and the
    ```text block that follows, what it prints; or None."""
    blocks = readme_blocks()
    following = blocks[[b.line for b in blocks].index(block.line) + 1:][:1]
    script = re.search(r"`python (\S+\.py)`", block.after)
    if not following or following[0].language != "text" or script is None:
        return None
    return script.group(1), following[0].code


def scripts_readme_writes() -> set[str]:
    """The files README has the reader save its blocks as ('first.py')."""
    return {shown_output(block)[0] for block in python_blocks() if shown_output(block)}


def blocks_with_output() -> list[Block]:
    return [block for block in python_blocks() if shown_output(block)]


@pytest.mark.parametrize("block", blocks_with_output(), ids=lambda block: shown_output(block)[0])
def test_a_block_prints_what_readme_shows_when_run_as_the_script_it_names(block, tmp_path):
    """A session at pdb's prompt is shown as a terminal echoes it: each '(Pdb) command'
    line is typed in; pdb's '> /path/to/script(line)' is where the reader saved it."""
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
        "first.py", "nan.py", "diverge.py", "stop.py"]
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
    """Each block either shows its output, is a notebook cell, or names the reader's own names
    (each of those headings has its test above)."""
    for block in python_blocks():
        assert (shown_output(block) or block.heading == "## In Jupyter"
                or your_own_names(block)), (block.line, block.code[:200])


# ---- the files and shell commands README names --------------------------------------------------
def prose() -> str:
    """README without its fenced blocks' code."""
    return re.sub(r"^```\w*\n.*?^```\n", "", README.read_text(), flags=re.M | re.S)


def spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def repository_files() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.split()


def test_every_file_and_folder_readme_names_exists():
    files = repository_files()
    names = {pathlib.PurePath(path).name for path in files}
    own = scripts_readme_writes()
    named = [word for span in spans(prose()) for word in span.split()]
    paths = [w for w in named if re.fullmatch(r"(\.ci|bench|examples|notebooks|tapeviz|tests)"
                                              r"/[\w./*-]*", w)]
    missing = [path for path in paths if not list(ROOT.glob(path.rstrip("/") or "."))]
    bare = [w for w in named if re.fullmatch(r"[\w*-]+\.(py|ipynb)", w) and w not in own]
    missing += [w for w in bare if not any(pathlib.PurePath(n).match(w) for n in names)]
    assert len(paths) > 40 and bare and not missing, missing


COMMAND = re.compile(r"(env (-u \S+ )+)?(\.venv/bin/|tfvenv/bin/)?(python3?|pip) .*")


def readme_commands() -> list[str]:
    """Each shell command README gives, as typed: its ```bash blocks' lines and the
    `python ...`/`pip ...` spans of its prose, split at '&&'."""
    lines = [line.split("#")[0].strip() for block in readme_blocks()
             if block.language == "bash" for line in block.code.splitlines()]
    lines += [span for span in spans(prose()) if COMMAND.fullmatch(span)]
    return [part.strip() for line in lines if line for part in line.split("&&")]


def extras() -> dict:
    """pyproject's optional dependencies, by extra (read as text: tomllib is Python 3.11's)."""
    text = (ROOT / "pyproject.toml").read_text()
    section = re.search(r"^\[project\.optional-dependencies\]\n(.*?)^\[", text, re.M | re.S)
    return dict(re.findall(r"^(\w+) = (\[.*?\])", section.group(1), re.M | re.S))


def help_of(script: str) -> str:
    """What `python <script> --help` prints (the script run from the repository root)."""
    argv = ["-m", "tapeviz"] if script == "tapeviz/__main__.py" else [script]
    run = subprocess.run([sys.executable, *argv, "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, (script, run.stderr[-2000:])
    return run.stdout


def test_every_command_names_an_extra_a_pin_or_a_script_and_flags_that_exist():
    import shlex
    checked = []
    for command in readme_commands():
        words = shlex.split(re.sub(r"^env (-u \S+ )+", "", command))
        program, args = words[0], words[1:]
        if program.endswith("pip"):
            for extra in re.findall(r"\[([\w,]+)\]", command):
                assert set(extra.split(",")) <= set(extras()), command
            for pin in re.findall(r"torch==[\d.]+", command):
                assert pin in extras()["torch"], (command, extras()["torch"])
            checked.append(command)
            continue
        if args[:2] in (["-m", "venv"], ["-m", "pytest"]):
            continue
        script = "tapeviz/__main__.py" if args[:2] == ["-m", "tapeviz"] else args[0]
        if script in scripts_readme_writes():
            continue
        assert (ROOT / script).is_file(), command
        if program.startswith("tfvenv/"):   # TensorFlow's own venv: not run here
            continue
        flags = [arg for arg in args if arg.startswith("--")]
        shown = help_of(script)
        assert all(flag in shown for flag in flags), (command, shown)
        checked.append(command)
    assert any("examples/demo.py" in command for command in checked), checked
    assert any("[test]" in command for command in checked), checked


def paragraphs() -> list[str]:
    """README's prose in paragraphs and list items, as a reader takes each in."""
    return [part for paragraph in re.split(r"\n\s*\n", prose())
            for part in re.split(r"\n(?=- )", paragraph)]


def test_every_flag_readme_gives_a_script_is_one_it_accepts():
    """`--bug N` beside examples/ten_bugs.py, `bench_debugger.py --repeats 5`: each flag
    is in the `--help` of a script its paragraph names (magics' flags: their own test)."""
    scripts = {pathlib.PurePath(path).name: path for path in repository_files()
               if re.fullmatch(r"(bench|examples)/\w+\.py", path)}
    scripts["python -m tapeviz"] = "tapeviz/__main__.py"
    helps, unchecked = {}, []
    for paragraph in paragraphs():
        if any(span.startswith("%") for span in spans(paragraph)):
            continue   # a magic's flags
        flags = {word for span in spans(paragraph) if not COMMAND.fullmatch(span)
                 for word in span.split() if re.fullmatch(r"--[\w-]+", word)}
        if not flags:
            continue
        named = {path for name, path in scripts.items()
                 if re.search(rf"(?<![\w-]){re.escape(name)}\b", paragraph)}
        if not named:
            unchecked.append((sorted(flags), paragraph[:80]))
            continue
        for path in named:
            if path not in helps:
                helps[path] = help_of(path)
        refused = [flag for flag in flags
                   if not any(re.search(rf"{flag}\b", helps[path]) for path in named)]
        assert not refused, (refused, sorted(named), paragraph[:200])
    assert not unchecked, "a flag in a paragraph naming no script"
    assert len(helps) >= 6, sorted(helps)


def test_the_first_screen_says_what_tapeviz_is_and_gives_the_two_commands():
    """Before the reader scrolls (40 lines): what it is, then setup + demo and setup + tests."""
    first_screen = "\n".join(README.read_text().splitlines()[:40])
    said = first_screen.split("```")[0]
    assert "import tapeviz as tf" in said and "TensorFlow 2" in said and "PyTorch" in said
    demo, tests = [block.code.strip() for block in readme_blocks()[:2]]
    assert demo.startswith("python3 -m venv .venv && ") and demo.endswith("examples/demo.py")
    assert tests.startswith("python3 -m venv .venv && ") and tests.endswith("-m pytest")
    assert tests in first_screen


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


def test_readme_names_every_example_and_notebook_and_counts_them_right():
    text = README.read_text()
    examples = sorted(path.name for path in (ROOT / "examples").glob("*.py"))
    notebooks = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert [name for name in examples + notebooks if name not in text] == []
    words = {3: "three", 4: "four", 5: "five", 6: "six"}
    assert f"the {words[len(notebooks)]} notebooks in `notebooks/`" in text


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


def test_every_tf_and_tapeviz_name_readme_gives_exists():
    """`tf.keras.losses.MSE`, `tapeviz.viz.TapeWidget`, `tvt.find_nan_origin`: a renamed
    function fails here. README names two of TensorFlow's as outside tapeviz's surface."""
    import importlib
    try:
        import torch  # noqa: F401
        torch_installed = True
    except ImportError:
        torch_installed = False
    outside = {"tf.image.adjust_contrast", "tf.strings"}
    missing = []
    for name in sorted(set(re.findall(r"\b((?:tf|tvt|tapeviz)\.[A-Za-z_][\w.]*\w)",
                                      README.read_text())) - outside):
        if name.startswith(("tvt.", "tapeviz.torch")) and not torch_installed:
            continue   # the adapter's names: tests/pytorch, where torch is installed
        found = importlib.import_module("tapeviz.torch" if name.startswith("tvt.") else "tapeviz")
        try:
            for part in name.split(".")[1:]:
                found = (getattr(found, part) if hasattr(found, part)
                         else importlib.import_module(f"{found.__name__}.{part}"))
        except ImportError:
            missing.append(name)
    assert missing == [], missing
    for name in outside:
        with pytest.raises(AttributeError, match="does not cover|has no"):
            getattr(tf, name.split(".")[1])


def test_terms_a_tf2_user_does_not_know_are_explained_where_first_used():
    text = README.read_text()
    explained = {"VJP": "vector-Jacobian product"}
    for term, words in explained.items():
        first = re.search(rf"\b{term}\b", text).start()
        assert 0 <= text.index(words) - first < 100, (term, text[first - 200:first + 200])
