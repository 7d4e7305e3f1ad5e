"""The Dashboard's record of the run, taken on the training thread: each finished step's loss
and gradient norms (one `Series` each), its taped nodes and gradients (for the tape and the
alerts) and the names its variables take in the legend; a watched Recorder's steps are read
instead. The subscriber only appends to plain lists: events are synchronous (ARCHITECTURE.md)."""
from __future__ import annotations

import math
import threading

import numpy as np

from .. import events
from ..debugger import live_runners
from ..debugger.summary import all_finite
from ..debugger.variable_names import shown_names
from ..variable import Variable
from .series import Series
from .vocabulary import words_of

NORMS_TITLE = "gradient norm per {} (log scale)"   # "parameter" in a torch program


class StepLog:
    """Part of `Dashboard` (which holds the lists and locks it fills): the subscriber, the
    recorder's poll and the legend's names."""

    def _on_event(self, event) -> None:
        try:
            if threading.get_ident() != self.runner.thread_ident:
                return  # the caller inspecting tensors while paused, or another loop
            kind = type(event)
            if kind is events.OpExecuted:
                if event.taped and (self.show_tape or self.show_alerts):
                    self._ops.append(event.node)
            elif kind is events.VJPApplied:
                if self.show_tape:
                    self._grads[id(event.step.node.output)] = event.step.upstream
            elif kind is events.GradientComputed:
                if live_runners.started_not_ended > 1 and self.runner.refusal(event) is not None:
                    with self._data_lock:   # another run's variables: no step of this one's
                        self._ops, self._grads = [], {}
                    return
                loss = sum(float(np.sum(t._value)) for t in event.targets)
                named = [(source.name, grad) for source, grad in
                         zip(event.sources, event.gradients)
                         if grad is not None and getattr(source, "name", None)]
                norms = [(name, _norm(grad._value)) for name, grad in named]
                if any(name not in self._labels for name, _ in named):
                    self._name_variables(event.sources)
                if self.show_tape:   # the variables' gradients shade their leaves, too
                    self._grads.update((id(source), grad) for source, grad in
                                       zip(event.sources, event.gradients) if grad is not None)
                self._add_step(self._step_offset + self._steps + 1, loss, norms, dict(named),
                               ended_by=event)
        except Exception as exc:  # never break the user's loop for a chart; report it
            self._report_error("dashboard event", exc)

    def _add_step(self, step: int, loss, norms, gradients=None, ended_by=None) -> None:
        """Step `step` ended (at the runner's gradient call `ended_by`, or read from a
        recorder): its loss and norms charted, its ops and gradients kept for the alerts."""
        with self._data_lock:
            self._steps += 1
            if loss is not None:
                self._loss.append(step, loss)
            for name, norm in norms:
                series = self._norms.get(name)
                if series is None:
                    series = self._norms[name] = Series(self.max_points, self.smoothing)
                series.append(step, norm)
            if self.runner is not None:
                if self._nan_step is None and self.show_alerts and not (  # a finite norm: a
                        math.isfinite(loss) and all(math.isfinite(norm)     # finite gradient
                                                    or all_finite(gradients[name])
                                                    for name, norm in norms)):
                    self._nan_step = (step, [n for n in self._ops if n.phase == "forward"])
                self._last_ops, self._ops = self._ops, []
                self._last_grads, self._grads = self._grads, {}
                self._gradients, self._last_step = gradients or {}, step
                if self.show_alerts:
                    self._watch_opening(ended_by)
                    self._note_batch(step)
                    if not self._diverged:
                        self._watch_rising(step, loss)
            self._version += 1

    def _name_variables(self, sources) -> None:
        """Give the variables among `sources` not yet named their legend names, once each:
        as the user's code names them (variable_names.shown_names), else, where two would
        read alike, by their own (TF's) name. A torch program's are 'parameters' in the chart's
        title."""
        variables = [source for source in sources if isinstance(source, Variable)]
        with self._data_lock:
            self._norms_title = NORMS_TITLE.format(words_of(variables)["variable"])
            fresh = [variable for variable in variables if variable.name not in self._labels]
            labels = shown_names(fresh, variables, self._labels.values())
            for variable in fresh:
                self._labels[variable.name] = labels[id(variable)]
                self._made[variable.name] = variable._unique_id

    def _norms_in_made_order(self) -> list:
        """The gradient norms' (name, Series), in the order their variables were made: a torch
        model's in its forward order (they came in the order autograd reached them, the head's
        first). Called under the data lock."""
        return sorted(self._norms.items(), key=lambda item: self._made.get(item[0], math.inf))

    def _poll_recorder(self) -> None:
        """Read-only mode: take the steps the recorder finished since the last poll."""
        for step in self.recorder.steps:
            if step.complete and step.index > self._last_recorded:
                if any(name not in self._labels for name in step.variable_gradients):
                    self._name_variables(step.gradient_sources)
                norms = [(name, _norm(grad._value))
                         for name, grad in step.variable_gradients.items()]
                self._add_step(step.number, step.loss, norms)
                self._last_recorded = step.index


def _norm(value) -> float:
    """The L2 norm of a gradient; inf where float32's overflows, which the alerts report
    (numpy's RuntimeWarning would point at numpy's own line, from the training thread)."""
    with np.errstate(over="ignore"):
        return float(np.linalg.norm(value.reshape(-1)))
