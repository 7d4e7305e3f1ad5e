"""The base class of `fit`'s callbacks (`tf.keras.callbacks.Callback`)."""
from __future__ import annotations


class Callback:
    """Base class of fit's callbacks: override the `on_*` hooks you need.

    Every hook exists and does nothing, so a subclass may call `super().on_epoch_end(...)`;
    as in Keras, `on_train_batch_begin`/`_end` call `on_batch_begin`/`_end`, the older names
    that many callbacks still override. `evaluate` (and fit's validation pass) calls the
    `on_test_*` hooks, `predict` the `on_predict_*` ones.
    """

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None) -> None:
        pass

    def on_train_end(self, logs=None) -> None:
        pass

    def on_epoch_begin(self, epoch, logs=None) -> None:
        pass

    def on_epoch_end(self, epoch, logs=None) -> None:
        pass

    def on_batch_begin(self, batch, logs=None) -> None:
        pass

    def on_batch_end(self, batch, logs=None) -> None:
        pass

    def on_train_batch_begin(self, batch, logs=None) -> None:
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None) -> None:
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs=None) -> None:
        pass

    def on_test_end(self, logs=None) -> None:
        pass

    def on_test_batch_begin(self, batch, logs=None) -> None:
        pass

    def on_test_batch_end(self, batch, logs=None) -> None:
        pass

    def on_predict_begin(self, logs=None) -> None:
        pass

    def on_predict_end(self, logs=None) -> None:
        pass

    def on_predict_batch_begin(self, batch, logs=None) -> None:
        pass

    def on_predict_batch_end(self, batch, logs=None) -> None:
        pass
