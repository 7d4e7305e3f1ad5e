"""The name a user's line gave a batch by when it passed it to a model or a loss, for the
graph's data box and a NaN entry's words: `logits = model(images, training=True)` runs a
model's first op at that line, which reads `images`, though no call in the line is that
op's (`nan_entry.written_input` reads only a line that calls the op itself:
`tf.matmul(images, w)`).

Told from the line's text and the ops before it, never guessed: the line holds exactly one
call (not a tapeviz function) that passes plain names, and one of them is left once the
names earlier lines' ops assigned are set aside (`loss_object(labels, logits)`: `logits`
came from the line before, so the data is `labels`). An op that ran at a line of a model's
own code (a torch `forward`, a Keras `call`: `x = self.conv1(x)`) is read at the loop's line
that called the model (`model_calls.called_at`), whose names the loop knows: the batch is
`images` on every pass, not the forward's `x`. A box is named so only when it is the
one data the first op of that line's run read (viz/table.py, nan_entry.py check); else it
stays 'input'.
"""
from __future__ import annotations

import ast
from bisect import bisect_left
from collections import Counter
from functools import lru_cache

from .. import events
from ..model_calls import called_at
from .breakpoint import _op_made_by   # the one map of public names to op names
from ..statements import parse_source

MAX_WRITTEN = 40   # characters of the user's expression for an input named in a message

# what a name is passed as: `images`, `batch.x`, `images[:32]`
_PLAIN = (ast.Name, ast.Attribute, ast.Subscript)


def passed_name(ops, reader: int) -> str:
    """What the statement of `ops[reader]` (dispatch nodes in execution order) passed, by a
    plain name, to the one model or loss it calls, when that op is the first the statement
    ran; '' when the line does not tell it (`PassedNames` asks for many readers of one tape).

    >>> import tapeviz as tf
    >>> model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    >>> images = tf.ones([4, 3])
    >>> with tf.GradientTape() as tape:
    ...     logits = model(images)
    >>> passed_name(tape.nodes, 0), passed_name(tape.nodes, 1)
    ('images', '')
    """
    return PassedNames(ops).name(reader)


class PassedNames:
    """`passed_name` for the ops of one recording, which it walks once for the line each op's
    statement was first seen at, so a graph of many data boxes asks in time of its lines.
    `data_readers`: the reader of each data box (no variable's), so an op that read two of
    them names neither (which did the line pass?)."""

    def __init__(self, ops, data_readers=None):
        self.ops = ops
        self.data_counts = None if data_readers is None else Counter(data_readers.tolist())
        firsts = {}
        for index, node in enumerate(ops):
            source = getattr(node, "source", None)
            if source is not None and id(source) not in firsts:
                firsts[id(source)] = (index, source)
        self.starts = [index for index, _ in firsts.values()]   # in order: ops are
        self.sources = [source for _, source in firsts.values()]
        self.models = {}   # a model's layer path's root -> the position of its first op
        for index, node in enumerate(ops):
            root = _root_scope(node)
            if root and root not in self.models:
                self.models[root] = index
        self.last_calls = {}   # a model's root -> the line of its last call, read once
        self.call_statements = {}   # a model's root -> that line's statement, or ""

    def _last_call(self, root: str):
        if root not in self.last_calls:
            self.last_calls[root] = called_at(root)
        return self.last_calls[root]

    def _call_statement(self, root: str) -> str:
        """The statement of the model `root`'s last call: the names it assigned (`logits`)
        are no data the loop passes a loss after it."""
        if root not in self.call_statements:
            call = self._last_call(root)
            self.call_statements[root] = "" if call is None else call.statement
        return self.call_statements[root]

    def _model_called_at(self, node, source):
        """The loop's line that called the model `node` ran in (`model(images)`), when
        `node`'s own `source` is a line of the model's code (a torch forward's or a Keras
        call()'s `x = self.conv1(x)`, whose `x` is no name the loop knows); else None. A model
        whose last call was at `source` (a Keras model's ops run at its call's line) is
        looked up no further."""
        root = _root_scope(node)
        if not root or _at(self._last_call(root)) == _at(source):
            return None
        data = next((x for x in node.inputs if getattr(x, "variable", None) is None), None)
        value = getattr(data, "_value", None)
        call = called_at(node.scope, value if getattr(value, "ndim", 0) else None)
        return call if call is not None and _at(call) != _at(source) else None

    def name(self, reader: int) -> str:
        ops = self.ops
        node = ops[reader]
        source = getattr(node, "source", None)
        if node.phase != "forward" or source is None or (
                self.data_counts is not None and self.data_counts[reader] != 1):
            return ""
        called = self._model_called_at(node, source)
        if reader and (_line(ops[reader - 1]) == _line(node) if called is None else
                       _root_scope(ops[reader - 1]) == _root_scope(node)):
            return ""   # not the first op of its statement's run, or of the model's call
        source = called or source
        calls = _passing_calls(source.statement)
        if len(calls) != 1:
            return ""
        assigned = self._assigned_before(reader, source.statement)
        left = [text for root, text in calls[0] if root not in assigned]
        return left[0] if len(left) == 1 and len(left[0]) <= MAX_WRITTEN else ""

    def _assigned_before(self, reader: int, statement: str) -> set:
        """The names the statements of the ops before `reader` assigned (but `statement`)."""
        before = self.sources[:bisect_left(self.starts, reader)]
        statements = {source.statement for source in before}
        statements.update(self._call_statement(root) for root, first in self.models.items()
                          if first < reader)
        statements.discard(statement)
        return set().union(*map(_targets, statements))


def _line(node) -> tuple | None:
    return _at(getattr(node, "source", None))


def _at(source) -> tuple | None:
    return None if source is None else (source.filename, source.lineno)


def _root_scope(node) -> str:
    return getattr(node, "scope", "").partition("/")[0]


@lru_cache(maxsize=256)
def _passing_calls(statement: str) -> tuple:
    """The calls in `statement` that are no tapeviz function's and pass plain names, each as
    ((root name, text), ...) of those positional arguments."""
    try:
        tree = parse_source(statement)
    except SyntaxError:
        return ()
    calls = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or _makes_an_op(call.func):
            continue
        passed = tuple((_root(arg), ast.unparse(arg)) for arg in call.args
                       if isinstance(arg, _PLAIN) and _root(arg))
        if passed:
            calls.append(passed)
    return tuple(calls)


def _makes_an_op(func) -> bool:
    name = getattr(func, "attr", getattr(func, "id", None))
    return isinstance(name, str) and (events.is_op_name(name) or _op_made_by(name) is not None)


def _root(expression) -> str:
    """The name an expression starts from: `images` of `images[:32]` and `images.x`."""
    while isinstance(expression, (ast.Attribute, ast.Subscript)):
        expression = expression.value
    return expression.id if isinstance(expression, ast.Name) else ""


@lru_cache(maxsize=256)
def _targets(statement: str) -> frozenset:
    try:
        tree = parse_source(statement)
    except SyntaxError:
        return frozenset()
    return frozenset(node.id for node in ast.walk(tree)
                     if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store))


__all__ = ["PassedNames", "passed_name"]
