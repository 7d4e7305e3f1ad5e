"""Torch calls as ops: one `TorchOp` per torch name, made the first time a function is seen.

A `TorchOp` carries what the widget, the debugger and the routes read from a registry `Op`
(`name`, `label`, `kind`, `input_names`, `route`, `nondiff`, `broadcasting`), under
torch's own short names: `conv2d`, `relu`, `linear`, `cross_entropy`, `log`, `add`
(`x + y` and `x.add(y)` alike), `add_` for the in-place form. Each is routed by
`events.registered`, so `subscribe(ops=...)` and `break_on(op="log")` choose torch ops as
they choose numpy ones. `op_for(func)` answers, once per torch function, which op a call
is, `BACKWARD` for the calls that run autograd, `MARKS_PARAMETER` for those that make a
tensor require grad or give a parameter's memory (`w.data`), or None for calls that are not
ops (`x.shape`, `x.item()`, `len(x)`).
"""
from __future__ import annotations

import threading

import torch

from .. import events

BACKWARD = object()   # op_for's answer for Tensor.backward, autograd.backward and autograd.grad
_BACKWARD_FUNCTIONS = (torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad)
MARKS_PARAMETER = object()   # op_for's answer for w.requires_grad_(), w.requires_grad = ...
DATA_OF = torch.Tensor.data.__get__   # and for w.data (a parameter's memory, as data)
_MARKING_FUNCTIONS = (torch.Tensor.requires_grad_, torch.Tensor.requires_grad.__set__, DATA_OF)

# properties that are ops (views of the value); every other property read is not an op
VIEW_PROPERTIES = frozenset({"T", "mT", "H", "mH", "real", "imag"})
# calls that read metadata, convert or register hooks: never ops
NOT_OPS = frozenset({
    "__repr__", "__str__", "__format__", "__len__", "__iter__", "__reversed__", "__bool__",
    "__float__", "__int__", "__index__", "__complex__", "__hash__", "__reduce__",
    "__reduce_ex__", "__deepcopy__", "__copy__", "__setstate__", "__getstate__",
    "__contains__", "__array__", "__array_wrap__", "__dir__", "__dlpack__",
    "__dlpack_device__", "dim", "ndimension", "size", "numel", "nelement", "item", "tolist",
    "numpy", "stride", "data_ptr", "element_size", "storage_offset", "untyped_storage",
    "is_floating_point", "is_complex", "is_contiguous", "get_device", "register_hook",
    "register_post_accumulate_grad_hook", "retain_grad", "requires_grad_", "type",
})
# Python operators as torch names the same calls (x + y is add, as x.add(y) is)
DUNDERS = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add_", "__sub__": "sub",
    "__rsub__": "rsub", "__isub__": "sub_", "__mul__": "mul", "__rmul__": "mul",
    "__imul__": "mul_", "__truediv__": "div", "__rtruediv__": "rdiv", "__itruediv__": "div_",
    "__div__": "div", "__rdiv__": "rdiv", "__idiv__": "div_",
    "__floordiv__": "floor_divide", "__rfloordiv__": "rfloordiv", "__mod__": "remainder",
    "__pow__": "pow", "__rpow__": "rpow", "__ipow__": "pow_", "__matmul__": "matmul",
    "__rmatmul__": "rmatmul", "__neg__": "neg", "__pos__": "positive", "__abs__": "abs",
    "__invert__": "bitwise_not", "__and__": "bitwise_and", "__rand__": "bitwise_and",
    "__or__": "bitwise_or", "__ror__": "bitwise_or", "__xor__": "bitwise_xor",
    "__rxor__": "bitwise_xor", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
    "__eq__": "eq", "__ne__": "ne", "__getitem__": "getitem", "__setitem__": "setitem",
}
# the numpy engine's labels for the same operations, so both draw alike
LABELS = {"add": "+", "sub": "−", "rsub": "−", "mul": "×", "matmul": "@", "pow": "**",
          "neg": "−x", "sum": "Σ", "getitem": "[ ]", "setitem": "[ ]=", "conv2d": "conv",
          "linear": "linear", "cross_entropy": "CE", "log_softmax": "log softmax"}

_KINDS = (
    ("conv", {"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d"}),
    ("activation", {"relu", "relu6", "sigmoid", "tanh", "gelu", "silu", "elu", "selu",
                    "leaky_relu", "softplus", "softmax", "log_softmax", "hardtanh", "mish"}),
    ("loss", {"cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
              "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
              "huber_loss"}),
    ("pool", {"max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d",
              "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
              "adaptive_max_pool2d"}),
    ("reduce", {"sum", "mean", "prod", "max", "min", "amax", "amin", "std", "var", "norm",
                "logsumexp", "argmax", "argmin", "all", "any"}),
    ("shape", {"view", "reshape", "flatten", "permute", "transpose", "t", "T", "mT",
               "squeeze", "unsqueeze", "cat", "stack", "getitem", "expand", "contiguous",
               "split", "chunk", "unbind", "narrow", "repeat", "flip", "view_as",
               "expand_as", "reshape_as"}),
    ("linalg", {"matmul", "rmatmul", "mm", "bmm", "linear", "addmm", "einsum", "mv", "dot"}),
    ("compare", {"eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite"}),
    ("nn", {"dropout", "batch_norm", "layer_norm", "group_norm", "embedding", "one_hot"}),
)
# elementwise ops whose operands broadcast: diagnose looks at these for outer products
BROADCASTING = frozenset({
    "add", "sub", "rsub", "mul", "div", "rdiv", "true_divide", "pow", "rpow", "maximum",
    "minimum", "atan2", "where", "add_", "sub_", "mul_", "div_", "floor_divide",
    "remainder", "hypot"})
NONDIFF = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "argmax", "argmin", "isnan", "isinf",
                     "isfinite", "one_hot", "floor_divide", "sign"})


def kind_of(name: str) -> str:
    """The family the widget colours and `break_on(kind=...)` names: an in-place update
    (`add_`, `_foreach_mul_`: optimizer steps) is "update", as the numpy engine's are."""
    if name.endswith("_") and not name.endswith("__") or name == "setitem":
        return "update"   # (x[mask] = 0 writes x in place too)
    for kind, names in _KINDS:
        if name in names:
            return kind
    return "math"


class TorchOp:
    """One torch function (or method, or operator) as the debugger sees an op."""

    __slots__ = ("name", "__name__", "label", "kind", "input_names", "route", "nondiff",
                 "broadcasting", "inplace", "function", "__weakref__")
    layout = "NCHW"   # torch's images and kernels: channels first (the inspector transposes)
    engine = "torch"  # NaN/Inf fixes name torch's functions (nonfinite.FIXES)

    def __init__(self, name: str, kind: str | None = None, label: str | None = None):
        self.name = self.__name__ = name
        self.label = label or LABELS.get(name, name)
        self.kind = kind or kind_of(name)
        self.input_names = ()     # the tensor arguments' names, from the first traced call
        self.route = None         # events.registered sets it
        self.nondiff = name in NONDIFF
        self.broadcasting = name in BROADCASTING
        self.inplace = self.kind == "update"
        self.function = None      # a custom torch.autograd.Function's class: its apply

    def vjp_again(self, node, upstream):
        """A custom Function's input gradients for `upstream` (an array), its forward and
        backward run again on copies of `node`'s inputs; None for torch's own ops (autograd
        differentiates them: nothing of the user's to check)."""
        if self.function is None:
            return None
        from .function_check import vjp_again   # (only when asked: diagnose's check)
        return vjp_again(self.function, node, upstream)

    def forward(self, *arrays, **params):
        """What the widget's gradient check reruns; a torch op has no numpy forward."""
        raise NotImplementedError(
            f"{self.name}: the gradient check reruns a numpy-engine op's forward and VJP; "
            f"torch's {self.name} is differentiated by torch's autograd (torch.autograd."
            f"gradcheck checks it, on float64 inputs)")

    def __repr__(self) -> str:
        return f"<torch op {self.name}>"


_lock = threading.Lock()
_by_name: dict = {}    # torch name -> its TorchOp
BY_FUNC: dict = {}     # torch function -> its TorchOp, BACKWARD, MARKS_PARAMETER or None;
#                       the mode reads it inline, and marks a function found not to be an op


def op_for(func):
    """The TorchOp a call of `func` is, BACKWARD, MARKS_PARAMETER, or None when the call is not
    an op."""
    try:
        return BY_FUNC[func]
    except KeyError:
        pass
    except TypeError:   # an unhashable callable: never an op we know
        return None
    if func in _BACKWARD_FUNCTIONS:
        found = BACKWARD
    elif func in _MARKING_FUNCTIONS:
        found = MARKS_PARAMETER
    else:
        name = torch_name(func)
        found = None if name is None else op_named(name)
    BY_FUNC[func] = found
    return found


def op_named(name: str, kind: str | None = None, label: str | None = None) -> TorchOp:
    """The TorchOp called `name`, made and routed on first use (`kind` and `label` then
    override those its name gives)."""
    op = _by_name.get(name)
    if op is not None:
        return op
    with _lock:
        op = _by_name.get(name)
        if op is not None:
            return op
        op = TorchOp(name, kind, label)
        events.registered(op)
        _by_name[name] = op
    _armed_for(op)
    return op


resyncing = 0   # > 0 while breakpoints are routed again to a new op (see mode.routing_changed)


def _armed_for(op: TorchOp) -> None:
    """Breakpoints armed before `op` existed name it by name: route them to it too (the
    listener unsubscribes and subscribes again: someone listens before and after)."""
    global resyncing
    from ..debugger import breakpoint_listener as listener
    if any((bp.op is not None and op.name in bp.op) or (bp.kind is not None and op.kind in bp.kind)
           for bp in listener.armed() if bp.enabled):
        resyncing += 1
        try:
            listener.sync()
        finally:
            resyncing -= 1


def torch_name(func) -> str | None:
    """torch's short name for `func` ('conv2d', 'add' for `__radd__`), or None for a call
    that is not an op."""
    name = getattr(func, "__name__", None)
    if name in ("__get__", "__set__", "__delete__"):
        owner = getattr(getattr(func, "__self__", None), "__name__", None)
        return owner if name == "__get__" and owner in VIEW_PROPERTIES else None
    if name is None or name in NOT_OPS:
        return None
    if name.startswith("__") and name.endswith("__"):
        return DUNDERS.get(name)
    return name


def update_op_name(optimizer_class: type) -> str:
    """The op one parameter's update by `optimizer.step()` is: 'adam_step' for Adam, as the
    numpy engine's Adam update is called."""
    return f"{optimizer_class.__name__.lower()}_step"


_OPTIMIZER_STEPS = frozenset(
    update_op_name(value) for value in vars(torch.optim).values()
    if isinstance(value, type) and issubclass(value, torch.optim.Optimizer)
    and value is not torch.optim.Optimizer)


def is_torch_op_name(name: str) -> bool:
    """Whether a torch call can be op `name`: a function of torch or torch.nn.functional,
    a Tensor method, an operator's name (`add` for `+`), or a torch.optim optimizer's update
    of one parameter ('adam_step', 'sgd_step')."""
    if name in NOT_OPS or name.startswith("_"):
        return False
    return (name in DUNDERS.values() or name in VIEW_PROPERTIES or name in _OPTIMIZER_STEPS or
            any(callable(getattr(space, name, None))
                for space in (torch, torch.nn.functional, torch.Tensor, torch.linalg,
                              torch.special, torch.fft)))


events.knows_op_names(is_torch_op_name)


def known_ops() -> list:
    """The torch ops made so far."""
    return list(_by_name.values())
