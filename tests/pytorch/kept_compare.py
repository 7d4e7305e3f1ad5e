"""A Recorder's torch steps kept as their inputs against the same steps recorded fully: the
comparison the kept-steps tests share (every value, gradient, line, layer, backward step and
edge, bitwise)."""
import numpy as np

from tapeviz.debugger import Recorder
from tapeviz.debugger.kept_forward import holds_kept


def _value(tensor):
    return None if tensor is None else np.asarray(getattr(tensor, "_value", tensor))


def _same(one, other) -> bool:
    one, other = _value(one), _value(other)
    if one is None or other is None:
        return one is None and other is None
    return one.dtype == other.dtype and one.shape == other.shape and \
        one.tobytes() == other.tobytes()


def _recorded(switch, on: bool, train, batches, steps_kept: list | None = None):
    """A Recorder's steps over `train(images, labels)` on each batch (`make` remade from the
    same seed each time), kept steps `on` or off; `steps_kept`: filled with whether each
    step held a kept record before anyone looked."""
    switch(on)
    with Recorder() as rec:
        for images, labels in batches:
            train(images, labels)
    if steps_kept is not None:
        steps_kept += [holds_kept(step) for step in rec._steps]
    return rec.steps


def both_ways(switch, make, batches) -> tuple:
    """(the steps recorded fully, the steps kept, whether each kept step held a kept record
    before anyone looked) of `make()`'s training function, a fresh one each way."""
    full = _recorded(switch, False, make(), batches)
    held = []
    kept = _recorded(switch, True, make(), batches, held)
    return full, kept, held


def assert_same_steps(full: list, kept: list, names: bool = True) -> None:
    """Every value, gradient, line, layer and backward step of `kept` is `full`'s, bitwise;
    and each input's variable name, unless `names` is False (a packed step's update outputs
    are plain tensors: packed.unpack)."""
    assert len(full) == len(kept)
    for one, other in zip(full, kept):
        assert [op.op for op in one.ops] == [op.op for op in other.ops]
        assert _producers(one) == _producers(other)   # (the widget's edges, "from outside")
        for a, b in zip(one.ops, other.ops):
            assert (a.node.source.filename, a.node.source.lineno) == \
                (b.node.source.filename, b.node.source.lineno), a.op
            assert a.node.scope == b.node.scope and a.node.phase == b.node.phase, a.op
            assert a.node.params == b.node.params, a.op
            assert _same(a.output, b.output), a.op
            assert len(a.node.inputs) == len(b.node.inputs), a.op
            assert all(_same(x, y) for x, y in zip(a.node.inputs, b.node.inputs)), a.op
            assert not names or [getattr(getattr(x, "variable", None), "name", None)
                                 for x in a.node.inputs] \
                == [getattr(getattr(y, "variable", None), "name", None)
                    for y in b.node.inputs], a.op
            assert _same(a.grad, b.grad), a.op
        assert [s.node.op.name for s in one.backward_steps] == \
            [s.node.op.name for s in other.backward_steps]
        for a, b in zip(one.backward_steps, other.backward_steps):
            assert _same(a.upstream, b.upstream), a.node.op.name
            assert len(a.input_grads) == len(b.input_grads)
            assert all(_same(x, y) for x, y in zip(a.input_grads, b.input_grads)), a.node.op.name
            assert a.index == b.index
        assert one.loss == other.loss
        for name in ("variables", "variables_after", "variable_gradients"):
            mine, theirs = getattr(one, name), getattr(other, name)
            assert mine.keys() == theirs.keys(), name
            assert all(_same(mine[key], theirs[key]) for key in mine), name


def _producers(step) -> list:
    """For each op of `step`, the index of the op whose output each input is (that very
    Tensor), or None: from outside the step."""
    made = {id(op.node.output): index for index, op in enumerate(step.ops)}
    return [[made.get(id(x)) for x in op.node.inputs] for op in step.ops]
