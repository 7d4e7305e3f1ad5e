"""`tapeviz.data`: tf.data's `Dataset` input pipelines over tapeviz tensors.

>>> import tapeviz as tf
>>> ds = tf.data.Dataset.from_tensor_slices(([1.0, 2.0, 3.0], [0, 1, 0]))
>>> [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds.batch(2).take(1)]
[([1.0, 2.0], [0, 1])]
"""
from ..coverage import missing as _missing
from . import experimental
from .dataset import AUTOTUNE, INFINITE as INFINITE_CARDINALITY, UNKNOWN as UNKNOWN_CARDINALITY
from .dataset import Dataset
from .iterator import Iterator
from .structure import TensorSpec

__all__ = ["AUTOTUNE", "Dataset", "INFINITE_CARDINALITY", "Iterator", "TensorSpec",
           "UNKNOWN_CARDINALITY", "experimental"]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('data', __name__, name)


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
