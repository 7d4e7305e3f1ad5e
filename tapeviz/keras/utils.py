"""`tapeviz.keras.utils`: Keras's utilities that training code uses directly."""
import random

import numpy as np

from ..errors import InvalidArgumentError, OutOfRangeError, bad_argument
from ..ops.gather import one_hot
from ..ops.random import set_seed
from ..ops.shape import reshape
from ..tensor import Tensor
from .callbacks import Progbar
from .sequence import pad_sequences

__all__ = ["Progbar", "pad_sequences", "set_random_seed", "to_categorical"]


def set_random_seed(seed) -> None:
    """Seed Python's `random`, numpy's and tapeviz's global generators at once, as Keras 3's
    does for a reproducible run (the same initial weights, dropout masks and shuffles).

    >>> import tapeviz as tf
    >>> tf.keras.utils.set_random_seed(7); first = tf.random.uniform([2])
    >>> tf.keras.utils.set_random_seed(7); bool(tf.reduce_all(first == tf.random.uniform([2])))
    True
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidArgumentError("set_random_seed", f"Expected `seed` argument to be an "
                                   f"integer. Received: seed={seed} (of type {type(seed)})")
    if not 0 <= seed < 2 ** 32:
        raise InvalidArgumentError("set_random_seed", "Seed must be between 0 and 2**32 - 1")
    random.seed(seed)
    np.random.seed(seed)
    set_seed(seed)


def to_categorical(x, num_classes=None):
    """Class indices as one-hot rows, as Keras 3 makes them: a float64 numpy array for numpy
    or Python input (num_classes: the largest index + 1 by default), a float32 tensor for a
    tensor; a trailing axis of 1 is dropped first.

    >>> to_categorical([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    if isinstance(x, Tensor):
        if x.ndim > 1 and x.shape[-1] == 1:
            x = reshape(x, tuple(x.shape)[:-1])
        return one_hot(x, num_classes)
    try:
        x = np.array(x, dtype="int64")
    except (TypeError, ValueError) as error:   # labels as strings: a ValueError, as in Keras
        raise bad_argument("to_categorical", "x", "class indices (ints >= 0)", x,
                           InvalidArgumentError)\
            .with_hint("encode labels as class indices first, e.g. classes, y = "
                       "np.unique(y, return_inverse=True)") from error
    shape = x.shape[:-1] if x.ndim > 1 and x.shape[-1] == 1 else x.shape
    x = x.reshape(-1)
    num_classes = num_classes or int(np.max(x)) + 1
    categorical = np.zeros((x.shape[0], num_classes))
    try:
        categorical[np.arange(x.shape[0]), x] = 1
    except IndexError:   # numpy's 'index 2 is out of bounds for axis 1 with size 2'
        raise OutOfRangeError(
            "to_categorical", f"labels must be class indices below num_classes={num_classes}; "
                              f"got labels up to {int(np.max(x))}",
            hint=f"num_classes is the number of classes, the largest label + 1: "
                 f"num_classes={int(np.max(x)) + 1}") from None
    return categorical.reshape(shape + (num_classes,))


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from ..coverage import missing
    raise missing("keras.utils", __name__, name)


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
