"""`tapeviz.keras.datasets`: Keras's dataset loaders (`mnist`, `fashion_mnist`), returning
numpy arrays.

>>> import tapeviz as tf
>>> callable(tf.keras.datasets.mnist.load_data)
True
"""
from . import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from ...coverage import missing as _missing
    raise _missing('keras.datasets', __name__, name)


from ...namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
