"""The base class of `fit`'s callbacks (`tf.keras.callbacks.Callback`)."""
from __future__ import annotations


class Callback:
    """Base class of fit's callbacks: override the `on_*` hooks you need."""

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params
