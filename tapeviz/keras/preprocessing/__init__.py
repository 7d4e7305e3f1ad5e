"""`tapeviz.keras.preprocessing`: Keras 2's home of `sequence.pad_sequences`, which TF 2.21
still offers (its text and image helpers need strings and files: not covered)."""
from . import sequence

__all__ = ["sequence"]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from ...coverage import missing
    raise missing('keras.preprocessing', __name__, name)


from ...namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
