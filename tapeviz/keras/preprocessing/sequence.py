"""`tf.keras.preprocessing.sequence`: Keras 2's path to `pad_sequences`."""
from ..sequence import pad_sequences

__all__ = ["pad_sequences"]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from ...coverage import missing
    raise missing('keras.preprocessing.sequence', __name__, name)
