"""`tapeviz.keras.layers`: Keras's layers, each a `Layer` whose ops run in its name scope."""
from .base import Layer
from .bidirectional import Bidirectional
from .convolutional import Conv2D, Convolution2D
from .conv_transpose import Conv2DTranspose, Convolution2DTranspose
from .embedding import Embedding
from .core import (ELU, Activation, Dense, Dropout, Flatten, Input, InputLayer, Lambda,
                   LeakyReLU, ReLU, Reshape, Softmax)
from .merge import (Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add,
                    average, concatenate, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling2D, AvgPool2D, GlobalAveragePooling2D, GlobalAvgPool2D,
                      GlobalMaxPool2D, GlobalMaxPooling2D, MaxPool2D, MaxPooling2D)
from .preprocessing import Normalization, Rescaling
from .recurrent import GRU, LSTM, SimpleRNN
from .time_distributed import TimeDistributed

__all__ = ["Activation", "Add", "Average", "AveragePooling2D", "AvgPool2D", "BatchNormalization",
           "Bidirectional", "Concatenate", "Conv2D", "Conv2DTranspose", "Convolution2D",
           "Convolution2DTranspose", "Dense", "Dropout", "ELU",
           "Embedding", "Flatten", "GRU",
           "GlobalAveragePooling2D", "GlobalAvgPool2D", "GlobalMaxPool2D", "GlobalMaxPooling2D",
           "Input", "InputLayer", "LSTM", "Lambda", "Layer", "LayerNormalization", "LeakyReLU",
           "MaxPool2D",
           "MaxPooling2D", "Maximum", "Minimum", "Multiply", "Normalization", "ReLU", "Rescaling",
           "Reshape",
           "SimpleRNN", "Softmax", "Subtract", "TimeDistributed", "add", "average",
           "concatenate", "maximum", "minimum", "multiply", "subtract"]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from ...coverage import missing
    raise missing('keras.layers', __name__, name)


from ...namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
