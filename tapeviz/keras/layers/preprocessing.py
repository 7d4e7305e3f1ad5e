"""Normalization: Keras 3's feature-wise standardization layer, `adapt`ed to data or given
its mean and variance; Rescaling: inputs times a scale plus an offset (pixels / 255)."""
from __future__ import annotations

import numpy as np

from ...creation import convert_to_tensor
from ...ops.math import maximum, sqrt
from ...ops.assign import cast
from ...ops.shape import broadcast_to, reshape
from ...tensor import Tensor
from .base import Layer, shape_error

EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest standard deviation divided by


class Normalization(Layer):
    """(x - mean) / max(sqrt(variance), 1e-7), one mean and variance per index of `axis`
    (the last by default; None for one over everything), as Keras 3 computes it.

    The statistics come from `adapt(data)` (an array, a tensor, a tf.data.Dataset or an
    iterable of batches: population mean and variance over the other axes) or from
    `mean=`/`variance=`; `invert=True` maps standardized values back.

    >>> import tapeviz as tf
    >>> layer = tf.keras.layers.Normalization()
    >>> layer.adapt([[0.0, 10.0], [2.0, 30.0]])
    >>> layer([[1.0, 20.0]]).numpy()
    array([[0., 0.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give both mean and variance, or neither; got "
                             f"mean={mean!r}, variance={variance!r}")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(f"Normalization: mean and variance must have the same shape; got "
                             f"{np.shape(mean)} and {np.shape(variance)}")
        if mean is not None and np.ndim(mean) > len(self.axis):
            raise ValueError(f"Normalization: mean has rank {np.ndim(mean)}, more than the "
                             f"{len(self.axis)} kept axes axis={axis!r}")
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)
        self.mean = self.variance = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise shape_error(self, f"axis {self.axis} is out of range for inputs of rank {ndim} "
                                    f"(shape {tuple(input_shape)})")
        self._input_shape_built = tuple(input_shape)
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[a] is None for a in self._keep_axis):
            raise shape_error(self, f"the kept axes {self._keep_axis} must have known lengths; "
                                    f"got shape {tuple(input_shape)}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [int(input_shape[d]) if d in self._keep_axis else 1
                                 for d in range(ndim)]
        self._statistics_shape = tuple(int(input_shape[d]) for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", self._statistics_shape, trainable=False,
                                              initializer="zeros")
            self.adapt_variance = self.add_weight("variance", self._statistics_shape,
                                                  trainable=False, initializer="ones")
            self.built = True
            self.finalize_state()
        else:
            self.mean, self.variance = (self._given(v) for v in (self.input_mean,
                                                                 self.input_variance))
            self.built = True

    def _given(self, value) -> Tensor:
        """A given mean or variance placed on the kept axes, as Keras 3 expands it."""
        value = convert_to_tensor(value, dtype=self.dtype)
        if value.ndim:
            expanded = [1] * len(self._broadcast_shape)
            for i in range(1, value.ndim + 1):
                expanded[self._keep_axis[-i]] = value.shape[-i]
            value = reshape(value, expanded)
        return broadcast_to(value, self._broadcast_shape)

    def adapt(self, data) -> None:
        """Set the mean and variance to those of `data` (population statistics, batches
        combined as Keras does)."""
        batches = self._batches(data)
        if not self.built:
            self._build_for_shape(batches[0].shape)
        if self.input_mean is not None:
            raise ValueError("Normalization: this layer was given mean and variance; adapt() "
                             "would overwrite them")
        for batch in batches:
            for d in self._keep_axis:
                if batch.shape[d] != self._input_shape_built[d]:
                    raise shape_error(self, f"adapt() got a batch of shape {batch.shape}; the "
                                            f"layer was built for {self._input_shape_built}")
        total_mean = np.zeros(self._statistics_shape)
        total_var = np.zeros(self._statistics_shape)
        total_count = 0
        for batch in batches:
            count = int(np.prod([batch.shape[d] for d in self._reduce_axis], dtype=np.int64))
            batch_mean = batch.mean(axis=self._reduce_axis)
            batch_var = batch.var(axis=self._reduce_axis)
            total_count += count
            weight = count / total_count
            new_mean = total_mean * (1 - weight) + batch_mean * weight
            total_var = (total_var + (total_mean - new_mean) ** 2) * (1 - weight) + \
                (batch_var + (batch_mean - new_mean) ** 2) * weight
            total_mean = new_mean
        self.adapt_mean.assign(total_mean.astype(self.dtype))
        self.adapt_variance.assign(total_var.astype(self.dtype))
        self.finalize_state()

    def _batches(self, data) -> list:
        """`data` as a list of float64 numpy batches (a Dataset of vectors batched by 128)."""
        from ...data import Dataset
        if isinstance(data, Dataset):
            spec = data.element_spec
            spec = spec[0] if isinstance(spec, tuple) else spec
            if len(spec.shape) == 1:
                data = data.batch(128)
            data = [b[0] if isinstance(b, tuple) else b for b in data]
        elif isinstance(data, (np.ndarray, Tensor)) or (
                isinstance(data, (list, tuple)) and data and np.ndim(data[0]) == 1):
            data = [data]
        batches = [np.asarray(convert_to_tensor(b), dtype=np.float64) for b in data]
        if not batches:
            raise ValueError("Normalization.adapt() got no data: pass an array, a tensor, a "
                             "tf.data.Dataset or a non-empty list of batches")
        return batches

    def finalize_state(self) -> None:
        if self.input_mean is None and self.built:
            self.mean = reshape(self.adapt_mean, self._broadcast_shape)
            self.variance = reshape(self.adapt_variance, self._broadcast_shape)

    def _convert_inputs(self, inputs, within=None):
        """A list of numbers is data here: Keras 3's preprocessing layers convert it, where
        other layers refuse it."""
        if isinstance(inputs, (list, tuple)):
            inputs = convert_to_tensor(inputs)
        return super()._convert_inputs(inputs, within)

    def call(self, inputs):
        if inputs.dtype.name != self.dtype:
            inputs = cast(inputs, self.dtype)
        scale = maximum(sqrt(self.variance), EPSILON)
        if self.invert:
            return self.mean + inputs * scale
        return (inputs - self.mean) / scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": self.input_mean, "variance": self.input_variance}


class Rescaling(Layer):
    """inputs * scale + offset in the layer's dtype (uint8 pixels become float32), as Keras 3.

    >>> import tapeviz as tf
    >>> tf.keras.layers.Rescaling(1.0 / 255)(tf.constant([[0, 255]], tf.uint8)).numpy()
    array([[0., 1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        inputs = convert_to_tensor(inputs)
        if inputs.dtype.name != self.dtype:
            inputs = cast(inputs, self.dtype)
        scale, offset = (cast(convert_to_tensor(value), self.dtype)
                         for value in (self.scale, self.offset))
        return inputs * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
