"""Collection rules for the whole repository: without torch (an optional extra), the torch
adapter's modules are not collected as doctests (each would fail to import);
tests/pytorch/conftest.py reports its tests skipped, saying how to install it."""
import importlib.util


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ValueError:   # blocked: sys.modules[name] is None
        return False


collect_ignore_glob = [] if _installed("torch") else ["tapeviz/torch/*.py"]
