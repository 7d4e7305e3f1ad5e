"""What README.md names exists as it says: every file and folder, each shell command's extras,
pin, script and flags (read from the script's `--help`; nothing long is run), every `tf.`
and `tapeviz.` name, each example and notebook; the first screen says what tapeviz is and
gives the two commands, and a term a TF2 user may not know is explained where first used."""
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

import tapeviz as tf
from readme import (README, ROOT, paragraphs, prose, readme_blocks, scripts_readme_writes,
                    spans)


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


def test_readme_names_every_example_and_notebook_and_counts_them_right():
    text = README.read_text()
    examples = sorted(path.name for path in (ROOT / "examples").glob("*.py"))
    notebooks = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert [name for name in examples + notebooks if name not in text] == []
    words = {3: "three", 4: "four", 5: "five", 6: "six"}
    assert f"the {words[len(notebooks)]} notebooks in `notebooks/`" in text


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
