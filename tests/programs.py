"""Loading the example programs as modules, so tests run them as a user would."""
import importlib.util
import pathlib

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str):
    """Import examples/<name>.py (running its top level) and return the module."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def line_of(path, marker: str) -> int:
    """The number of the first line of file `path` containing `marker` (lines that call
    line_of, which hold the marker too, are skipped)."""
    with open(path) as f:
        for number, text in enumerate(f, start=1):
            if marker in text and "line_of(" not in text:
                return number
    raise AssertionError(f"no line of {path} contains {marker!r}")
