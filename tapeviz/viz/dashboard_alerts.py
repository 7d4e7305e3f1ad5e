"""The Dashboard's alerts: the debugger's own (`diagnose`, as `TapeWidget(recorder)` shows
them). For a Recorder, `find_alerts` over its steps; for a Runner, `diagnose` of the last
finished step's taped ops and gradients, of the first step whose loss or gradients were
NaN/Inf (kept, since every later step only carries the NaN), and of the first
`_OPENING_STEPS` steps after the first, recorded whole (what only steps show: a loss of many
values, a Variable rebound to a Tensor, a gradient that never comes; a few steps' recording,
once a run). A diverging loss needs whole steps (weights before and after each update): a
Recorder is kept only while the loss keeps rising (from its third rise in a row, for at most
`_SUSPECT_STEPS` steps, and until the first NaN), so a healthy loop pays next to nothing for
it. Diagnoses run on the timer thread at most once a second and when the loop pauses or
ends, never in the subscriber."""
from __future__ import annotations

import math

from ..debugger.diagnosis import diagnose
from ..debugger.op_index import CROSS_ENTROPIES
from ..debugger.sorted_batches import labels_given, one_class_batches
from ..debugger.unapplied import never_applied_in_run
from .panel import MAX_ALERTS, alert_list, find_alerts
from .scene import Scene
from .dashboard_status import ENDED

_DIAGNOSE_EVERY = 1.0  # seconds between diagnoses (the alerts) while the loop runs
_ARM_AFTER_RISES = 3   # consecutive rises of the loss that start a Recorder (divergence)
_SUSPECT_STEPS = 12    # ... and the steps it keeps at most (memory: whole steps)
_OPENING_STEPS = 3     # steps a Recorder keeps from the first: the findings only steps show
_OVER_STEPS = ("nan", "divergence", "gradient_ascent")   # said by the other alerts' parts


class RunAlerts:
    """Part of `Dashboard`: the Recorders it starts on the training thread, and the alerts the
    timer diagnoses."""

    def _watch_opening(self, ended_by) -> None:
        """On the training thread, at the gradient call `ended_by` of a step: after the first,
        record the next `_OPENING_STEPS` steps whole (a loss of many values, a Variable
        rebound to a Tensor, a gradient that never comes are seen only across steps): the
        Recorder's first step holds the first's gradients and updates alone, and it stops
        at the gradient call after them, dropping that step's forward pass. A rising loss's
        Recorder ends it sooner."""
        opening = self._opening
        if opening is None and self._steps == 1:
            from ..debugger import Recorder   # its steps are numbered as this run's
            self._opening = Recorder(first_index=self._step_offset).start(ended_by=ended_by)
        elif opening is not None and opening.recording and \
                len(opening) > _OPENING_STEPS + 1:
            opening.stop(whole_steps=True)

    def _note_batch(self, step: int) -> None:
        """On the training thread, after step `step`: keep its classifier loss's node (the
        labels it was given), the last COUNTED steps', for sorted batches: the opening's few
        whole steps cannot show them (one or two classes a batch, read over up to 16 steps).
        A loop whose first three steps had none (a regression's) is not looked at again."""
        if self._unclassified >= 3:
            return
        loss = next((node for node in reversed(self._last_ops)
                     if node.op.name in CROSS_ENTROPIES and node.phase == "forward"), None)
        if loss is not None:
            self._batches.append((step, loss))
        elif not self._batches:
            self._unclassified += 1

    def _watch_rising(self, step: int, loss: float) -> None:
        """On the training thread, after step `step`: start a Recorder of the next steps at
        the loss's third rise in a row; stop it at a fall (dropping it), a NaN or its last
        step (keeping it until the timer has diagnosed it)."""
        finite, previous, self._previous_loss = math.isfinite(loss), self._previous_loss, loss
        self._rises = self._rises + 1 if finite and loss > previous else 0
        suspect = self._suspect
        if suspect is not None and suspect.recording:
            if not finite or len(suspect) >= _SUSPECT_STEPS:
                suspect.stop()
            elif self._rises == 0:
                suspect.stop()
                self._suspect = None
        elif suspect is None and self._rises >= _ARM_AFTER_RISES and finite:
            if self._opening is not None and self._opening.recording:
                # one Recorder at a time; it keeps the whole steps it recorded
                self._opening.stop(whole_steps=True)
            from ..debugger import Recorder   # its steps are numbered as this run's
            self._suspect = Recorder(first_index=step).start()

    def _alerts(self, state: str, relaid: bool):
        """The alerts to show now, else None: not due (less than a second since the last
        diagnosis while the loop runs; nothing new since it). Due at once on a pause, at the
        end, and when a new tape is drawn (their node ids point into it)."""
        if not self.show_alerts or self.mode == "none":
            return None
        with self._data_lock:
            version = self._version
        if version == self._diagnosed_version and not relaid:
            return None
        urgent = relaid or state == "paused" or state in ENDED or \
            self.recorder is not None and not self.recorder.recording
        if not urgent and self.clock.now() - self._diagnosed_at < _DIAGNOSE_EVERY:
            return None
        self._diagnosed_at, self._diagnosed_version = self.clock.now(), version
        try:
            return self._runner_alerts() if self.runner is not None and self.recorder is None \
                else self._recorder_alerts()
        except Exception as exc:   # the charts go on; said in the error line
            self._report_error("alerts", exc, push=False)
            return None

    def _stop_suspect(self) -> None:
        for recorder in (self._suspect, self._opening):
            if recorder is not None and recorder.recording:
                recorder.stop()

    def _runner_alerts(self) -> list:
        """`diagnose` of the first step that made NaN/Inf (where it was born) and of the last
        finished step (its taped ops and variables' gradients), each alert with its step."""
        with self._data_lock:
            nodes = [n for n in self._last_ops if n.phase == "forward"]
            gradients, step, nan_step = dict(self._gradients), self._last_step, self._nan_step
            suspect = self._suspect
        if suspect is not None and not self._diverged:
            stopped = not suspect.recording   # read first: then its steps are all there
            steps = [s for s in suspect.steps if s.complete]
            self._diverged = [(f, _step_holding(steps, f.node)) for f in diagnose(history=steps)
                              if f.kind in ("divergence", "gradient_ascent")]   # or why it grows
            if stopped and not self._diverged:
                with self._data_lock:   # nothing in it: the next rising run starts another
                    self._suspect = None
        groups = [(number, [], [finding]) for finding, number in self._diverged]
        if nan_step is not None:
            number, nan_nodes = nan_step
            groups.insert(0, (number, nan_nodes,
                              [f for f in diagnose(nan_nodes) if f.kind == "nan"]))
        last = diagnose(nodes, gradients=gradients or None) if nodes else []
        said = {f.kind for f in last}
        opened = [(f, number) for f, number in self._opening_findings() if f.kind not in said]
        named = {name for finding, _ in opened for name in finding.variables}
        last = [f for f in last if f.kind != "symmetric_init" or not f.variables
                or not set(f.variables) <= named]
        # (as diagnose leaves a symmetric layer's variables to another finding naming them:
        #  zero kernels seen over the opening's steps are zero_weights, not identical units)
        groups += [(number, [], [finding]) for finding, number in opened]
        said |= {finding.kind for finding, _ in opened}
        with self._data_lock:
            batches = list(self._batches)
        if batches and "sorted_batches" not in said:
            groups.append((batches[-1][0], [], one_class_batches(
                [(number, labels_given(loss)) for number, loss in batches], batches[-1][1])))
        if nodes:
            groups.append((step, nodes, [f for f in last if nan_step is None or f.kind != "nan"]))
        alerts = []
        for number, step_nodes, findings in groups:
            for alert in alert_list(findings, step_nodes, self._node_id_of,
                                    MAX_ALERTS - len(alerts)):
                alerts.append({**alert, "step": number})
        return alerts

    def _opening_findings(self) -> list:
        """[(finding, its step)] of the first steps' Recorder, once it stopped (or the loop
        ended before): what only whole steps show; the rest come from the last step's ops."""
        with self._data_lock:
            opening = self._opening
        whole_run = opening is not None and opening.recording and self.runner.state in ENDED
        if whole_run:
            opening.stop()   # a run shorter than the opening steps
        if opening is not None and not opening.recording:
            recorded = [s for s in opening.steps if s.complete]
            steps = recorded[1:]   # (the first holds the first step's gradients and updates)
            found = diagnose(steps[-1], history=steps) if steps else []
            if whole_run and not any(f.kind == "gradients_not_applied" for f in found):
                found += never_applied_in_run(recorded, earlier=1)   # (step 1's forward)
            self._opened = [(f, _step_holding(steps, f.node)) for f in found
                            if f.kind not in _OVER_STEPS]
            with self._data_lock:
                self._opening = None   # its steps go: the findings are kept
        return self._opened

    def _recorder_alerts(self) -> list:
        """`find_alerts` over the recorder's steps, as `TapeWidget(recorder)` shows them, with
        node ids in the step the tape shows (its step; else their messages name theirs)."""
        recorder = self.recorder
        scene = Scene(recorder)
        last, steps = recorder.last_step, recorder.steps
        if last is None:
            return []
        scene.show_step(next(i for i, s in enumerate(steps) if s is last))
        return [{**alert, "step": last.number if alert["node"] else None}
                for alert in find_alerts(scene, self._node_id_of)]


def _step_holding(steps, node):
    """The number of the recorded step among `steps` that ran `node`, else None."""
    return next((step.number for step in steps if any(rop.node is node for rop in step.ops)),
                None)
