"""What dir() and a notebook's tab completion show of a namespace a student reaches as
`tf.<space>`: its public names (`__all__`) and its dunders, not the helpers the module
imports or shares inside the package (np, numbers, bad_argument, its submodules), which
`from tapeviz.x import helper` still reaches: only the listing changes."""
from __future__ import annotations

import sys


def listing(module_name: str):
    """The module-level `__dir__` (PEP 562) of `module_name`, read when called, so names a
    module adds to its `__all__` after this line are listed too."""
    def __dir__() -> list:
        names = vars(sys.modules[module_name])
        return sorted([name for name in names if name.startswith("__")] + list(names["__all__"]))
    return __dir__
