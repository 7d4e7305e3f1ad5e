"""A backward pass you step through: one VJP at a time over `tape.backward(...)`.

The stepper holds the backward iterator (ARCHITECTURE.md: backward is an iterator) and
remembers the last step, so a debugger or the widget can show what just happened: the node
whose VJP ran, the gradient that reached it, the gradients it produced, and every source's
gradient so far. Because it pulls the same iterator `tape.gradient` drains, its final
gradients are identical to `tape.gradient`'s. A step that is interrupted (an exception or
KeyboardInterrupt, from a subscriber or a breakpoint) is rolled back, so the step can be
retried and the tape keeps working."""
from __future__ import annotations

from .. import events, nest
from ..backward import stepped_through
from ..errors import DTypeError, InvalidArgumentError, MissingStepError, bad_argument, describe
from ..op_place import op_place
from ..tape_gradient import count_step, counted_threads, counts_its_steps
from ..tensor import Tensor
from . import breakpoint as _breakpoints
from .given import check_stepper_arguments


class StepViews:
    """What a stepper shows of the step it applied last (`self._last`: a BackwardStep, or
    None before the first) and its sources: the live stepper's and the recorded one's."""

    @property
    def last_step(self):
        """The BackwardStep applied last, or None before the first step."""
        return self._last

    @property
    def current(self):
        """The node whose VJP ran last."""
        return None if self._last is None else self._last.node

    @property
    def upstream(self):
        """The gradient that reached the current node's output."""
        return None if self._last is None else self._last.upstream

    @property
    def input_grads(self) -> tuple | None:
        """The gradients the current node's VJP produced, one per input (None where none)."""
        return None if self._last is None else self._last.input_grads

    @property
    def index(self) -> int | None:
        """The current node's position on the tape."""
        return None if self._last is None else self._last.index

    @property
    def flat_sources(self) -> list:
        """The sources gradients flow to, flattened (the tape's watched ones by default)."""
        return list(self._flat_sources)


class BackwardStepper(StepViews):
    """Steps the backward pass of `tape` from `target` to `sources`, one VJP at a time.

    >>> import tapeviz as tf
    >>> x = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x * x + x
    >>> stepper = BackwardStepper(tape, y, [x])
    >>> stepper.step().node.op.name
    'add'
    >>> stepper.run().gradient(x).numpy()
    np.float32(7.0)

    The tape is not consumed, even when it is not persistent. Breakpoints with
    phase="vjp" pause the stepper at the matching step (no debugger opens for them
    while it drives); other breakpoints open the debugger as usual, and `continue_`
    and `run_to` also stop after a step in which any breakpoint was hit.
    """

    def __init__(self, tape, target, sources=None, output_gradients=None):
        check_stepper_arguments(tape, target, sources)
        self.tape = tape
        self.target = target
        self.sources = sources
        flat = tape.watched_tensors() if sources is None else nest.flatten(sources)
        self._flat_sources = list(flat)
        self._backward = tape.backward(target, sources, output_gradients)
        self._last = None
        self._finished = False
        self.count = 0     # steps applied so far

    # ---- moving ---------------------------------------------------------------------------
    def step(self):
        """Apply one VJP; returns its BackwardStep, or None when the pass is over."""
        if self._finished:
            return None
        backward = self._backward
        saved = (backward._position, dict(backward.grads))
        state = _breakpoints.thread_state()
        outer, state.stepper = state.stepper, self
        try:
            step = next(backward, None)
        except BaseException:
            # roll back the half-applied step, so stepping again retries it
            backward._position, backward.grads = saved
            raise
        finally:
            state.stepper = outer
        if step is None:
            self._finish()
            return None
        self._last = step
        self.count += 1
        return step

    def continue_(self):
        """Step until the pass ends or a breakpoint is hit; returns the last step (or None)."""
        return self._until(lambda step: False)

    run_until_break = continue_

    def run(self) -> "BackwardStepper":
        """Step to the end (or the next breakpoint hit); returns self."""
        self.continue_()
        return self

    def run_to(self, node_or_index):
        """Step until the VJP of `node_or_index` has been applied (it is then `current`).

        Accepts a Node, its index on the tape, or the tensor it produced. Stops early at a
        breakpoint hit. When no gradient flows through that node its VJP never runs: the
        stepper stops at the first step past it. Returns the last step, or None at the end.
        """
        index = self._index_of(node_or_index)
        if index >= self._backward.position:
            where = ("the backward pass is over" if self.done else
                     f"the next to step through is {op_place(self._backward.position - 1)}")
            name = self.tape.nodes[index].op.name
            raise InvalidArgumentError("BackwardStepper.run_to", f"{op_place(index)} ({name}) "
                                                                 f"is already behind the "
                                                                 f"stepper: {where}",
                                       hint="a new BackwardStepper(tape, loss, sources) steps "
                                            "the pass again" if self.done else None)
        return self._until(lambda step: step.index <= index)

    def _until(self, stop):
        state = _breakpoints.thread_state()
        step = self._last
        while not self._finished:
            hits = state.hit_count
            taken = self.step()
            if taken is None:
                break
            step = taken
            if stop(step) or state.hit_count != hits:
                break
        return step

    def _index_of(self, node_or_index) -> int:
        nodes = self.tape.nodes
        if isinstance(node_or_index, int) and not isinstance(node_or_index, bool):
            if not 0 <= node_or_index < len(nodes):
                raise MissingStepError("BackwardStepper.run_to", f"there is no op at index "
                                       f"{node_or_index}: the tape has {len(nodes)} ops, at "
                                       f"indices 0 to {len(nodes) - 1}")
            return node_or_index
        is_tensor = isinstance(node_or_index, Tensor)
        for i, node in enumerate(nodes):
            if (node.output is node_or_index) if is_tensor else (node is node_or_index):
                return i
        raise InvalidArgumentError("BackwardStepper.run_to", f"expected a node of this "
                                                             f"stepper's tape, the tensor one "
                                                             f"made, or its index; got "
                                                             f"{describe(node_or_index)}, "
                                                             f"which is not on the tape",
                                   hint="stepper.run_to(tape.nodes[i]) or stepper.run_to(i)")

    @counts_its_steps
    def _finish(self) -> None:
        """The pass is over: one GradientComputed to its listeners, and on a Runner's thread
        one more step, as `tape.gradient` counts its own (the Runner hears neither)."""
        self._finished = True
        hearers = events.gradient_listeners
        if hearers or counted_threads:
            targets = nest.flatten(self.target)
            if hearers:
                result = [self.gradient(s) for s in self._flat_sources]
                events.tell(hearers, events.GradientComputed(self.tape, targets,
                                                             self._flat_sources, result))
            count_step(targets, self._flat_sources)

    # ---- what is known now ----------------------------------------------------------------
    @property
    def done(self) -> bool:
        """Whether every VJP has run (a last `step()` returning None confirms it)."""
        return self._finished or self._backward.done

    @property
    def grads(self) -> dict:
        """Every gradient accumulated so far, keyed by id() of its tensor or variable (the
        engine's own map: read it, don't change it)."""
        return self._backward.grads

    @property
    def gradients(self) -> dict:
        """Each source's gradient so far, keyed by `source.ref()` (tensors are unhashable)."""
        return {source.ref(): self.gradient(source) for source in self._flat_sources}

    def gradient(self, source):
        """`source`'s gradient accumulated so far (None if none has reached it yet)."""
        if not isinstance(source, Tensor):
            raise bad_argument("BackwardStepper.gradient", "source", "a tensor or variable "
                               "(stepper.gradient(w))", source, DTypeError)
        if source._value.dtype.kind != "f":
            return None
        return self._backward.gradient_of(source)

    def result(self):
        """The gradients so far in the structure of `sources`, as `tape.gradient` returns them."""
        flat = [self.gradient(s) for s in self._flat_sources]
        return nest.pack_sequence_as(self.sources if self.sources is not None else flat, flat)

    def __repr__(self) -> str:
        """'<BackwardStepper steps applied: 2, stepped through abs (op 6 of the tape)>', in
        the widget strip's words: '2 (done)' at the end, 'not started' before the first."""
        where = "not started" if self._last is None else \
            f"stepped through {stepped_through(self._last)}"
        return (f"<BackwardStepper steps applied: {self.count}"
                f"{' (done)' if self.done else ''}, {where}>")
