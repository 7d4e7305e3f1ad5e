"""`fit(class_weight=...)`: a weight per class turned into one per sample, as Keras 3 does
for arrays (the class of a one-hot or probability row is its argmax, of a (n, 1) label its
value rounded); a class the dict leaves out weighs 1."""
from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from .data_adapter import is_dataset, to_numpy


def class_sample_weights(x, y, sample_weight, class_weight) -> np.ndarray:
    """The samples' weights from `class_weight` ({class id: weight}) and labels `y`."""
    if is_dataset(x):
        raise InvalidArgumentError(
            "fit", "class_weight with a Dataset is not covered by tapeviz; got a "
                   f"{type(x).__name__} and class_weight={class_weight}",
            hint="add the weights to the dataset's elements: weights = tf.constant([...]); "
                 "dataset.map(lambda x, y: (x, y, tf.gather(weights, y)))")
    if sample_weight is not None:
        raise InvalidArgumentError("fit", "You cannot `class_weight` and `sample_weight` at "
                                          "the same time.")
    if not isinstance(class_weight, dict) or isinstance(y, (dict, list, tuple)):
        raise InvalidArgumentError(
            "fit", f"class_weight must be a dict of class id to weight, for a model of one "
                   f"output; got class_weight={class_weight!r}",
            hint="class_weight={0: 1.0, 1: 5.0}")
    labels = to_numpy(y)
    if labels.ndim > 1:
        labels = labels.argmax(axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int32)
    return np.array([class_weight.get(int(label), 1.0) for label in labels], np.float32)
