"""A model's summary() table (Keras 2's columns, Keras 3's totals and unbuilt rows)."""
from __future__ import annotations

import numpy as np

from .layers.tracking import _dedup


def _row(fields, positions) -> str:
    """One summary row: each field cut or padded to end at its column (Keras's layout); the
    last runs past the table's edge rather than be cut ('0 (unbuilt)', a long count)."""
    line = ""
    for i, field in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(field)
        if i < len(fields) - 1:
            line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    return line


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
    params = layer.count_params() if layer.built else "0 (unbuilt)"   # Keras 3's words
    return [f"{layer.name} ({type(layer).__name__})", shape, params]


def _widened(positions: list, rows: list) -> list:
    """Column ends moved right so each field but the last ends two spaces before the next."""
    widened, shift = [], 0
    for i, end in enumerate(positions):
        if i < len(positions) - 1:
            start = widened[-1] if widened else 0
            longest = max((len(str(row[i])) for row in rows), default=0)
            shift = max(shift, start + longest + 2 - end)
        widened.append(end + shift)
    return widened


def print_summary(model, line_length=None, positions=None, print_fn=print) -> None:
    """Keras's (TF 2.x) model summary table: one row per direct sublayer, then totals."""
    rows = [_layer_row(layer) for layer in model.layers]
    if positions is None:   # Keras 3 never cuts a name ('batch_normalization (BatchNo')
        positions = _widened([int((line_length or 65) * p) for p in (0.45, 0.85, 1.0)], rows)
    elif positions[-1] <= 1:
        positions = [int((line_length or 65) * p) for p in positions]
    line_length = positions[-1] if line_length is None else line_length
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_fn(_row(["Layer (type)", "Output Shape", "Param #"], positions))
    print_fn("=" * line_length)
    for i, row in enumerate(rows):
        print_fn(_row(row, positions))
        print_fn(("=" if i == len(rows) - 1 else "_") * line_length)
    if not rows:
        print_fn("=" * line_length)
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    for label, weights in (("Total", trainable + non_trainable), ("Trainable", trainable),
                           ("Non-trainable", non_trainable)):
        print_fn(f"{label} params: {_count(weights):,} ({_memory(weights)})")
    print_fn("_" * line_length)
