"""`tapeviz.keras.callbacks`: what `fit` reports through (History and Keras's progress bar)
and the callbacks that steer it (`training_callbacks.py`).

`fit` calls each callback's `on_train_begin`, `on_epoch_begin`, `on_train_batch_begin`,
`on_train_batch_end`, `on_epoch_end` and `on_train_end` when it defines them; its validation
pass and `evaluate` call `on_test_*`, `predict` `on_predict_*` (`callback_list.py`).
"""
from __future__ import annotations

import re
import sys
import time

from ..coverage import missing as _missing
from .callback import Callback
from .csv_logger import CSVLogger
from .model_checkpoint import ModelCheckpoint
from .training_callbacks import (EarlyStopping, LambdaCallback, LearningRateScheduler,
                                 ReduceLROnPlateau, TerminateOnNaN)

__all__ = ["CSVLogger", "Callback", "EarlyStopping", "History", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "Progbar", "ReduceLROnPlateau",
           "TerminateOnNaN"]


class History(Callback):
    """What `fit` returns: `history` maps each log name to its per-epoch values."""

    def __init__(self):
        super().__init__()
        self.history: dict = {}
        self.epoch: list = []

    def on_train_begin(self, logs=None) -> None:
        self.epoch = []   # as Keras: the epochs of this fit; `history` keeps adding

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self   # Keras's `model.history.history` after fit

    def __repr__(self) -> str:
        return f"<History epochs={len(self.epoch)} keys={list(self.history)}>"


def _format_time(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


def _format_eta(seconds: float) -> str:
    """The time left as Keras 3's bar says it: '42s', '3:07', '1:02:03'."""
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"   # '%ds': cut, not rounded


_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def _format_values(values: dict) -> str:
    return "".join(f" - {k}: {v:.4f}" if abs(v) > 1e-3 else f" - {k}: {v:.4e}"
                   for k, v in values.items())


class Progbar:
    """Keras 3's progress bar: `12/12 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step - loss: 0.1234`.

    `update(current, values)` takes (name, value) pairs (or a dict); values not named in
    `stateful_metrics` are shown as their average over the steps so far, as in Keras.
    verbose=1 redraws the line in place with '\\r' where the output is a terminal or a
    notebook and otherwise prints only the final line; verbose=2 prints one short line.

    >>> bar = Progbar(2, stream=__import__("io").StringIO())
    >>> bar.update(1, [("loss", 1.0)]); bar.update(2, [("loss", 3.0)])
    >>> bar.stream.getvalue().split(" - ")[-1].strip()
    'loss: 2.0000'
    """

    def __init__(self, target, width: int = 20, verbose: int = 1, interval: float = 0.05,
                 stateful_metrics=None, unit_name: str = "step", stream=None):
        self.target, self.width, self.verbose, self.unit_name = target, width, verbose, unit_name
        self.interval = interval
        # names shown as given, not averaged; a set is kept by reference, so a caller can
        # add names as they appear (fit does: its logs are running averages already)
        self.stateful_metrics = stateful_metrics if isinstance(stateful_metrics, set) \
            else set(stateful_metrics or ())
        self.stream = stream or sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.dynamic = bool(isatty and isatty()) or _in_jupyter_kernel()
        self.start = time.perf_counter()
        self._last_width = 0
        self._last_draw = 0.0
        self._seen = 0
        self._sums: dict = {}

    def add(self, n: int, values=None) -> None:
        """Advance by `n` steps."""
        self.update(self._seen + n, values)

    def _averaged(self, current: int, values) -> dict:
        shown = {}
        for name, value in (values.items() if isinstance(values, dict) else values or ()):
            value = float(value)
            if name in self.stateful_metrics:
                shown[name] = value
                continue
            steps = max(current - self._seen, 1)
            total, count = self._sums.get(name, (0.0, 0))
            self._sums[name] = (total + value * steps, count + steps)
        for name, (total, count) in self._sums.items():
            shown[name] = total / count
        return shown

    def _styled(self, code: str, text: str) -> str:
        """`text` in Keras 3's ANSI style where the output renders it (a terminal, Jupyter)."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.dynamic else text

    def _bar(self, current: int) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = len(str(self.target))
        done = min(int(self.width * current / self.target) if self.target else self.width,
                   self.width)
        bar = self._styled("32", "━" * done) if done else ""
        return (self._styled("1", f"{current:{digits}d}/{self.target}") + " " + bar
                + self._styled("37", "━" * (self.width - done)))

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Show progress at step `current` with `values` ((name, value) pairs or a dict)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        values = self._averaged(current, values)
        self._seen = current
        if finalize and self.target is None:
            self.target = current
        now = time.perf_counter()
        if not finalize and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        elapsed = now - self.start
        per_unit = elapsed / current if current else 0.0
        if self.verbose == 1 and (finalize or self.dynamic):
            line = self._bar(current)
            if finalize or not self.target:
                shown_time = f"{elapsed:.0f}s"
            else:   # Keras 3's estimate of the time left, without its Keras 2 'ETA:'
                shown_time = _format_eta(per_unit * (self.target - current))
            line += " " + self._styled("1", shown_time) + _format_time(per_unit, self.unit_name)
            line += _format_values(values)
            width = len(_ANSI_STYLE.sub("", line))   # what the styled line takes on screen
            if self.dynamic:
                padding = " " * max(self._last_width - width, 0)
                self.stream.write("\r" + line + padding + ("\n" if finalize else ""))
            else:
                self.stream.write(line + "\n")
            self._last_width = width
            self.stream.flush()
        elif self.verbose == 2 and finalize:
            digits = len(str(self.target))
            line = f"{current:{digits}d}/{self.target} - {elapsed:.0f}s -" + \
                _format_time(per_unit, self.unit_name) + _format_values(values)  # Keras 3's
            self.stream.write(line + "\n")
            self.stream.flush()


def _in_jupyter_kernel() -> bool:
    """Whether this process is a Jupyter kernel (whose output redraws in place); merely
    importing ipykernel, as a test or a tool may, does not make it one."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('keras.callbacks', __name__, name)


from ..namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
