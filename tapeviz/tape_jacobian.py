"""A tape's jacobians (`jacobian`, `batch_jacobian`): one seeded backward pass per row.

`GradientTape` inherits them. Each row is a backward pass over the tape's nodes seeded
with one basis vector (`_gradients`), so a jacobian costs one pass per target element,
as TF's without pfor. `UnconnectedGradients`, which `gradient` takes too, is here
because tape.py imports this module.
"""
from __future__ import annotations

import enum

import numpy as np

from . import nest
from .backward import Backward
from .errors import DTypeError, InvalidArgumentError, ShapeError, describe
from .tensor import Tensor, wrap


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _unconnected(value, call: str) -> UnconnectedGradients:
    """The enum member for `value` ('none' and 'zero' work too, as in TF); anything else is
    refused naming `call`."""
    if type(value) is UnconnectedGradients:
        return value
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise InvalidArgumentError(call, f"unconnected_gradients must be 'none' or 'zero' (or "
                                         f"tf.UnconnectedGradients.NONE, .ZERO); got "
                                         f"{describe(value)}") from None


class Jacobians:
    """`GradientTape`'s jacobian methods; they read the tape's `_nodes`, `_ids` and its
    `_check_usable`, `_checked_sources` and `_consume`."""

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """d(target[i...])/d(source[j...]) with shape target.shape + source.shape, per source.

        >>> import tapeviz as tf
        >>> x = tf.Variable([1.0, 2.0])
        >>> with tf.GradientTape() as tape:
        ...     y = x * x
        >>> tape.jacobian(y, x).numpy().tolist()
        [[2.0, 0.0], [0.0, 4.0]]
        """
        self._check_usable("jacobian")
        _check_target("GradientTape.jacobian", target)
        unconnected_gradients = _unconnected(unconnected_gradients, "GradientTape.jacobian")
        flat_sources = self._checked_sources(sources, "GradientTape.jacobian")
        shape = tuple(target.shape)
        seeds = np.eye(int(np.prod(shape, dtype=np.int64)), dtype=target._value.dtype)
        rows = [self._gradients(target, seed.reshape(shape), flat_sources) for seed in seeds]
        result = []
        # an integer target's jacobian is None, as TF 2.21's (zeros under 'zero')
        integer_target = target._value.dtype.kind != "f" and \
            unconnected_gradients is UnconnectedGradients.NONE
        for i, source in enumerate(flat_sources):
            if integer_target or not self._differentiable(target, source, unconnected_gradients):
                result.append(None)
                continue
            values = np.stack([row[i] for row in rows]) if rows else \
                np.zeros((0,) + tuple(source.shape), source._value.dtype)
            result.append(wrap(values.reshape(shape + tuple(source.shape))))
        self._consume()
        return nest.pack_sequence_as(sources, result)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example jacobian: shape (batch,) + target.shape[1:] + source.shape[1:].

        Examples must be independent (row b of target depends only on row b of source).
        """
        self._check_usable("batch_jacobian")
        _check_target("GradientTape.batch_jacobian", target)
        unconnected_gradients = _unconnected(unconnected_gradients,
                                             "GradientTape.batch_jacobian")
        if not isinstance(source, Tensor):   # (a list unpacked into many: Python's words)
            raise DTypeError("GradientTape.batch_jacobian", f"source must be one tensor; got "
                             f"{describe(source)}", hint="call batch_jacobian once per source")
        [source] = self._checked_sources([source], "GradientTape.batch_jacobian")
        shape, source_shape = tuple(target.shape), tuple(source.shape)
        for name, tensor_shape in (("target", shape), ("source", source_shape)):
            if 0 < len(tensor_shape) < 2:   # (a scalar: the batch dimension error below)
                raise ShapeError("GradientTape.batch_jacobian", f"the {name} must have rank at "
                                 f"least 2, (batch, ...); got shape {tensor_shape}; in "
                                 f"TensorFlow's words: Shape {tensor_shape} must have rank at "
                                 f"least 2", hint="its first axis is the batch, the rest each "
                                 "example's: reshape a vector to (batch, 1)")
        if not shape or not source_shape or shape[0] != source_shape[0]:
            raise ShapeError("GradientTape.batch_jacobian", f"target and source need the same "
                             f"first (batch) dimension; got shapes {shape} and {source_shape}")
        batch, per_example = shape[0], shape[1:]
        width = int(np.prod(per_example, dtype=np.int64))
        columns = []
        for index in range(width):
            seed = np.zeros((batch, width), dtype=target._value.dtype)
            seed[:, index] = 1
            columns.append(self._gradients(target, seed.reshape(shape), [source])[0])
        differentiable = self._differentiable(target, source, unconnected_gradients)
        self._consume()
        if not differentiable:
            return None
        stacked = np.stack(columns, axis=1) if columns else \
            np.zeros((batch, 0) + source_shape[1:], source._value.dtype)
        return wrap(stacked.reshape((batch,) + per_example + source_shape[1:]))

    def _gradients(self, target, seed, sources) -> list:
        """Gradient values (numpy, zeros where unconnected) of one seeded backward pass."""
        backward = Backward(self, [target], [wrap(seed)], sources, keep_intermediate=False).run()
        return [np.zeros_like(s._value) if g is None else g._value
                for s, g in zip(sources, map(backward.gradient_of, sources))]

    def _differentiable(self, target, source, unconnected) -> bool:
        """Whether a jacobian of `target` w.r.t. `source` is returned (not None)."""
        if source._value.dtype.kind != "f":
            return False
        if unconnected is UnconnectedGradients.ZERO:
            return True
        if id(source) not in self._ids:
            return False  # never watched: TF recorded nothing of it
        reachable = {id(source)}
        for node in self._nodes:
            if any(i in reachable for i in node.input_ids):
                reachable.add(id(node.output))
        return id(target) in reachable


def _check_target(call: str, target) -> None:
    """Refuse a target that is no tensor (None, a number, a list): it failed reading its
    shape, an AttributeError naming no call."""
    if not isinstance(target, Tensor):
        raise DTypeError(call, f"the target must be a tensor; got {describe(target)}")
