"""What a widget draws: any tapeviz object that holds ops, as a list of steps to show.

A `Scene` takes a GradientTape, a BackwardStepper, a debugger Recorder or RecordedStep, a
list of dispatch Nodes, or another engine's tape, and answers the same questions for each:
how many steps there are (a Recorder keeps many: time travel), the graph of the shown one,
its nodes, and how to step its backward pass (a recorded step is replayed with
`debugger.replay_tape`, or, when another engine ran it, walked as its VJPs ran with a
`RecordedStepper`). Another engine's tape (`tapeviz.torch.record()`'s) is read through
the neutral protocol alone: `nodes`, `freed`, `label` and `stepper(target, sources)`, which
returns an object with the BackwardStepper's reading methods.
"""
from __future__ import annotations

from ..arguments import choice
from ..debugger.given import (check_recorded_ops, check_target_and_sources,
                               check_target_recorded, not_recorded_ops)
from ..debugger.history import RecordedStep
from ..debugger.recorded_stepper import RecordedStepper
from ..debugger.recorder import Recorder
from ..debugger.replay import replay_tape
from ..debugger.stepper import BackwardStepper
from ..errors import InvalidArgumentError, OpError
from ..tape import GradientTape
from .failure import add_failed_op
from .graph import Graph
from .outline import outline
from .panel import counted


def step_of(steps, position: int) -> str:
    """Kept step `position` of `steps` as the title and the slider name it: 'step 3 of 3', and
    when the recorder dropped older steps, which it keeps ('step 9 of 9, steps 5-9 kept': '5
    kept' left a reader asking 5 of what, and which)."""
    last = steps[-1].number
    kept = "" if len(steps) == last else f", steps {steps[0].number}-{last} kept" \
        if len(steps) > 1 else f", only step {last} kept"
    return f"step {steps[position].number} of {last}{kept}{_named(steps[position])}"


# a step the Recorder labelled for having no backward pass (debugger/sorting.py): its name on
# the slider, and why it has none
_NO_BACKWARD = {
    "abandoned": ("stopped before its tape",
                  "an error caught outside its tape, or a continue, ended it"),
    "evaluation": ("an evaluation", "the model was run with no tape"),
    "restore": ("weights put back", "values no op made were assigned to the trained "
                "variables: EarlyStopping's restore, set_weights"),
}


def _named(step) -> str:
    """What a step's label adds to its name: that it has no backward pass, or the user's own
    `mark_step(label)` ("raised" is said where the title says how the step ended)."""
    label = step.label
    if label in _NO_BACKWARD:
        return f", {_NO_BACKWARD[label][0]}"
    return f", {label}" if label not in (None, "raised") else ""


def _raised(step) -> str:
    return f", raised {type(step.error).__name__}" if step.error is not None else ""


class Scene:
    """The steps a widget can show for `source`, and the one it shows now."""

    def __init__(self, source, *, target=None, sources=None, phases=("forward",),
                 failure=None):
        expected = ("a GradientTape, BackwardStepper, Recorder, RecordedStep, a list of nodes "
                    "or a tapeviz.torch tape")
        if isinstance(source, (list, tuple)):   # each item a node, said at the user's line
            check_recorded_ops("TapeWidget", source, expected, "TapeWidget(rec)")
        elif not isinstance(source, (GradientTape, BackwardStepper, Recorder, RecordedStep)) \
                and not _other_engines_tape(source):
            raise not_recorded_ops("TapeWidget", source, expected, "TapeWidget(rec)")
        example = "TapeWidget(tape, target=loss, sources=[w, b])"
        check_target_and_sources("TapeWidget", target, sources, example)
        if target is not None and isinstance(source, GradientTape) and not source.freed:
            check_target_recorded("TapeWidget", source, target, example)
        self.source = source
        self.target = target
        self.sources = sources
        self.phases = tuple(choice("TapeWidget", "phases", phase, ("forward", "backward"))
                            for phase in ((phases,) if isinstance(phases, str) else phases))
        if failure is None and (isinstance(source, GradientTape) or _other_engines_tape(source)):
            failure = source.raised   # an op raised out of the tape's block
        self.failure = failure   # the OpError that ended the recording, drawn after its ops
        # else the last op error the user's code caught inside the tape's block
        self.caught = source.caught if failure is None and (
            isinstance(source, GradientTape) or _other_engines_tape(source)) else None
        self.index = max(0, self.step_count - 1)   # a Recorder opens on its latest step

    # ---- which step ------------------------------------------------------------------------
    @property
    def step_count(self) -> int:
        return len(self.source.steps) if isinstance(self.source, Recorder) else 1

    def step_labels(self) -> list:
        """Each kept step as the slider names it ('step 3 of 3', 'step 2 of 3, raised ValueError');
    empty for one-step sources."""
        steps = self.source.steps if isinstance(self.source, Recorder) else []
        return [step_of(steps, i) + _raised(steps[i]) for i in range(len(steps))]

    def show_step(self, index: int) -> None:
        count = self.step_count
        if not 0 <= index < max(count, 1):
            raise IndexError(f"TapeWidget: no kept step at index {index} (the recorder keeps "
                             f"{count}: indices 0 to {count - 1})")
        self.index = index

    @property
    def step(self) -> RecordedStep | None:
        """The recorded step shown, for Recorder and RecordedStep sources."""
        if isinstance(self.source, RecordedStep):
            return self.source
        if isinstance(self.source, Recorder):
            steps = self.source.steps
            return steps[self.index] if steps else None
        return None

    @property
    def tape(self):
        """The GradientTape (or another engine's tape) shown, else None."""
        if isinstance(self.source, BackwardStepper):
            return self.source.tape
        source = self.source
        return source if isinstance(source, GradientTape) or _other_engines_tape(source) else None

    # ---- what it holds ---------------------------------------------------------------------
    def graph(self, grads=None, check_values: bool = True) -> Graph:
        """The shown step's full graph; `grads` ({id(tensor): gradient}) shade it;
        `check_values=False` leaves its values' NaN/Inf check to `Graph.check_values`."""
        step = self.step
        if step is not None:
            return self._with_failure(Graph.from_step(step, self.phases, check_values))
        tape = self.tape
        if tape is not None:
            self._check_not_consumed(tape)
            return self._with_failure(Graph.from_tape(tape, grads, check_values))
        if isinstance(self.source, (list, tuple)):
            return Graph.from_nodes(list(self.source), grads, check_values)
        return self._with_failure(Graph.from_nodes([], None))

    def outline(self, max_nodes: int) -> Graph | None:
        """The first view of a long scoped tape, told from its scope runs before its graph
        is built (outline.py), or None where they cannot tell it."""
        tape = self.tape
        if self.step is not None or not isinstance(tape, GradientTape):
            return None
        self._check_not_consumed(tape)
        return outline(tape, max_nodes)

    def _with_failure(self, graph: Graph) -> Graph:
        """`graph`, and the op that failed in the shown step (viz/failure.py)."""
        failure = self.shown_failure()
        if failure is not None:
            add_failed_op(graph, failure, caught=failure is self.caught)
        return graph

    def shown_failure(self) -> OpError | None:
        """The failure drawn on the shown step: the one given (a cell's, on the last step),
        else the op error the user's code caught in the tape's block (`caught`), else the
        OpError a recorded step raised (a torch call's, as error_notes kept it)."""
        if self.failure is not None and self.index == max(0, self.step_count - 1):
            return self.failure
        if self.caught is not None:
            return self.caught
        error = getattr(self.step, "error", None)
        error = getattr(error, "tapeviz_failure", error)
        return error if isinstance(error, OpError) else None

    def nodes(self) -> list:
        """The shown step's dispatch nodes in execution order (forward phase)."""
        step = self.step
        if step is not None:
            return [rop.node for rop in step.ops if rop.node.phase in self.phases]
        tape = self.tape
        if tape is not None:
            return list(tape.nodes)
        if isinstance(self.source, (list, tuple)):
            return list(self.source)
        return []

    def layout(self) -> str:
        """The layout of the 4-D values its engine's ops read: "NCHW" for the torch adapter's
        (an op says it), TF's "NHWC" otherwise."""
        return next((getattr(node.op, "layout", "NHWC") for node in self.nodes()[:1]), "NHWC")

    @property
    def op_count(self) -> int:
        """The shown step's ops, every phase: what the title counts and node ids number."""
        step = self.step
        if step is not None:
            return len(step.ops)
        tape = self.tape
        return len(tape) if tape is not None else len(self.nodes())

    def holder(self) -> str:
        """What holds the shown ops, in op_place's words: 'step 3' (a Recorder's step, as the
        title names it) or 'the tape'."""
        step = self.step
        return "the tape" if step is None else f"step {step.number}"

    def title(self) -> str:
        source = self.source
        if isinstance(source, Recorder):
            step = self.step
            if step is None:
                return self._first_op_failed() or "Recorder: no steps recorded yet"
            return f"{step_of(source.steps, self.index)}: {counted(self.op_count, 'op')}" \
                   f"{_ending(step)}"
        if isinstance(source, RecordedStep):
            return f"step {source.number}{_named(source)}: {counted(self.op_count, 'op')}" \
                   f"{_ending(source)}"
        tape = self.tape
        if tape is not None:
            kind = getattr(tape, "label", None) or (
                "persistent tape" if tape.persistent else "tape")
            return f"{kind}: {counted(self.op_count, 'op')}"
        return counted(self.op_count, "op")

    def _first_op_failed(self) -> str:
        """The title of a recording whose first op failed (a `%%tapeviz` cell's): what failed,
        at which line, and what to do; '' when none did. It read 'Recorder: no steps recorded
        yet', as if the Recorder were the matter."""
        failure = self.failure
        if failure is None:
            return ""
        where = f" at {failure.source.location}" if failure.source is not None else ""
        return f"{failure.op} failed{where}, the first op run: fix that line and run again"

    # ---- stepping its backward pass --------------------------------------------------------
    def no_backward(self) -> str:
        """Why the shown step has no backward pass to step (the Step button says it), or ''."""
        step = self.step
        if step is None or step.label not in _NO_BACKWARD:
            return ""
        name, why = _NO_BACKWARD[step.label]
        return f"step {step.number} has no backward pass to step: it was {name} ({why}); " \
               f"choose another step on the slider"

    def stepper(self):
        """A fresh BackwardStepper for the shown step, or for a recorded step of another
        engine's ops a RecordedStepper over its backward steps as they ran (raises
        ValueError when none can run)."""
        source = self.source
        if isinstance(source, BackwardStepper):
            if source.count == 0:
                return source
            return BackwardStepper(source.tape, source.target, source.sources)
        step = self.step
        if step is not None:
            if step.label in _NO_BACKWARD:
                raise ValueError(f"TapeWidget: {self.no_backward()}")
            if step.backward_steps:   # another engine's ops, whose VJPs cannot run again
                return RecordedStepper(step.backward_steps, [rop.node for rop in step.ops])
            replay = replay_tape(step)
            return BackwardStepper(replay.tape, self.target or replay.target,
                                   self.sources or replay.sources)
        tape = self.tape
        if tape is None:
            raise ValueError("TapeWidget: backward stepping needs a tape, a stepper or a "
                             "recorded step; a list of nodes has no tape")
        self._check_not_consumed(tape)
        if _other_engines_tape(tape):
            return tape.stepper(self.target, self.sources)
        target = self.target if self.target is not None else _last_float_output(tape)
        return BackwardStepper(tape, target, self.sources)

    @staticmethod
    def _check_not_consumed(tape) -> None:
        if tape.freed:   # a ValueError, as before, naming the user's line
            raise InvalidArgumentError("TapeWidget", "this GradientTape was consumed by "
                                                     "gradient() and freed its ops",
                                       hint="use GradientTape(persistent=True), show it before "
                                            "calling gradient(), or record the cell with "
                                            "%%tapeviz / tapeviz.debugger.Recorder")


def _ending(step) -> str:
    """How a recorded step ended, for its title: its loss, the error it raised (a training
    loop caught it and went on: the step holds the ops up to it), or why it has no backward
    pass."""
    if step.label in _NO_BACKWARD:
        return f", no backward pass ({_NO_BACKWARD[step.label][1]})"
    if step.error is not None:
        return _raised(step)
    return f", loss {step.loss:.4g}" if step.loss is not None else ""


def _other_engines_tape(source) -> bool:
    """Whether `source` is a tape another engine made (tapeviz.torch's): it has nodes and
    makes its own stepper."""
    return not isinstance(source, GradientTape) and hasattr(source, "nodes") \
        and callable(getattr(source, "stepper", None))


def _last_float_output(tape):
    for node in reversed(tape.nodes):
        if node.output._value.dtype.kind == "f":
            return node.output
    if not tape.nodes:
        raise ValueError("TapeWidget: nothing to step: this tape recorded no ops, so it has no "
                         "backward pass")
    raise ValueError("TapeWidget: the tape holds no float output to differentiate; pass "
                     "target=...")
