"""Keras's training loop: compile, fit, evaluate and predict.

`Trainer` is mixed into `Model`. `fit` takes its batches from `data_adapter.py` (arrays
sliced, or a `tapeviz.data.Dataset` iterated) and runs `train_step` on each: a forward pass
under a `GradientTape`, the compiled loss plus the layers' losses, `tape.gradient`, and
`optimizer.apply_gradients`; metrics are running averages over the epoch. What `compile`
makes of the loss and metrics lives in `compiled.py`, the progress bar and History in
`callbacks.py`.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import arguments
from ..nest import flatten, pack_sequence_as
from ..errors import (DTypeError, InvalidArgumentError, NotCompiledError, ShapeError,
                      add_note, bad_argument)
from ..tape import GradientTape
from .callback_list import CallbackList
from .callbacks import History, Progbar
from .class_weight import class_sample_weights
from .compiled import CompiledLoss, CompiledMetrics
from .data_adapter import (Batches, is_dataset, length, refuse_python_lists, refuse_unbatched,
                           to_numpy, train_validation_split,
                           unpack_x_y_sample_weight)
from .keywords import refuse_misspelt_keywords
from .training_checks import (checked_validation_data, refuse_class, refuse_extra_batch_axis,
                              unflattened_hint)


def _is_metric(value) -> bool:
    return all(hasattr(value, a) for a in ("update_state", "result", "reset_state", "name"))


def _as_logs(logs) -> dict:
    """A step's logs as numbers, by name as Keras 3 orders them (what fit prints, a History's
    keys); a dict among them (the compiled metrics' results) flattened into them."""
    if not isinstance(logs, dict):
        return {"loss": float(np.asarray(logs))}
    flat = {}
    for key, value in sorted(logs.items()):
        for name, each in (sorted(value.items()) if isinstance(value, dict)
                           else ((key, value),)):
            flat[name] = float(np.asarray(each)) if np.ndim(each) == 0 else np.asarray(each)
    return flat


def _numpy(outputs):
    """A batch's outputs as numpy arrays, in their structure (what Keras's predict hands
    on_predict_batch_end)."""
    return pack_sequence_as(outputs, [np.asarray(o) for o in flatten(outputs)])


def _concat(outputs: list):
    first = outputs[0]
    if isinstance(first, dict):
        return {k: _concat([o[k] for o in outputs]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concat([o[i] for o in outputs]) for i in range(len(first)))
    return np.concatenate([np.asarray(o) for o in outputs], axis=0)


class Trainer:
    """compile / fit / evaluate / predict, as Keras's Model has them (mixed into Model)."""

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None, **kwargs):
        """Choose the optimizer, loss and metrics that `fit` and `evaluate` use."""
        if kwargs:
            refuse_misspelt_keywords(self, Trainer.compile, kwargs)
        from . import optimizers
        if isinstance(metrics, str):   # Keras 3 refuses it; iterated, 'mae' is 'm', 'a', 'e'
            raise bad_argument("compile", "metrics", "a list, tuple or dict of metrics (e.g. "
                               f"metrics=[{metrics!r}])", metrics, DTypeError)
        refuse_class("optimizer", optimizer, "an optimizer")   # a loss or metric class is made
        made = (optimizers.get(optimizer), CompiledLoss(loss, loss_weights),
                CompiledMetrics(metrics, loss, weighted_metrics))   # a refusal changes nothing
        self.optimizer, self.compiled_loss, self.compiled_metrics = made
        self.loss = loss
        self.stop_training = False

    def _assert_compiled(self, method: str) -> None:
        if getattr(self, "compiled_loss", None) is None:
            raise NotCompiledError(f"{type(self).__name__}.{method}", "You must compile your "
                                   "model before training/testing. Call "
                                   "`model.compile(optimizer, loss)`.")

    @property
    def metrics(self) -> list:
        """The 'loss' mean, the compiled metrics, and metrics set as attributes."""
        out = []
        if getattr(self, "compiled_loss", None) is not None:
            out.append(self.compiled_loss.metric)
            compiled = self.compiled_metrics
            # before the first batch they are one container, resolved by its update_state
            out += compiled.metrics or [] if compiled.built else [compiled]
        for key, value in self.__dict__.items():
            if key not in ("optimizer", "compiled_loss", "compiled_metrics") and \
                    _is_metric(value) and all(value is not m for m in out):
                out.append(value)
        return out

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    # ---- one step each ----------------------------------------------------------------------
    def train_step(self, data) -> dict:
        """Forward under a tape, loss, gradients, one optimizer update; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._compute_loss(y, y_pred, sample_weight, "fit")
            if getattr(self.optimizer, "loss_scale_factor", None) is not None:
                loss = self.optimizer.scale_loss(loss)   # Keras 3's: apply unscales the grads
        variables = self.trainable_variables
        if variables:
            gradients = tape.gradient(loss, variables)
            self.optimizer.apply_gradients(zip(gradients, variables))
        else:   # a frozen model, as Keras 3 trains it: metrics only
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus the layers' losses, for a train_step of one's own (Keras 3's
        name); the 'loss' metric is the train_step's to update."""
        self._assert_compiled("compute_loss")
        return self._compute_loss(y, y_pred, sample_weight, "compute_loss", track=False)

    def _compute_loss(self, y, y_pred, sample_weight, caller: str, track: bool = True):
        """The compiled loss; a shape it refused is explained by the model when it can be."""
        if y is None and self.compiled_loss.loss is not None:
            raise InvalidArgumentError(caller, "the compiled loss needs labels, but the data has "
                                               "none: y is None (a Dataset yielding x alone, or "
                                               "no y given)",
                                       hint="give (x, y) pairs: Dataset.from_tensor_slices(("
                                            "x, y)), or fit(x, y)")
        try:
            return self.compiled_loss(y, y_pred, sample_weight,
                                      regularization_losses=self.losses, track=track)
        except ShapeError as error:
            hint = unflattened_hint(self, y_pred)
            if hint:
                error.with_hint(hint)
            raise

    def test_step(self, data) -> dict:
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self._compute_loss(y, y_pred, sample_weight, "evaluate")
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def predict_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ---- loops ------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs) -> History:
        """Train for `epochs` passes over the data; returns a History of per-epoch logs."""
        if kwargs:
            refuse_misspelt_keywords(self, Trainer.fit, kwargs)
        self._assert_compiled("fit")
        refuse_python_lists("fit", x=x, y=y, sample_weight=sample_weight)
        verbose = 1 if verbose == "auto" else int(verbose)
        epochs = arguments.count("fit", "epochs", epochs)
        if validation_data is not None:
            validation_data = checked_validation_data(validation_data, x)
        validation_split = arguments.number("fit", "validation_split", validation_split)
        if not 0.0 <= validation_split < 1.0:
            raise bad_argument("fit", "validation_split", "a fraction in [0, 1) of the samples "
                               "to hold out", validation_split, InvalidArgumentError)
        if validation_split and validation_data is None:
            if is_dataset(x):   # as Keras refuses it: ignored, it would validate nothing
                raise InvalidArgumentError(
                    "fit", f"validation_split={validation_split} holds out the last samples "
                    f"of arrays or tensors; x is a tf.data.Dataset, which it cannot split",
                    hint="hold out batches of the dataset yourself: "
                    "fit(ds.skip(k), validation_data=ds.take(k))")
            x, y, sample_weight, validation_data = train_validation_split(
                x, y, sample_weight, validation_split)
        if class_weight is not None:   # the training part's alone, as in Keras 3
            sample_weight = class_sample_weights(x, y, sample_weight, class_weight)
        batches = Batches(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, "fit")
        callbacks = CallbackList(callbacks, self, verbose=verbose, epochs=epochs,
                                 steps=batches.steps)
        # a History given is the one fit fills and returns, as in Keras; else fit's own, last,
        # so it logs what the others add
        history = next((cb for cb in callbacks.callbacks if isinstance(cb, History)), None)
        if history is None:
            history = History()
            callbacks.append(history)
        callbacks.call("on_train_begin", {})
        self.stop_training = False
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.call("on_epoch_begin", epoch, {})
            if verbose and epochs > 1:  # as Keras's ProgbarLogger
                print(f"Epoch {epoch + 1}/{epochs}", flush=True)
            bar = Progbar(batches.steps, verbose=verbose, stateful_metrics=set())
            logs, step = {}, 0
            for step, data in enumerate(batches, start=1):
                callbacks.call("on_train_batch_begin", step - 1, {})
                if step == 1 and epoch == initial_epoch and batches.dataset:
                    refuse_extra_batch_axis(self, "fit", data)
                logs = _as_logs(self.train_step(data))
                bar.stateful_metrics.update(logs)
                bar.update(step, logs, finalize=False)
                callbacks.call("on_train_batch_end", step - 1, logs)
                if self.stop_training:
                    break
            batches.steps = batches.steps or step
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val = validation_data
                try:
                    val_logs = self.evaluate(*((val,) if is_dataset(val) else val[:2]),
                                             sample_weight=None if is_dataset(val) else val[2],
                                             batch_size=validation_batch_size or batch_size,
                                             steps=validation_steps, verbose=0,
                                             return_dict=True, callbacks=callbacks)
                except Exception as error:   # the training data fit: say which data did not
                    add_note(error, f"raised by fit's evaluation of validation_data, after epoch "
                                    f"{epoch + 1} had trained on the training data")
                    raise
                logs = dict(sorted({**logs, **{f"val_{k}": v for k, v in val_logs.items()}}
                                   .items()))
            bar.update(step, logs, finalize=True)
            callbacks.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        if epochs > initial_epoch and hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self.trainable_variables)   # use_ema's
        callbacks.call("on_train_end", logs if epochs > initial_epoch else {})
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics over the data: a scalar, a list (metrics_names) or a dict."""
        if kwargs:
            refuse_misspelt_keywords(self, Trainer.evaluate, kwargs)
        self._assert_compiled("evaluate")
        refuse_python_lists("evaluate", x=x, y=y, sample_weight=sample_weight)
        verbose = 1 if verbose == "auto" else int(verbose)
        batches = Batches(x, y, sample_weight, batch_size, False, steps, "evaluate")
        if not isinstance(callbacks, CallbackList):   # fit's validation pass gives its own
            callbacks = CallbackList(callbacks, self, verbose=verbose, epochs=1,
                                     steps=batches.steps)
        self.stop_evaluating = False
        callbacks.call("on_test_begin", {})
        self.reset_metrics()
        bar = Progbar(batches.steps, verbose=verbose, stateful_metrics=set())
        logs, step = {}, 0
        for step, data in enumerate(batches, start=1):
            callbacks.call("on_test_batch_begin", step - 1, {})
            if step == 1 and batches.dataset:
                refuse_extra_batch_axis(self, "evaluate", data)
            logs = _as_logs(self.test_step(data))
            bar.stateful_metrics.update(logs)
            bar.update(step, logs, finalize=False)
            callbacks.call("on_test_batch_end", step - 1, logs)
            if self.stop_evaluating:
                break
        bar.update(step, logs, finalize=True)
        callbacks.call("on_test_end", logs)
        return logs if return_dict else self._in_metrics_order(logs)

    def _in_metrics_order(self, logs: dict):
        """The logs' values as Keras 3 lists them: metrics_names' order, then the other keys
        sorted; one value alone."""
        names = [name for name in self.metrics_names if name in logs]
        values = [logs[name] for name in names + sorted(set(logs) - set(names))]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs):
        """The model's outputs for `x`, batch by batch, concatenated into numpy arrays."""
        if kwargs:
            refuse_misspelt_keywords(self, Trainer.predict, kwargs)
        refuse_python_lists("predict", x=x)
        verbose = 1 if verbose == "auto" else int(verbose)
        batches = Batches(x, None, None, batch_size, False, steps, "predict")
        callbacks = CallbackList(callbacks, self, verbose=verbose, epochs=1, steps=batches.steps)
        self.stop_predicting = False
        callbacks.call("on_predict_begin", {})
        bar = Progbar(batches.steps, verbose=verbose, stateful_metrics=set())
        outputs, step = [], 0
        for step, data in enumerate(batches, start=1):
            callbacks.call("on_predict_batch_begin", step - 1, {})
            outputs.append(self.predict_step(data))
            bar.update(step, finalize=False)
            callbacks.call("on_predict_batch_end", step - 1, {"outputs": _numpy(outputs[-1])})
            if self.stop_predicting:
                break
        bar.update(step, finalize=True)
        callbacks.call("on_predict_end", {})
        if not outputs:
            raise ValueError("predict: the input data is empty")
        return _concat(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                       return_dict=False):
        """One `train_step` on one batch; returns the loss (and metrics)."""
        return self._on_batch(self.train_step, "train_on_batch", x, y, sample_weight,
                              reset_metrics, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """One `test_step` on one batch; returns the loss (and metrics)."""
        return self._on_batch(self.test_step, "test_on_batch", x, y, sample_weight,
                              reset_metrics, return_dict)

    def _on_batch(self, step, caller, x, y, sample_weight, reset_metrics, return_dict):
        self._assert_compiled(caller)
        refuse_unbatched(caller, x, y)
        if reset_metrics:
            self.reset_metrics()
        data = next(iter(Batches(x, y, sample_weight, length(to_numpy(x)), False,
                                  caller=caller)))
        logs = _as_logs(step(data))
        return logs if return_dict else self._in_metrics_order(logs)

    def predict_on_batch(self, x):
        return np.asarray(self.predict_step((x,)))
