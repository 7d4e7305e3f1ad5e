"""A reshape that mixes the batch's examples: `tf.reshape(x, (64, -1))` of a (32, 8, 8, 1)
batch then a transpose to (32, 64) (meant: `tf.reshape(x, (32, -1))`), so each row the first
layer reads holds a pixel of every example. The shapes fit, the loss runs and nothing fails,
but the model learns from scrambled examples, at chance. Read from the shown step's forward
nodes: the first layer's op (`op_index`) reads data that reshapes and transposes alone made
from the batch (what they were given), and some of its rows do not hold their example's
values. A correct program ends at the first layer's op, or one reshape's rows compared.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _where
from .op_index import WEIGHING, maker, role

_REARRANGING = frozenset({"reshape", "transpose", "torch.t", "torch.permute",
                          "torch.transpose", "torch.swapaxes"})
_FIX = {"tf": "tf.reshape(x, ({n}, -1)) keeps each example a row",
        "torch": "x.reshape({n}, -1) (or x.flatten(1)) keeps each example a row"}
MAX_HOPS = 4


def batch_mixed(by_op: dict, nodes) -> list:
    """A Finding when the first layer's op of `by_op` (`op_index.ops_named` of `nodes`) reads
    a rearrangement of the batch whose rows are not its examples."""
    layers = [entry for name in WEIGHING for entry in by_op.get(name, ())]
    if not layers:
        return []
    position, layer = min(layers, key=lambda entry: entry[0])
    chain = []
    for _ in range(MAX_HOPS):
        found = maker(nodes, position, 0)
        if found is None or role(found[1].op) not in _REARRANGING:
            break   # the batch: data from outside, or what an op computed from it
        position, node = found
        chain.append(node)
    reshapes = [node for node in chain if role(node.op) == "reshape"]
    if not reshapes:
        return []
    batch, read = chain[-1].inputs[0]._value, layer.inputs[0]._value
    count = batch.shape[0] if batch.ndim >= 2 else 0
    if not count or read.shape[0] != count or read.size != batch.size:
        return []
    rows, examples = read.reshape(count, -1), batch.reshape(count, -1)
    if np.array_equal(rows, examples):
        return []   # (each row its example's values, in order: a flatten)
    rows, examples = np.sort(rows, axis=1), np.sort(examples, axis=1)
    mixed = int(np.count_nonzero(np.any(rows != examples, axis=1)))
    if not mixed:
        return []
    reshape = next((node for node in reversed(reshapes)
                    if node.output._value.shape[0] != count), reshapes[-1])
    return [_finding(reshape, layer, batch.shape, read.shape, mixed)]


def _finding(reshape, layer, batch: tuple, read: tuple, mixed: int) -> Finding:
    count = batch[0]
    message = (f"{reshape.op.name} at {_where(reshape.source)} mixes the examples of the "
               f"batch: it makes {tuple(reshape.output._value.shape)} of the batch "
               f"{tuple(batch)}, whose first axis holds its {count} examples, and the first "
               f"layer's {layer.op.name} at {_where(layer.source)} reads {tuple(read)} rows of "
               f"which {mixed} of {count} hold values of other examples, not their own: the "
               f"shapes fit and nothing fails, but the model learns from scrambled examples; "
               f"fix: keep the batch axis first: {_FIX[engine_of(reshape.op)].format(n=count)}; "
               f"to swap axes, transpose, do not reshape")
    return Finding("batch_mixed", message, reshape)
