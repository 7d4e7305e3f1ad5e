"""Whether a training function reaches PyTorch: the names its code reads (and its nested
functions', its closure's and the helpers of the user's own it calls), and the arguments it
is given, resolved to the objects they name. Read once, when a Runner starts, so a loop that
only imports torch beside a tapeviz model is not warned of a torch loop it does not run."""
from __future__ import annotations

import functools
import types

_DEPTH = 3   # the user's own helpers followed this deep: train -> step -> loss


def reaches_torch(function, args: tuple = (), kwargs: dict | None = None) -> bool:
    """True when `function`, given `args` and `kwargs`, names a torch module, class, function
    or object (an nn.Module of the user's own class, an optimizer, a tensor, a DataLoader)."""
    given = list(args) + list((kwargs or {}).values())
    while True:   # a partial's or a bound method's function, with what it was given
        if isinstance(function, functools.partial):
            given += list(function.args) + list(function.keywords.values())
            function = function.func
        elif isinstance(function, types.MethodType):
            given.append(function.__self__)
            function = function.__func__
        else:
            break
    return any(_is_torch(value) for value in given) or _code_reaches(function, _DEPTH, set())


def _code_reaches(function, depth: int, seen: set) -> bool:
    code = getattr(function, "__code__", None)
    if code is None or code in seen or depth < 0:
        return False
    seen.add(code)
    cells = [_contents(cell) for cell in function.__closure__ or ()]
    scope = function.__globals__
    named = [scope.get(name, getattr(scope.get("__builtins__"), name, None))
             for name in _names(code)]
    for value in cells + named:
        if _is_torch(value):
            return True
        if isinstance(value, types.FunctionType) and _code_reaches(value, depth - 1, seen):
            return True
    return False


def _names(code) -> set:
    """The global and attribute names `code` reads, its nested functions' too."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:   # a closure variable not bound yet
        return None


def _is_torch(value) -> bool:
    if value is None:
        return False
    if isinstance(value, types.ModuleType):
        return _torchs(value.__name__)
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
        return _torchs(getattr(value, "__module__", None))
    kind = value if isinstance(value, type) else type(value)
    return any(_torchs(getattr(base, "__module__", None)) for base in kind.__mro__)


def _torchs(module: str | None) -> bool:
    return module is not None and (module == "torch" or module.startswith("torch."))
