"""`tapeviz.keras`: Keras-like layers, models, losses, optimizers, metrics and datasets.

>>> import tapeviz as tf
>>> model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
>>> model(tf.ones([2, 3])).shape
TensorShape([2, 1])
"""
from . import (activations, backend, callbacks, datasets, initializers, layers, losses, metrics,
               models, optimizers, preprocessing, regularizers, utils)
from .layers import Input
from .models import Model, Sequential

__all__ = ["Input", "Model", "Sequential", "activations", "backend", "callbacks", "datasets",
           "initializers", "layers", "losses", "metrics", "models", "optimizers", "preprocessing",
           "regularizers", "utils"]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from ..coverage import missing
    raise missing('keras', __name__, name)


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
