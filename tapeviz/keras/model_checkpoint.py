"""`tf.keras.callbacks.ModelCheckpoint`: after each epoch or every `save_freq` batches, or
when the monitored quantity improves, `model.save` to a `.keras` name (the whole model), or
`model.save_weights` to a `.weights.h5` one with save_weights_only, formatted with the epoch
(and batch) and the logs, saying so as Keras 3 says it."""
from __future__ import annotations

import os

from ..errors import InvalidArgumentError
from ..fpwarnings import warn_from_user_line
from .training_callbacks import _MonitorCallback


class ModelCheckpoint(_MonitorCallback):
    """Save the model's weights to `filepath` ("w.{epoch:02d}-{val_loss:.2f}.weights.h5")
    every epoch, or only when `monitor` improves (`save_best_only`).

    >>> import numpy as np, os, tempfile, tapeviz as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> folder = tempfile.mkdtemp()
    >>> save = tf.keras.callbacks.ModelCheckpoint(os.path.join(folder, "e{epoch}.weights.h5"),
    ...                                           save_weights_only=True)
    >>> _ = model.fit(np.ones((4, 1)), np.ones(4), epochs=2, callbacks=[save], verbose=0)
    >>> sorted(os.listdir(folder))
    ['e1.weights.h5', 'e2.weights.h5']
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        filepath = os.fspath(filepath)
        if not save_weights_only and not filepath.endswith(".keras"):
            raise InvalidArgumentError(
                "ModelCheckpoint", f"the whole model (save_weights_only=False) is written as "
                                   f"Keras 3's .keras file, so the filepath must end in "
                                   f"`.keras`; got filepath={filepath!r}",
                hint=f"ModelCheckpoint({os.path.splitext(filepath)[0] + '.keras'!r}), which "
                     f"tf.keras.models.load_model reads back; or save_weights_only=True with "
                     f"a .weights.h5 name")
        if save_weights_only and not filepath.endswith(".weights.h5"):
            raise InvalidArgumentError(
                "ModelCheckpoint", f"When using `save_weights_only=True` in `ModelCheckpoint`, "
                                   f"the filepath provided must end in `.weights.h5` (Keras "
                                   f"weights format). Received: filepath={filepath}")
        if save_freq != "epoch" and (type(save_freq) is not int or save_freq < 1):
            raise InvalidArgumentError("ModelCheckpoint", f"Unrecognized save_freq: {save_freq}. "
                                                          f"Expected save_freq are 'epoch' or "
                                                          f"integer values")
        self.filepath, self.verbose, self.save_best_only = filepath, verbose, save_best_only
        self.save_weights_only, self.save_freq = save_weights_only, save_freq
        self._batches_since_saving, self._last_batch, self._epoch = 0, None, 0

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None) -> None:
        """With an int save_freq: save after every save_freq batches, counted across epochs
        as Keras 3 counts them (a batch index not above the last one starts a new epoch)."""
        if self.save_freq == "epoch":
            return
        new_epoch = self._last_batch is None or batch <= self._last_batch
        self._batches_since_saving += batch + 1 if new_epoch else batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_saving >= self.save_freq:
            self._batches_since_saving = 0
            self._save(self._epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch, batch, logs) -> None:
        """Save to the filepath formatted with the epoch (and batch, counted from 1) and logs,
        unless save_best_only and the monitored quantity did not improve."""
        if batch is None or "batch" in logs:
            filepath = self.filepath.format(epoch=epoch + 1, **logs)
        else:
            filepath = self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        if self.save_best_only:
            if self.monitor_op is None:
                self._set_monitor_op()
            current = logs.get(self.monitor)
            if current is None:
                warn_from_user_line(f"Can save best model only with {self.monitor} available.")
                return
            if not self._is_improvement(current, self.best):
                self._say(f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            best = "None" if self.best is None else f"{self.best:.5f}"
            self._say(f"Epoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
        else:
            self._say(f"Epoch {epoch + 1}: saving model to {filepath}")
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath, overwrite=True)
        self._say(f"Epoch {epoch + 1}: finished saving model to {filepath}")

    def _say(self, message: str) -> None:
        if self.verbose > 0:
            print("\n" + message)
