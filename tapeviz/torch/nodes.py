"""The one place the adapter makes a `Node`: a torch call's (mode.py) or an optimizer's
update of one parameter (updates.py), with the fields dispatch gives the numpy engine's; or
a `LazyNode`, whose values are copied only when read, for an op only listeners hear that
may read none of them (a breakpoint's condition, which reads what it asks about: its
output's shape, ndim and dtype are read from torch, `LazyOutput`)."""
from __future__ import annotations

import sys
from operator import attrgetter

import torch

from .. import events
from ..errors import MisuseError
from ..node import Node
from ..sourceinfo import source_from
from ..tensor import Tensor, TensorShape
from . import modules, values
from .call_arguments import arguments

_getrefcount = sys.getrefcount
_version_of = attrgetter("_version")
_new_tensor = object.__new__


def make_node(op, inputs: tuple, output, params: dict, scope: str, source) -> Node:
    """A forward-phase Node of `op` on `inputs` (tapeviz Tensors, copies) making `output`."""
    node = Node()
    node.op = op
    node.inputs = inputs
    node.output = output
    node.params = params
    node.input_ids = tuple([id(getattr(t, "variable", t)) for t in inputs])
    node.output_id = id(output)
    node.phase = "forward"
    node.scope = scope
    node.source = source
    return node


def other_outputs(node: Node, result, name_of, copies=None) -> tuple:
    """A Node for each tensor a call returned beside `node.output`'s (torch.max's indices,
    split's pieces, an LSTM's (h, c)): `node`'s op on its inputs, `params["output"]` its
    position, as the numpy engine writes a many-output op as one op per output; so an op
    that reads one is linked to the call that made it. `copies`: their values to show, where
    taken already (a kept step run again shows the copies its training made)."""
    first = node.output
    made = []
    for position, tensor in enumerate(_tensors(result)):
        copy = values.snapshot(tensor, name_of) if copies is None else copies[position]
        if copy is not first:
            made.append(make_node(node.op, node.inputs, copy, {**node.params, "output": position},
                                  node.scope, node.source))
    return tuple(made)


def _tensors(result) -> list:
    """The tensors in a call's result, nested tuples flattened (an LSTM's (out, (h, c)))."""
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (list, tuple)):
        return [t for item in result for t in _tensors(item)]
    return []


_INPUTS, _OUTPUT, _SOURCE, _PARAMS, _SCOPE = (Node.inputs, Node.output, Node.source,
                                               Node.params, Node.scope)
#                                                 Node's own slots, set on first read
_ON_STACK = object()   # a LazyNode's name_of until its layer is read off the stack
_UNREAD = None   # what a LazyNode's output slot holds until copied (a copy is never None): a
#                  test, not an unset slot's AttributeError raised and caught on every op's read


class LazyNode(Node):
    """A Node made of an op's torch tensors, each copied (`values.snapshot`, as a Node's) when
    its field is first read: `inputs` (and `input_ids`), `output`'s values (and
    `output_id`); its user line and layer too, from the op's caller (still at the op's call
    while its listeners run). A tensor
    changed in place since the op ran (its version moved) is refused when read: its value as
    the op saw it is gone. Whoever keeps the node past its listeners' call gets it copied
    whole then (`keep`), so only a value read during that call is read lazily."""

    __slots__ = ("_tensors", "_versions", "_name_of", "_caller", "_call")

    def __init__(self, op, tensors: tuple, params: dict | None, scope: str | None, source,
                 name_of=None, versions: tuple | None = None, caller=None, call=None):
        """`tensors`: the inputs then the output, each a torch tensor (or a value copied
        already, a tapeviz Tensor, or a function giving it from a copy kept elsewhere, called
        when first read); `versions`: theirs when the op ran (default: now);
        `caller`: the frame that called the op, its line found from there when first read
        (`source` None), and its layer and parameters' names (`scope` None); `call`: the
        op's (func, args, kwargs), its params read from them when first read (`params`
        None)."""
        self.op = op
        _OUTPUT.__set__(self, _UNREAD)
        if call is None:
            _PARAMS.__set__(self, params)
        self._call = call
        self.phase = "forward"
        if scope is not None:
            _SCOPE.__set__(self, scope)
        elif caller is not None:
            name_of = _ON_STACK
        if caller is None:
            _SOURCE.__set__(self, source)
        self._caller = caller
        self._tensors = tensors
        if versions is None:
            try:   # (values.version inlined: a call each tensor of each op a condition hears)
                versions = tuple(map(_version_of, tensors))   # (no Python frame)
            except RuntimeError:   # an inference-mode tensor (version -1)
                versions = tuple(map(values.version, tensors))
        self._versions = versions
        self._name_of = name_of

    @property
    def source(self):
        try:
            return _SOURCE.__get__(self)
        except AttributeError:   # the walk, from the op's caller (still at the op's call)
            source = source_from(self._caller)
            _SOURCE.__set__(self, source)
            return source

    @property
    def scope(self) -> str:
        try:
            return _SCOPE.__get__(self)
        except AttributeError:   # not read yet: the modules running at the op's caller
            self._layer()
            return _SCOPE.__get__(self)

    def _layer(self):
        """Read the layer path and the parameters' namer off the stack at the op's caller
        (the module hooks keep no paths for listeners that read them this rarely); the
        namer."""
        running = modules.frames_from_stack(self._caller)
        _SCOPE.__set__(self, running[-1][1] if running else "")

        def name_of(leaf):
            return modules.parameter_name(leaf, running)
        self._name_of = name_of
        return name_of

    @property
    def params(self) -> dict:
        try:
            return _PARAMS.__get__(self)
        except AttributeError:   # not read yet: the call's arguments that are no tensor
            params = arguments(*self._call)[2]
            _PARAMS.__set__(self, params)
            self._call = None
            return params

    @property
    def inputs(self) -> tuple:
        try:
            return _INPUTS.__get__(self)
        except AttributeError:   # not read yet
            pass
        return self._copy_inputs()

    @property
    def input_ids(self) -> tuple:
        return tuple(id(getattr(t, "variable", t)) for t in self.inputs)

    @property
    def output(self):
        """The output copied, or until its values are read a `LazyOutput` (a `LazyRead` for a
        parameter an update wrote, whose copy is its Variable's read)."""
        output = _OUTPUT.__get__(self)
        if output is not _UNREAD:
            return output
        tensor = self._tensors[-1]
        if not isinstance(tensor, torch.Tensor):
            return self._copy_output()
        if tensor.requires_grad and tensor.is_leaf:
            return LazyRead(self, tensor)
        # (LazyOutput(self, tensor) without its __init__'s frame: a condition reads this for
        # every op it hears)
        lazy = _new_tensor(LazyOutput)
        lazy._node, lazy._tensor = self, tensor
        try:
            lazy._version = tensor._version
        except RuntimeError:   # an inference-mode tensor: never changed
            lazy._version = -1
        return lazy

    @property
    def output_id(self) -> int:
        return id(self.copied_output())

    def copied_output(self):
        """The output's copy (made now if it was not)."""
        output = _OUTPUT.__get__(self)
        return self._copy_output() if output is _UNREAD else output

    def keep(self) -> None:
        """Copy every value not read yet, and find its line, now that the op has just run; a
        value changed in place meanwhile (by code run at a breakpoint's prompt) stays refused
        when read."""
        _ = self.source, self.params, self.scope
        self._caller = None   # (its frames: the line and the layer are read)
        try:
            _INPUTS.__get__(self)
        except AttributeError:   # not read yet
            if not self._copied(self._copy_inputs):
                return
        if _OUTPUT.__get__(self) is _UNREAD and not self._copied(self._copy_output):
            return
        self._tensors = self._name_of = None   # all copied: the tensors go

    @staticmethod
    def _copied(copy) -> bool:
        """Whether `copy()` copied its values (not refused: changed in place since the op)."""
        try:
            copy()
        except MisuseError:
            return False
        return True

    def _copy_inputs(self) -> tuple:
        inputs = tuple(self._copy(i) for i in range(len(self._tensors) - 1))
        _INPUTS.__set__(self, inputs)
        if values.fresh:   # a parameter made before anyone listened, read the first time
            values.name_by_reader(self)
        return inputs

    def _copy_output(self):
        output = self._copy(len(self._tensors) - 1)
        _OUTPUT.__set__(self, output)
        return output

    def _copy(self, i: int):
        tensor = self._tensors[i]
        if not isinstance(tensor, torch.Tensor):   # copied when the op ran, or read now from a
            return tensor() if callable(tensor) else tensor   # copy kept (an update's input)
        if values.version(tensor) != self._versions[i]:
            last = i == len(self._tensors) - 1
            names = self.op.input_names
            what = "output" if last else names[i] if i < len(names) else f"input {i}"
            raise MisuseError(self.op.name, f"its {what} was changed in place after the op ran "
                              f"(torch version {self._versions[i]}, now "
                              f"{values.version(tensor)}) and no copy was kept: its value as "
                              f"the op saw it is gone",
                              hint="read a node's values while its listener is called, or "
                                   "keep the node: a kept node is copied when the call returns",
                              source=self.source)
        name_of = self._name_of
        return values.snapshot(tensor, self._layer() if name_of is _ON_STACK else name_of)


class LazyOutput(Tensor):
    """A LazyNode's output before its values are read: its shape, ndim and dtype are read
    from torch's tensor (a condition asking `node.output.ndim` copies nothing); its value is
    the node's output, copied on first read (refused if changed in place since the op)."""

    __slots__ = ("_node", "_tensor", "_version")

    def __init__(self, node: LazyNode, tensor: torch.Tensor):
        self._node = node
        self._tensor = tensor
        try:
            self._version = tensor._version   # (values.version inlined)
        except RuntimeError:   # an inference-mode tensor: never changed
            self._version = -1

    @property
    def _value(self):
        return self._node.copied_output()._value

    def _source(self):
        """The torch tensor while no in-place write (a resize) has changed it since the op,
        else the node's copy (which refuses a value changed before it was copied)."""
        try:
            if self._tensor._version == self._version:   # (values.version inlined)
                return self._tensor
        except RuntimeError:   # an inference-mode tensor: never changed
            return self._tensor
        return self._node.copied_output()

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._source().shape)

    @property
    def ndim(self) -> int:
        try:   # (_source inlined for the version that has not moved: a condition's read)
            if self._tensor._version == self._version:
                return self._tensor.ndim
        except RuntimeError:
            pass
        return self._source().ndim

    @property
    def dtype(self):
        source = self._source()
        return values.dtype_of(source) if source is self._tensor else source.dtype


class LazyRead(LazyOutput):
    """A LazyOutput that is a parameter's value (an update's output): its `variable`, as a
    Variable read's, comes with the value's copy."""

    __slots__ = ()

    @property
    def variable(self):
        return self._node.copied_output().variable


def tell(node: LazyNode, hearers: tuple, taped: bool, duration: float, forms: tuple = ()) -> None:
    """Send `node` to `forms`, listeners' node forms (`route.on_node`: called with no event),
    then to `hearers` as an OpExecuted; if one of them kept it (or its event), its values
    are copied and its line found now, while they are still the op's."""
    held = _getrefcount(node)
    try:
        for form in forms:
            form(node, taped, duration)
        for callback in hearers:
            callback(events.OpExecuted(node, taped, duration))
    finally:   # (also a hit that raised: its BreakpointHit holds the node)
        if _getrefcount(node) > held:
            node.keep()
