"""`tapeviz.keras.utils`: Keras's utilities that training code uses directly."""
from .callbacks import Progbar

__all__ = ["Progbar"]
