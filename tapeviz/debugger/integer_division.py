"""Pixels scaled by integer division: `images // 255` where `images / 255` was meant. Every
pixel below 255 becomes 0 and only the brightest ones 1, so most of each image is lost and
the model learns from what is left, slowly. Seen where the first layer reads images of 0
and 1 alone and the function calling the model, its file's top level, a lambda there
(`dataset.map(lambda x, y: (x // 255, y))`), a function they call (nested in the training
function, defined in another file or notebook cell, and the functions it calls in turn) or
a function of its file calling the training function (a script's `main()`) divides by 255
with `//`, the line named (an image binarised on purpose is no finding: it
is not written so; `x / 255` on integers is a true division, to float32 for uint8, in TF as
here). A call is followed to a function defined in a function holding it, else to the one
its name is bound to in the caller's namespace (the module's globals, a notebook's user
namespace) or by an import beside it.
"""
from __future__ import annotations

import ast
import inspect
import os
import sys

import numpy as np

from ..sourceinfo import SourceInfo
from .findings import Finding
from .input_scale import _image_like
from .label_source import innermost_scope, own_nodes
from .op_index import WEIGHING

_SCALES = (255, 255.0, 256, 256.0)   # what pixels are divided by to scale them to 0-1
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
DEPTH = 2   # how many calls deep a division is looked for, from the training code
# where a library's code lives (numpy's site-packages, tapeviz, the interpreter): not the user's
_LIBRARIES = tuple(os.path.join(folder, "") for folder in {
    os.path.dirname(os.path.dirname(np.__file__)),
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), sys.prefix, sys.base_prefix})


def integer_divided_pixels(by_op: dict) -> list:
    """A Finding when the first layer's op (among `by_op`, from `op_index.ops_named`) reads
    images holding only 0 and 1, and its line's file divides by 255 with `//`."""
    layers = [pair for op in WEIGHING for pair in by_op.get(op, ())]
    if not layers:
        return []
    _, layer = min(layers, key=lambda pair: pair[0])
    value = np.asarray(layer.inputs[0]._value)
    if not _image_like(value) or layer.source is None:
        return []
    sample = value.ravel()[::max(1, value.size // 100_000)]
    ones = np.count_nonzero(sample == 1)
    if not 0 < ones < sample.size or np.count_nonzero(sample) != ones:
        return []   # (some value neither 0 nor 1, or all one of them)
    divided = _floor_division_by_255(layer.source)
    if divided is None:
        return []
    return [_finding(layer, value, divided)]


def _floor_division_by_255(source) -> SourceInfo | None:
    """The first line dividing by 255 (or 256) with `//` or `//=` in the function that holds
    `source`'s line (the model's call) or at its module's top level, a lambda there included
    (`dataset.map(lambda x, y: (x // 255, y))`): a script's or a notebook cell's data
    preparation, or the training function's; else in a function they call (`_in_called`)."""
    module, scope = innermost_scope(source.filename, source.lineno)
    if module is None:
        return None
    nodes = _run_in(module) + (_run_in(scope) if scope is not module else [])
    found = _first_division(nodes, source.filename)
    namespace = _namespace(source.filename)
    if found is None:
        found = _in_called(nodes, namespace, source.filename, module, DEPTH)
    if found is None and scope is not module:
        found = _in_callers(scope, namespace, source.filename, module, DEPTH)
    return found


def _in_callers(function, namespace: dict, filename: str, module, depth: int):
    """The first line dividing by 255 with `//` in a function of `module` that calls
    `function` (a script's `main()` preparing the data it gives the training function), or
    in one it calls, followed `depth` callers up."""
    for caller in _calling(module, function.name, filename):
        body = _run_in(caller)
        found = _first_division(body, filename, f"{caller.name}, which calls {function.name}")
        if found is None:
            seen = {(filename, function.lineno)}
            found = _in_called(body, namespace, filename, module, DEPTH, seen)
        if found is None and depth > 1:
            found = _in_callers(caller, namespace, filename, module, depth - 1)
        if found is not None:
            return found
    return None


def _calling(module, name: str, filename: str) -> list:
    """The functions of `module` (file `filename`) whose own code calls one named `name`
    (`train(...)`, `self.train(...)`): the one alone, else those running now (the
    diagnosis asked from inside them); which of several ran, nothing recorded says."""
    calling = [node for node in ast.walk(module) if isinstance(node, _FUNCTIONS)
               and node.name != name and any(
                   isinstance(call, ast.Call) and _called_name(call.func) == name
                   for call in own_nodes(node))]
    if len(calling) < 2:
        return calling
    path, frame, running = os.path.abspath(filename), sys._getframe(), set()
    while frame is not None:
        if os.path.abspath(frame.f_code.co_filename) == path:
            running.add((frame.f_code.co_name, frame.f_code.co_firstlineno))
        frame = frame.f_back
    return [node for node in calling if any(
        (node.name, line) in running for line in (node.lineno, *(d.lineno for d in
                                                                 node.decorator_list)))]


def _run_in(scope) -> list:
    """The nodes of `scope` (`own_nodes`) and of the lambdas among them, which run where
    they are given (`dataset.map(lambda ...)`); a nested function's run only when called."""
    nodes = list(own_nodes(scope))
    lambdas = [child for node in nodes for child in ast.iter_child_nodes(node)
               if isinstance(child, ast.Lambda)]
    return nodes + [node for function in lambdas for node in own_nodes(function)]


def _first_division(nodes, filename: str, function: str = "") -> SourceInfo | None:
    """The first of `nodes` (of file `filename`) that divides by 255 with `//`, as a
    SourceInfo whose function says where it runs: `function`, else the lambda holding it."""
    lines = [node.lineno for node in nodes if _divides_by_255(node)]
    if not lines:
        return None
    line = min(lines)
    if not function:
        given = [call for call in nodes if isinstance(call, ast.Call) and any(
            isinstance(argument, ast.Lambda) and argument.lineno <= line <= argument.end_lineno
            for argument in (*call.args, *(k.value for k in call.keywords)))]
        if given:
            function = f"the lambda given to {_called_name(given[0].func)}"
    return SourceInfo(filename, line, function)


def _called_name(function) -> str:
    """'map' of `dataset.map`, 'scale' of `scale`: what a call's function is called."""
    return getattr(function, "attr", getattr(function, "id", "a call"))


def _in_called(nodes, namespace: dict, filename: str, module, depth: int,
               seen=None) -> SourceInfo | None:
    """The first line dividing by 255 with `//` in a function that a call among `nodes` (of
    file `filename`, parsed as `module`, whose names `namespace` binds) runs or is given,
    followed `depth` calls deep; its SourceInfo's function says which and from where."""
    seen = set() if seen is None else seen
    imports = _imports(nodes)
    calls = [node for node in nodes if isinstance(node, ast.Call)]
    # what each call runs: its function, and a function it is given (`dataset.map(scale)`)
    named = [(call, named) for call in calls for named in (call.func, *call.args)
             if isinstance(named, (ast.Name, ast.Attribute))]
    for call, expression in named:
        called = _called(expression, call.lineno, namespace, imports, filename, module)
        if called is None or (called[1], called[0].lineno) in seen:
            continue
        definition, file, globals_, parsed = called
        seen.add((file, definition.lineno))
        body = _run_in(definition)
        called_at = SourceInfo(filename, call.lineno, "").location
        found = _first_division(body, file, f"{definition.name}, run from {called_at}")
        if found is not None:
            return found
        if depth > 1:
            found = _in_called(body, globals_, file, parsed, depth - 1, seen)
            if found is not None:
                return found
    return None


def _called(expression, lineno: int, namespace: dict, imports: dict, filename: str, module):
    """(the `def` statement, its file, the names its code sees, its file parsed) of the
    function a call's `expression` at line `lineno` runs: one defined in a function holding
    the call (a helper nested in the training function) first, as Python looks names up,
    else the one its name is bound to; None for a library's or one not found."""
    if isinstance(expression, ast.Name):
        nested = _defined_around(module, expression.id, lineno)
        if nested is not None:
            return nested, filename, namespace, module
    function = _resolved(expression, namespace, imports)
    code = getattr(function, "__code__", None)
    if code is None or _installed(code.co_filename):
        return None
    parsed, _ = innermost_scope(code.co_filename, code.co_firstlineno)
    definition = _definition(parsed, code)
    return None if definition is None else (definition, code.co_filename, function.__globals__,
                                            parsed)


def _defined_around(module, name: str, lineno: int):
    """The `def name` inside the innermost function holding line `lineno` that defines one,
    or None (a module's top-level functions are its namespace's)."""
    holding = [node for node in ast.walk(module) if isinstance(node, _FUNCTIONS)
               and node.lineno <= lineno <= node.end_lineno]
    for scope in sorted(holding, key=lambda node: node.end_lineno - node.lineno):
        found = [node for node in ast.walk(scope) if isinstance(node, _FUNCTIONS)
                 and node.name == name and node is not scope]
        if found:
            return min(found, key=lambda node: node.lineno)
    return None


def _namespace(filename: str) -> dict:
    """The names a file's code sees: its module's globals (a script run as __main__, an
    imported module), or a notebook's user namespace for a cell; empty when none is found."""
    path = os.path.abspath(filename)
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and os.path.abspath(file) == path:
            return vars(module)
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "user_ns", None) or {}


def _imports(nodes) -> dict:
    """{name: (module name, attribute or None)} bound by the `import` statements among
    `nodes` (a function's own imports, which no namespace holds)."""
    bound = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0], None)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                bound[alias.asname or alias.name] = (node.module, alias.name)
    return bound


def _resolved(expression, namespace: dict, imports: dict):
    """The object a call's `expression` (`load`, `data.load`) names, or None."""
    attributes = []
    while isinstance(expression, ast.Attribute):
        attributes.append(expression.attr)
        expression = expression.value
    if not isinstance(expression, ast.Name):
        return None
    if expression.id in imports:
        module, attribute = imports[expression.id]
        found = sys.modules.get(module)
        found = getattr(found, attribute, None) if attribute else found
    else:
        found = namespace.get(expression.id)
    for attribute in reversed(attributes):
        found = getattr(found, attribute, None)
    try:
        return inspect.unwrap(found) if callable(found) else None
    except ValueError:   # (a cycle of __wrapped__)
        return None


def _installed(filename: str) -> bool:
    """Whether `filename` is a library's (numpy's, tapeviz's, the interpreter's), not the
    user's."""
    return os.path.abspath(filename).startswith(_LIBRARIES)


def _definition(module, code):
    """The `def` statement of function `code` in `module`, its file parsed (None: it does
    not parse)."""
    if module is None:
        return None
    return next((node for node in ast.walk(module) if isinstance(node, _FUNCTIONS)
                 and code.co_firstlineno in (node.lineno, *(d.lineno for d in
                                                            node.decorator_list))), None)


def _divides_by_255(node) -> bool:
    """Whether `node` is `x // 255` or `x //= 255` (or 256)."""
    if isinstance(node, ast.BinOp):
        divisor = node.right
    elif isinstance(node, ast.AugAssign):
        divisor = node.value
    else:
        return False
    return isinstance(node.op, ast.FloorDiv) and isinstance(divisor, ast.Constant) and \
        divisor.value in _SCALES


def _finding(layer, value, divided: SourceInfo) -> Finding:
    zeros = float(np.mean(value == 0))
    shape = "x".join(map(str, value.shape))
    scope = f" in layer {layer.scope}" if layer.scope else ""
    helper = f" (in {divided.function})" if divided.function else ""
    message = (f"{layer.op.name}{scope}, the first layer, reads images of 0 and 1 alone "
               f"({zeros:.0%} zeros, a {shape} batch), and {divided.location}: "
               f"{divided.line}{helper} divides by 255 with //, an integer division: every pixel "
               f"below 255 became 0 and only the brightest 1, so most of each image is lost "
               f"and the model learns from what is left, slowly; fix: divide with / "
               f"(images / 255; for bytes, tf.cast(images, tf.float32) / 255.0)")
    return Finding("integer_division", message, layer, divided, related=layer.source)
