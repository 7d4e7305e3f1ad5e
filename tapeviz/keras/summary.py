"""A model's summary() table as Keras 3 prints it: rich's box table, its plain text."""
from __future__ import annotations

import shutil
import textwrap

import numpy as np

from .layers.tracking import _dedup
from .summary_graph import FunctionalGraph

HEADER = ("Layer (type)", "Output Shape", "Param #", "Connected to")
RIGHT_ALIGNED = (False, False, True, False)   # Keras 3 right-aligns the counts


def _count(variables) -> int:
    return int(sum(np.prod(v.shape, dtype=np.int64) for v in _dedup(variables)))


def _memory(variables) -> str:
    """The bytes the weights hold, as Keras 3's summary says it ("84.00 B", "4.82 KB")."""
    size = float(sum(np.prod(v.shape, dtype=np.int64) * np.dtype(v.dtype.as_numpy_dtype).itemsize
                     for v in _dedup(variables)))
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _layer_row(layer) -> list:
    shape = layer._output_shape
    shape = "?" if not layer.built else "multiple" if shape is None else str(shape)
    params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"   # Keras 3's words
    return [f"{layer.name} ({type(layer).__name__})", shape, params]


def _ratio_reduce(excess: int, widths: list) -> list:
    """rich's even reduction of fixed columns too wide for the table (its ratio_reduce)."""
    reduced, remaining, shares = [], excess, len(widths)
    for width in widths:
        taken = min(width, round(remaining / shares))
        reduced.append(width - taken)
        remaining, shares = remaining - taken, shares - 1
    return reduced


def _cell_widths(line_length: int, positions) -> list:
    """Each column's width inside its borders, padding included, as Keras 3's rich table
    lays them out in `line_length` characters."""
    ends = [int(p * line_length) if p <= 1 else int(p) for p in positions]
    widths = [end - start + 2 for start, end in zip([0] + ends[:-1], ends)]   # + padding
    inner = line_length - (len(widths) + 1)   # the borders take one character each
    return _ratio_reduce(sum(widths) - inner, widths) if sum(widths) > inner else widths


def _wrapped(field: str, width: int) -> list:
    """A cell's lines: words wrapped at `width`, a longer word cut with '…' (rich's
    wrapping, its columns' overflow='ellipsis')."""
    lines = textwrap.wrap(field, width, break_on_hyphens=False, break_long_words=False)
    return [line if len(line) <= width else line[:width - 1] + "…" for line in lines] or [""]


def _row_lines(fields, widths, bar: str, header: bool = False) -> list:
    """A row's text lines, its cells wrapped and aligned inside their borders (a header's
    cells at the bottom, as rich aligns them)."""
    cells = [_wrapped(str(field), width - 2) for field, width in zip(fields, widths)]
    height = max(len(cell) for cell in cells)
    if header:
        cells = [[""] * (height - len(cell)) + cell for cell in cells]
    lines = []
    for i in range(height):
        parts = []
        for cell, width, right in zip(cells, widths, RIGHT_ALIGNED):
            text = cell[i] if i < len(cell) else ""
            parts.append(" " + (text.rjust(width - 2) if right else text.ljust(width - 2)) + " ")
        lines.append(bar + bar.join(parts) + bar)
    return lines


def _rule(widths, left: str, fill: str, middle: str, right: str) -> str:
    return left + middle.join(fill * width for width in widths) + right


def summary_lines(model, line_length=None, positions=None) -> list:
    """Keras 3's summary of `model`: one row per direct sublayer (a functional model's in
    Keras's order, with where each one's inputs come from unless it is a chain), then the
    totals."""
    graph = FunctionalGraph(model) if hasattr(model, "_model_outputs") else None
    layers = graph.layers if graph is not None else model.layers
    rows = [_layer_row(layer) for layer in layers]
    if graph is not None and not graph.is_chain:
        rows = [row + [graph.connections(layer)] for row, layer in zip(rows, layers)]
    chain = len(rows[0]) == 3 if rows else True
    line_length = line_length or min(88 if chain else 108,
                                     shutil.get_terminal_size().columns - 4)
    widths = _cell_widths(line_length, positions or ((0.45, 0.80, 1.0) if chain else
                                                     (0.3, 0.56, 0.74, 1.0)))
    lines = [f'Model: "{model.name}"', _rule(widths, "┏", "━", "┳", "┓")]
    lines += _row_lines(HEADER[:len(widths)], widths, "┃", header=True)
    lines.append(_rule(widths, "┡", "━", "╇", "┩"))
    for i, row in enumerate(rows):
        if i:
            lines.append(_rule(widths, "├", "─", "┼", "┤"))
        lines += _row_lines(row, widths, "│")
    lines.append(_rule(widths, "└", "─", "┴", "┘"))
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    for label, weights in (("Total", trainable + non_trainable), ("Trainable", trainable),
                           ("Non-trainable", non_trainable)):
        lines.append(f" {label} params: {_count(weights):,} ({_memory(weights)})")
    return lines


def print_summary(model, line_length=None, positions=None, print_fn=print) -> None:
    """Print `summary_lines(model)` a line at a time through `print_fn`."""
    for line in summary_lines(model, line_length, positions):
        print_fn(line)
