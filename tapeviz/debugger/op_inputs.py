"""What an op calls each of its inputs and what the user's line wrote for it.

The failed node of a `%%tapeviz` cell, the inspector and the debugger's `node` command all
name an op's inputs so: the op's own name for each (`a`, `b` for matmul; `input`, `filters`
for conv2d; the names its error messages use), with the expression the user's line passed
when the line shows it (`a = h`), through the one `input_labels`. Read from the op row and
the line's text only.
"""
from __future__ import annotations

import ast

from ..ops.registry import REGISTRY
from .breakpoint import _op_made_by   # the one map of public names to op names
from ..statements import parse_source

# the operators whose op a line shows as `x @ w`, `x + y`, ...: their ops by name
_OPERATORS = {ast.MatMult: "matmul", ast.Add: "add", ast.Sub: "subtract",
              ast.Mult: "multiply", ast.Div: "truediv"}


def input_names(op, count: int) -> list:
    """The op's name for each of its first `count` inputs ('a', 'b' for matmul), else
    'input <i>' (an op of unknown name, `op` None, or past the names it has).

    >>> from tapeviz.ops.registry import REGISTRY
    >>> input_names(REGISTRY["matmul"], 2), input_names(None, 1)
    (['a', 'b'], ['input 0'])
    """
    named = getattr(op, "input_names", None) or ()
    return [named[i] if i < len(named) else f"input {i}" for i in range(count)]


def input_labels(op, source, count: int, phase: str = "forward") -> list:
    """Each of the first `count` inputs of `op` (an op row, or the name of one) as the
    inspector, the debugger's `node` command and a failed cell's graph all label it: the op's
    name for it, with what the user's line (`source`) wrote for it when that says more
    ('a = h', 'b = tf.ones([3, 4])'; 'x' alone for an `x` passed as `x`). Only a forward op's
    line is its call: a VJP's ops share the line that called `gradient`.

    >>> from tapeviz.ops.registry import REGISTRY
    >>> input_labels("matmul", None, 2), input_labels(REGISTRY["exp"], None, 1)
    (['a', 'b'], ['x'])
    """
    names = input_names(REGISTRY.get(op) if isinstance(op, str) else op, count)
    if phase != "forward":
        return names
    written = written_arguments(op, source, count)
    return [f"{name} = {passed}" if passed and passed != name else name
            for name, passed in zip(names, written)]


def written_arguments(op, source, count: int) -> list:
    """What the user's statement (`source`, a SourceInfo or None; the whole statement, when
    it spans lines) passed for each of the `count` inputs of `op` (an op row, or the name
    of one), as written there ('h', 'tf.ones([3, 4])'), '' for each when it does not show
    it: it holds no one call of the op by its name (`tf.matmul(h, w)`) or operator
    (`h @ w`), the op ran inside a layer or loss, or the op has fewer names than inputs
    (the list passed to `concat` is all of them, not its first)."""
    op_name, op = (op, REGISTRY.get(op)) if isinstance(op, str) else (op.name, op)
    names = getattr(op, "input_names", None) or ()
    line = source.statement if source is not None else ""
    if len(names) < count:
        return [""] * count
    try:
        tree = parse_source(line)
    except SyntaxError:
        return [""] * count
    calls = [node for node in ast.walk(tree) if _calls(node, op_name)]
    if len(calls) != 1:
        return [""] * count
    call = calls[0]
    if isinstance(call, ast.Subscript):
        written = _subscripted(call, count)
    elif isinstance(call, ast.BinOp):
        written = [call.left, call.right]
    else:
        keywords = {k.arg: k.value for k in call.keywords}
        written = list(call.args) + [keywords.get(name) for name in names[len(call.args):]]
    if any(isinstance(arg, ast.Starred) for arg in written):
        return [""] * count
    texts = [ast.unparse(arg) if arg is not None else "" for arg in written[:count]]
    return texts + [""] * (count - len(texts))


def _subscripted(subscript: ast.Subscript, count: int) -> list:
    """What `probs[rows, labels]` passed a torch getitem's `count` inputs: the subscripted
    value, then the key's parts that may be tensors, in order (no number, slice, `...` or
    None is one); Nones past the value when the key holds other than `count - 1` of them."""
    key = subscript.slice
    parts = key.elts if isinstance(key, ast.Tuple) else [key]
    tensors = [part for part in parts if not isinstance(part, (ast.Constant, ast.Slice))
               and not (isinstance(part, ast.UnaryOp) and isinstance(part.operand, ast.Constant))]
    if len(tensors) != count - 1:
        tensors = [None] * (count - 1)
    return [subscript.value, *tensors]


def _calls(node, op: str) -> bool:
    """Whether `node` calls `op` by its name (`tf.matmul(...)`, `matmul(...)`), by the name of
    the public function that makes it (`tf.divide` makes `truediv`), by its operator, or
    subscripts a tensor (`x[i]`: torch's getitem)."""
    if isinstance(node, ast.Subscript):
        return op == "getitem"
    if isinstance(node, ast.BinOp):
        return _OPERATORS.get(type(node.op)) == op
    if isinstance(node, ast.Call):
        func = node.func
        name = getattr(func, "attr", getattr(func, "id", None))
        return name == op or (isinstance(name, str) and _op_made_by(name) == op)
    return False


__all__ = ["input_labels", "input_names", "written_arguments"]
