"""numpy's floating-point warnings from ops a Recorder runs again on a look, said from the
line each op ran at in the user's program, as dispatch's are (`fpwarnings`): numpy warns
from the frame that called the ufunc, which in a replay is tapeviz's (debugger/program.py,
an op's forward), so "log: invalid value" pointed inside tapeviz at the look.

numpy's error state is per thread, so a look beside a Runner's loop leaves the loop's own
warnings alone (a `catch_warnings` would take the whole process's)."""
from __future__ import annotations

import sys
import warnings

import numpy as np

from ..fpwarnings import _file_named
from ..nonfinite import in_pass, reason


class SaidAtTheirLines:
    """A replay's numpy error handler: `branch` and `arrays` name the op running now; each
    error numpy warns of is warned again from that op's own line (a `with` block: the
    error kinds numpy would warn of call it instead, the others stay as they were)."""

    def __init__(self):
        self.branch = None
        self.arrays = ()

    def __enter__(self):
        kinds = {kind: "call" for kind, said in np.geterr().items() if said == "warn"}
        self._state = np.errstate(call=self, **kinds)
        self._state.__enter__()
        return self

    def __exit__(self, *exc):
        return self._state.__exit__(*exc)

    def __call__(self, kind: str, flag: int) -> None:
        branch = self.branch
        source = getattr(branch, "source", None)
        if source is None:
            warnings.warn(f"{kind} encountered", RuntimeWarning, stacklevel=2)
            return
        name = branch.op.name
        phase = f" ({in_pass('backward')})" if branch.phase == "backward" else ""
        why = reason(name, self.arrays)
        text = f"{name}{phase}: {kind} encountered in {name}" + (f"; {why}" if why else "")
        module, registry = _module_of(source.filename)
        warnings.warn_explicit(text, RuntimeWarning, _file_named(source.filename),
                               source.lineno, module=module, registry=registry)


def _module_of(filename: str) -> tuple:
    """(the name of the module run from `filename`, its warnings registry): "once per line"
    as for the warning the op gave when it first ran; a notebook cell's is `__main__`'s."""
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) == filename:
            break
    else:
        module = sys.modules["__main__"]
    return module.__name__, vars(module).setdefault("__warningregistry__", {})
