"""`tf.add_n`: a list of tensors of one shape and dtype summed elementwise (TF's AddN).

One row for the whole sum, so `tf.add_n(model.losses)` or a sum of gradients is one node
on the tape, and each input's gradient is the upstream gradient itself.
"""
from __future__ import annotations

import functools
import operator

from ..convert import infer_array
from ..tensor import Tensor, wrap
from .kinds import refused_bools
from .registry import defop
from .join import check_same_shapes, tensor_list


def _add_n_forward(*inputs):
    if inputs[0].dtype.kind == "b":
        raise refused_bools("add_n")
    return functools.reduce(operator.add, inputs)


_add_n = defop("add_n", _add_n_forward, label="Σ", inputs=(),
               vjp=lambda g, ans, *inputs: [g] * len(inputs),
               samples=((((2, 3), (2, 3), (2, 3)), {}), (((3,),), {}), (((), ()), {})),
               doc="The elementwise sum of tensors of one shape and dtype.")


def add_n(inputs, name=None):
    """The elementwise sum of `inputs`, tensors of one shape and dtype (no broadcasting).

    Each Python or numpy value is converted on its own, as TF converts it, so a float64
    numpy array beside float32 tensors is refused, not silently cast.

    >>> import tapeviz as tf
    >>> tf.add_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]), [0.5, 0.5]]).numpy()
    array([4.5, 6.5], dtype=float32)
    """
    if isinstance(inputs, (list, tuple)):
        inputs = [v if isinstance(v, Tensor) else wrap(infer_array(v, "add_n")) for v in inputs]
    values, shapes = tensor_list("add_n", inputs, "inputs")
    check_same_shapes("add_n", shapes)
    return _add_n(*values)
