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


def print_summary(model, line_length=None, positions=None, print_fn=print) -> None:
    """Keras's (TF 2.x) model summary table: one row per direct sublayer, then totals."""
    line_length = line_length or 65
    positions = positions or [0.45, 0.85, 1.0]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_fn(_row(["Layer (type)", "Output Shape", "Param #"], positions))
    print_fn("=" * line_length)
    layers = model.layers
    for i, layer in enumerate(layers):
        shape = layer._output_shape
        shape = "?" if not layer.built else "multiple" if shape is None else str(shape)
        params = layer.count_params() if layer.built else "0 (unbuilt)"   # Keras 3's words
        print_fn(_row([f"{layer.name} ({type(layer).__name__})", shape, params], positions))
        print_fn(("=" if i == len(layers) - 1 else "_") * line_length)
    if not layers:
        print_fn("=" * line_length)
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    for label, weights in (("Total", trainable + non_trainable), ("Trainable", trainable),
                           ("Non-trainable", non_trainable)):
        print_fn(f"{label} params: {_count(weights):,} ({_memory(weights)})")
    print_fn("_" * line_length)
