"""`tf.keras.optimizers.legacy` (TF 2.11+): the Keras 2 optimizers, which these already are."""
from .adagrad import Adagrad
from .adam import Adam
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adagrad", "Adam", "Optimizer", "RMSprop", "SGD"]
