"""The callbacks of one `fit`, `evaluate` or `predict` call, told each hook in Keras 3's
order (`keras.callbacks.CallbackList`): fit's validation pass tells the same list its
`on_test_*` hooks, so a callback sees the whole run."""
from __future__ import annotations

from ..errors import DTypeError, describe


class CallbackList:
    """`callbacks` (one given bare, as Keras 3 takes it, or a list), each set to `model` and
    given Keras's `params` (verbose, epochs, steps)."""

    def __init__(self, callbacks, model, **params):
        if callbacks is None:
            callbacks = []
        self.callbacks = list(callbacks) if isinstance(callbacks, (list, tuple)) \
            else [callbacks]
        self.model, self.params = model, params
        for cb in self.callbacks:
            _refuse_no_callback(cb)
            cb.set_model(model) if hasattr(cb, "set_model") else setattr(cb, "model", model)
            if hasattr(cb, "set_params"):
                cb.set_params(params)

    def append(self, callback) -> None:
        """Add one more (fit's own History), set up as the others were."""
        self.callbacks.append(callback)
        callback.set_model(self.model)
        callback.set_params(self.params)

    def call(self, hook: str, *args) -> None:
        """Each callback's `hook(*args)`, for those that define it (a duck-typed callback may
        define only some)."""
        for cb in self.callbacks:
            method = getattr(cb, hook, None)
            if method is not None:
                method(*args)


def _refuse_no_callback(cb) -> None:
    """A class, a function or anything with no hook given as a callback (it would be called
    never, or fail inside fit): refused naming it and what to give."""
    if isinstance(cb, type):
        raise DTypeError("callbacks", f"expected callback objects; got the class {cb.__name__}",
                         hint=f"make one: callbacks=[{cb.__name__}(...)]")
    if not any(name.startswith("on_") for name in dir(cb)):
        function = callable(cb) and hasattr(cb, "__name__")
        given = f"the function {cb.__name__}" if function else describe(cb)
        raise DTypeError("callbacks", f"expected callback objects (tf.keras.callbacks."
                                      f"Callback); got {given}, which has no on_* hook",
                         hint="for a function: tf.keras.callbacks.LambdaCallback(on_epoch_end="
                              "lambda epoch, logs: ...)" if function else None)
