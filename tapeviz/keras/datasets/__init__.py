"""`tapeviz.keras.datasets`: Keras's dataset loaders (`mnist`), returning numpy arrays.

>>> import tapeviz as tf
>>> callable(tf.keras.datasets.mnist.load_data)
True
"""
from . import mnist

__all__ = ["mnist"]
