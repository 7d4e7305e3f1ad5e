"""The whole statement a source line belongs to, for showing a user's code.

An op called inside a statement written over several lines (`loss = tf.reduce_mean(\n
tf.abs(residual) - 0.5)`) runs at one physical line of it, and that line alone reads as
broken code. Where code is shown, the statement is shown instead. Files and notebook cells
are parsed once for as long as `linecache` holds the same text; never on the hot path.
"""
from __future__ import annotations

import ast
import linecache
import textwrap
import threading

LONGEST = 8   # a statement longer than this many lines shows its one line instead

# filename -> (the lines parsed, [(first, last) line of each statement], {line: its text})
_parsed: dict = {}
_parsing = threading.Lock()


def parse_source(text: str, filename: str = "<unknown>", mode: str = "exec") -> ast.AST:
    """`ast.parse`, one thread at a time: CPython 3.11's AST constructor counts its recursion
    in state its threads share, so two parses at once can fail with "AST constructor
    recursion depth mismatch" (python/cpython#106905: a Runner's training thread and the
    notebook's, each naming a line); a parse another library ran meanwhile is retried once."""
    with _parsing:
        try:
            return ast.parse(text, filename, mode)
        except SystemError:
            return ast.parse(text, filename, mode)


def statement_at(filename: str, lineno: int) -> str:
    """The text of the innermost statement holding line `lineno` of `filename`, dedented;
    for a compound statement (`if`, `for`, `with`, ...) its header up to that line. The
    line alone (stripped) when the file does not parse (a cell with magics) or the
    statement is longer than LONGEST lines; '' when the line is not readable."""
    lines = linecache.getlines(filename)
    if not 0 < lineno <= len(lines):
        return ""
    spans, texts = _parse(filename, lines)
    text = texts.get(lineno)
    if text is None:
        span = _innermost(spans, lineno)
        if span is None or span[1] - span[0] >= LONGEST:
            text = lines[lineno - 1].strip()
        else:
            text = textwrap.dedent("".join(lines[span[0] - 1:span[1]])).strip()
        texts[lineno] = text
    return text


def _parse(filename: str, lines: list) -> tuple:
    cached = _parsed.get(filename)
    if cached is not None and cached[0] is lines:
        return cached[1], cached[2]
    try:
        tree = parse_source("".join(lines))
    except (SyntaxError, ValueError):
        spans = []
    else:
        spans = [_span(node) for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    _parsed[filename] = (lines, spans, {})
    return spans, _parsed[filename][2]


_BLOCKS = {"body", "orelse", "finalbody", "handlers", "cases", "decorator_list"}


def _span(node: ast.stmt) -> tuple:
    """(first, last) line of a simple statement; of a compound one, its header's lines
    (where its test, iterable, context managers or arguments end)."""
    if not isinstance(getattr(node, "body", None), list):
        return node.lineno, node.end_lineno
    last = node.lineno
    for field, value in ast.iter_fields(node):
        if field in _BLOCKS:
            continue
        for child in value if isinstance(value, list) else [value]:
            end = getattr(child, "end_lineno", None)
            if end is not None:
                last = max(last, end)
    return node.lineno, last


def _innermost(spans: list, lineno: int):
    holding = [span for span in spans if span[0] <= lineno <= span[1]]
    return min(holding, key=lambda span: span[1] - span[0]) if holding else None
