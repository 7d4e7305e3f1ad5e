"""Recurrent layers: SimpleRNN, GRU and LSTM over (batch, time, features) inputs, with Keras
3's weights, gate order and defaults.

The time loop runs in Python, one step of tapeviz ops per time step (the inputs' kernel
product is taken once for all steps, as Keras does), so the tape shows each step and the
backward pass goes back through time op by op; the widget folds the repeated steps into one
box (`viz/loops.py`).
"""
from __future__ import annotations

import numpy as np

from ... import nn as _nn
from ...creation import convert_to_tensor, ones, zeros
from ...errors import InvalidArgumentError, bad_argument
from ...ops.linalg import matmul, tensordot
from ...ops.assign import cast
from ...ops.indexing import reverse
from ...ops.join import stack
from .. import activations as _activations
from .. import initializers as _initializers
from .base import Layer, shape_error


def _unit_count(layer: str, units) -> int:
    if isinstance(units, (bool, np.bool_)) or not isinstance(units, (int, np.integer)) \
            or units <= 0:
        raise bad_argument(layer, "units", "a positive integer", units, InvalidArgumentError)
    return int(units)


def _rate(layer: str, name: str, value) -> float:
    if not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise bad_argument(layer, name, "a fraction in [0, 1)", value, InvalidArgumentError)
    return float(value)


class _Recurrent(Layer):
    """What the three share: the weights' settings, the time loop, dropout masks and what is
    returned (the last output or the sequence, and the final states)."""

    GATES = 1   # how many blocks of `units` columns the kernels hold
    STATES = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, **kwargs):
        super().__init__(**kwargs)
        kind = type(self).__name__
        self.units = _unit_count(kind, units)
        self.activation = _activations.get(activation)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.recurrent_initializer = _initializers.get(recurrent_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer, self.recurrent_regularizer = (kernel_regularizer,
                                                               recurrent_regularizer)
        self.bias_regularizer = bias_regularizer
        self.dropout = _rate(kind, "dropout", dropout)
        self.recurrent_dropout = _rate(kind, "recurrent_dropout", recurrent_dropout)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards = bool(go_backwards)
        if stateful:   # states carried from batch to batch need reset_states and fixed batches
            raise InvalidArgumentError(kind, "stateful=True is not covered: tapeviz starts each "
                                             "call from zero states",
                                       hint="pass the last call's states yourself: "
                                            "return_state=True, then initial_state=states")
        self.stateful, self.unroll = False, bool(unroll)

    # ---- weights ------------------------------------------------------------------------------
    @property
    def cell(self):
        """The layer itself: it holds what Keras keeps in its cell (the weights, units,
        activations), so `layer.cell.recurrent_kernel` reads as in Keras 3."""
        return self

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise self._rank_error(input_shape)
        width = self.units * self.GATES
        self.kernel = self.add_weight("kernel", (int(input_shape[-1]), width),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, width),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer)
        self.bias = self.add_weight("bias", self._bias_shape(), initializer=self._bias_init(),
                                    regularizer=self.bias_regularizer) if self.use_bias else None
        self.built = True

    def _bias_shape(self) -> tuple:
        return (self.units * self.GATES,)

    def _bias_init(self):
        return self.bias_initializer

    def _rank_error(self, shape):
        return shape_error(self, f"expected an input of rank 3 (batch, time, features); got "
                                 f"shape {tuple(shape)}",
                           hint="one sequence needs a batch axis (x[None]); features of one "
                                "step need their own axis (x[..., None])")

    # ---- the loop -----------------------------------------------------------------------------
    def call(self, inputs, initial_state=None, training=None, mask=None):
        if mask is not None:
            raise InvalidArgumentError(type(self).__name__, "mask= is not covered: tapeviz's "
                                                            "layers take no masks")
        if inputs.ndim != 3:
            raise self._rank_error(inputs.shape)
        if not inputs.dtype.is_floating:
            inputs = cast(inputs, self.dtype)
        if self.go_backwards:
            inputs = reverse(inputs, [1])
        states = self._initial_states(inputs, initial_state)
        if training and self.dropout:   # one mask for every time step, as Keras draws it
            inputs = inputs * self._mask(inputs[:, :1, :], self.dropout)
        projected = tensordot(inputs, self.kernel, [[2], [0]])   # every step's x @ kernel
        if self.use_bias:
            projected = projected + self._input_bias()
        recurrent_mask = self._mask(states[0], self.recurrent_dropout) \
            if training and self.recurrent_dropout else None
        outputs = []
        for step in range(int(inputs.shape[1])):
            previous = states[0] if recurrent_mask is None else states[0] * recurrent_mask
            output, states = self.step(projected[:, step, :], previous, states)
            outputs.append(output)
        result = stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return (result, *states) if self.return_state else result

    def _initial_states(self, inputs, initial_state) -> list:
        batch = int(inputs.shape[0])
        if initial_state is None:
            return [zeros((batch, self.units), dtype=self.dtype)] * self.STATES
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        if len(given) != self.STATES:
            raise InvalidArgumentError(type(self).__name__, f"initial_state must hold "
                                                            f"{self.STATES} state(s); got "
                                                            f"{len(given)}")
        states = [convert_to_tensor(s, dtype=self.dtype) for s in given]
        for state in states:
            if tuple(state.shape) != (batch, self.units):
                raise shape_error(self, f"each initial state must have shape (batch, units) = "
                                        f"{(batch, self.units)}; got {tuple(state.shape)}")
        return states

    def _input_bias(self):
        return self.bias

    def _mask(self, like, rate: float):
        return _nn.dropout(ones(like.shape, dtype=self.dtype), rate=rate)

    def compute_output_shape(self, input_shape):
        batch, time = input_shape[0], input_shape[1]
        out = (batch, time, self.units) if self.return_sequences else (batch, self.units)
        return (out, *[(batch, self.units)] * self.STATES) if self.return_state else out

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                "activation": _activations.serialize(self.activation),
                "recurrent_activation": _activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": _initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": _initializers.serialize(self.recurrent_initializer),
                "bias_initializer": _initializers.serialize(self.bias_initializer),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll}


class SimpleRNN(_Recurrent):
    """h = activation(x @ kernel + h @ recurrent_kernel + bias) at each time step.

    >>> import tapeviz as tf
    >>> tf.keras.layers.SimpleRNN(4)(tf.ones([2, 5, 3])).shape
    TensorShape([2, 4])
    """

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)

    def step(self, projected, previous, states):
        h = self.activation(projected + matmul(previous, self.recurrent_kernel))
        return h, [h]

    def get_config(self) -> dict:
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class GRU(_Recurrent):
    """Gated recurrent unit, Keras 3's (gates z, r, h; with `reset_after`, the default, the
    reset gate scales the recurrent product, and the bias has a row for each product).

    >>> import tapeviz as tf
    >>> tf.keras.layers.GRU(4, return_sequences=True)(tf.ones([2, 5, 3])).shape
    TensorShape([2, 5, 4])
    """

    GATES = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        return self.bias[0] if self.reset_after else self.bias

    def step(self, projected, previous, states):
        u = self.units
        x_z, x_r, x_h = projected[:, :u], projected[:, u:2 * u], projected[:, 2 * u:]
        if self.reset_after:
            inner = matmul(previous, self.recurrent_kernel)
            if self.use_bias:
                inner = inner + self.bias[1]
            rec_z, rec_r, rec_h = inner[:, :u], inner[:, u:2 * u], inner[:, 2 * u:]
            z = self.recurrent_activation(x_z + rec_z)
            r = self.recurrent_activation(x_r + rec_r)
            candidate = self.activation(x_h + r * rec_h)
        else:
            gates = matmul(previous, self.recurrent_kernel[:, :2 * u])
            z = self.recurrent_activation(x_z + gates[:, :u])
            r = self.recurrent_activation(x_r + gates[:, u:])
            candidate = self.activation(x_h + matmul(r * previous,
                                                     self.recurrent_kernel[:, 2 * u:]))
        h = z * states[0] + (1.0 - z) * candidate
        return h, [h]

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}


class LSTM(_Recurrent):
    """Long short-term memory, Keras's (gates i, f, c, o; states [h, c]; the forget gate's
    bias starts at 1 with `unit_forget_bias`, the default).

    >>> import tapeviz as tf
    >>> out, h, c = tf.keras.layers.LSTM(4, return_state=True)(tf.ones([2, 5, 3]))
    >>> out.shape, c.shape
    (TensorShape([2, 4]), TensorShape([2, 4]))
    """

    GATES = 4
    STATES = 2

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, given = self.units, self.bias_initializer

        def forget_ones(shape, dtype=None, **kwargs):
            block = np.asarray(given((units,), dtype=dtype))
            return np.concatenate([block, np.ones(units, block.dtype),
                                   np.asarray(given((2 * units,), dtype=dtype))])
        return forget_ones

    def step(self, projected, previous, states):
        u = self.units
        z = projected + matmul(previous, self.recurrent_kernel)
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        c = f * states[1] + i * self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}
