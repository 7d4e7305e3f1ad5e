"""Keras's callbacks that steer `fit`: EarlyStopping, ReduceLROnPlateau,
LearningRateScheduler, TerminateOnNaN and LambdaCallback, with Keras 3's rules.

They act through what `fit` gives every callback: `model.stop_training`, the model's
weights, `model.optimizer.learning_rate`, and the epoch's `logs` (a callback may add to
them, as LearningRateScheduler adds 'learning_rate', before History records them).
"""
from __future__ import annotations

import difflib
import inspect
import math
import operator
import warnings

import numpy as np

from ..errors import InvalidArgumentError, describe
from ..fpwarnings import warn_from_user_line
from ..sourceinfo import SourceInfo
from ..tensor import Tensor
from .callback import Callback

__all__ = ["EarlyStopping", "LambdaCallback", "LearningRateScheduler", "ReduceLROnPlateau",
           "TerminateOnNaN"]


class _MonitorCallback(Callback):
    """A callback that watches one logged quantity and whether it improves (Keras's
    MonitorCallback): mode 'min', 'max', or 'auto' (from the loss or the metric's direction)."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          f"mode.", stacklevel=3)
            mode = "auto"
        self.monitor, self.mode, self.best = monitor, mode, baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric in getattr(self.model, "metrics", None) or ():
                direction = getattr(metric, "_direction", None)
                if metric.name == name and direction is not None:
                    self.monitor_op = operator.gt if direction == "up" else operator.lt
            if self.monitor_op is None:
                raise InvalidArgumentError(
                    type(self).__name__,
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    f"Keras isn't able to automatically determine whether that metric should "
                    f"be maximized or minimized. Pass `mode='max'` in order to monitor based "
                    f"on the highest metric value, or pass `mode='min'` in order to use the "
                    f"lowest value.", hint=self._monitored_hint())
        if self.monitor_op is operator.lt:
            self.min_delta *= -1

    def _monitored_hint(self) -> str:
        """The names fit's logs give the model's metrics, the closest to `monitor` first."""
        names = ["loss"] + [m.name for m in getattr(self.model, "metrics", None) or ()
                            if m.name != "loss"]
        logged = names + [f"val_{name}" for name in names]
        close = difflib.get_close_matches(self.monitor, logged, n=1, cutoff=0.5)
        meant = f"did you mean {close[0]!r}? " if close else ""
        return f"{meant}fit logs {', '.join(map(repr, logged))} (val_: with validation data)"

    def _is_improvement(self, value, reference) -> bool:
        return reference is None or self.monitor_op(value - self.min_delta, reference)

    def _monitored(self, logs, what: str):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:   # said at the user's fit line (stacklevel would land in tapeviz)
            warn_from_user_line(f"{what} on metric `{self.monitor}` which is not available. "
                                f"Available metrics are: {','.join(logs)}")
        return value


class EarlyStopping(_MonitorCallback):
    """Stop `fit` once `monitor` has not improved for `patience` epochs; with
    `restore_best_weights`, put back the weights of the best epoch when training ends.

    >>> import numpy as np, tapeviz as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> stop = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    >>> len(model.fit(np.ones((4, 1)), np.ones(4), epochs=10, callbacks=[stop],
    ...               verbose=0).history["loss"])
    2
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None) -> None:
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best = self.best_weights = None

    def on_epoch_end(self, epoch, logs=None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self._monitored(logs, "Early stopping conditioned")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(_MonitorCallback):
    """Multiply the learning rate by `factor` once `monitor` has not improved for `patience`
    epochs (never below `min_lr`), then wait `cooldown` epochs before counting again."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.factor, self.min_lr, self.patience = factor, min_lr, patience
        self.verbose, self.cooldown = verbose, cooldown
        self.cooldown_counter = self.wait = 0

    def on_train_begin(self, logs=None) -> None:
        self.cooldown_counter = self.wait = 0
        self.best = None

    def on_epoch_end(self, epoch, logs=None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        logs["learning_rate"] = _learning_rate(self.model)
        current = self._monitored(logs, "Learning rate reduction is conditioned")
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = _learning_rate(self.model)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch's start to `schedule(epoch, lr)`; the epoch's logs
    get 'learning_rate'.

    >>> import numpy as np, tapeviz as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
    >>> model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    >>> halve = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2)
    >>> rates = model.fit(np.ones((4, 1)), np.ones(4), epochs=2, callbacks=[halve],
    ...                   verbose=0).history["learning_rate"]
    >>> [round(rate, 6) for rate in rates]   # float32 values, as Keras logs them
    [0.05, 0.025]
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None) -> None:
        if not hasattr(self.model.optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        value = self._scheduled(epoch)
        if not isinstance(value, (float, np.float32, np.float64)):
            raise InvalidArgumentError(
                "LearningRateScheduler", f"The output of the `schedule` function should be a "
                                         f"float. Got: {describe(value)}",
                hint=f"the schedule ({_defined_at(self.schedule)}) should return a Python "
                     f"float: float(...) of what it returns")
        self.model.optimizer.learning_rate = value
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{value}.")

    def on_epoch_end(self, epoch, logs=None) -> None:
        if logs is not None:
            logs["learning_rate"] = _learning_rate(self.model)

    def _scheduled(self, epoch):
        """schedule(epoch, lr), or Keras's older schedule(epoch) when it takes one argument. A
        TypeError from inside a two-argument schedule stays its own (Keras retries with one
        argument and reports 'missing 1 required positional argument' instead)."""
        try:
            return self.schedule(epoch, _learning_rate(self.model))
        except TypeError:
            if _accepts(self.schedule, 2):
                raise
            return self.schedule(epoch)


class TerminateOnNaN(Callback):
    """Stop `fit` at the first batch whose loss is NaN or infinite: gracefully (the epoch's
    callbacks and on_train_end still run) or, with `raise_error`, by a RuntimeError there."""

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or not (math.isnan(loss) or math.isinf(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                               f"{loss}. Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback made of functions: `on_epoch_end=lambda epoch, logs: ...`, and so on."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end,
                 **kwargs}   # on_batch_begin/_end too: Callback's train-batch hooks call them
        for hook, fn in hooks.items():
            if fn is not None:
                setattr(self, hook, fn)


def _accepts(function, count: int) -> bool:
    """Whether `function` can be called with `count` positional arguments (False when Python
    cannot tell, as for some builtins)."""
    try:
        inspect.signature(function).bind(*range(count))
    except (TypeError, ValueError):
        return False
    return True


def _defined_at(function) -> str:
    """Where `function` was defined, as tapeviz names a user's line (a notebook cell, a file
    path:line), or its repr when it has no code."""
    code = getattr(function, "__code__", None)
    if code is None:
        return repr(function)
    return str(SourceInfo(code.co_filename, code.co_firstlineno, code.co_name))


def _learning_rate(model) -> float:
    """The optimizer's learning rate now, as the float Keras's callbacks log."""
    rate = model.optimizer.learning_rate
    return float(rate.numpy() if isinstance(rate, Tensor) else rate)
