"""Errors that name the op, what it expected, what came, and the user's own line.

Each class subclasses the builtin that existing `except` clauses expect
(ValueError for shapes and arguments, TypeError for dtypes and input kinds).
"""
from __future__ import annotations

from .sourceinfo import user_source


class OpError(Exception):
    """Base of tapeviz's op errors; `.op` is the op name, `.source` the user's line and
    `.input_values` the arrays the op was given (set by dispatch when the op itself failed,
    so a failed cell can draw the op where it happened; None otherwise)."""

    def __init__(self, op: str, message: str, hint: str | None = None, source=None):
        self.op = op
        self.detail = message
        self.hint = hint
        self.source = source if source is not None else user_source(2)
        self.input_values = None
        super().__init__(self._format())

    def _format(self) -> str:
        text = f"{self.op}: {self.detail}" if self.op else self.detail
        if self.source is not None:
            text += f"\n  at {self.source}"
            line = self.source.line
            if line:
                text += f"\n      {line}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InvalidArgumentError(OpError, ValueError):
    """An argument has a bad value: an axis out of range, an unknown padding, ..."""


class ShapeError(InvalidArgumentError):
    """Operand shapes do not fit the op (broadcasting, matmul, concat, reshape, ...)."""


class DTypeError(OpError, TypeError):
    """Operand dtypes do not fit the op, or a value cannot be converted to a tensor."""
