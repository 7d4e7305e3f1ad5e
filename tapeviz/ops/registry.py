"""The op registry: one `Op` row per op, holding its forward, VJP and display metadata.

`defop` is the only way to make an op. Calling an `Op` runs it through the dispatch
point, so every op, wherever it is called from, is seen and can be recorded.
"""
from __future__ import annotations

import inspect
from typing import Callable

from .. import events
from ..convert import ALL

REGISTRY: dict[str, "Op"] = {}

# A sample is (input specs, params); a spec is a shape (random floats drawn from the
# op's domain) or a concrete numpy array (used as given: indices, labels, masks).
UNARY_SAMPLES = ((((3,),), {}), (((2, 3),), {}))
BINARY_SAMPLES = ((((2, 3), (2, 3)), {}), (((2, 3), (3,)), {}), (((), (2, 1)), {}))


class Op:
    """One registry row. Call it like the TensorFlow function it implements.

    Fields: `forward(*arrays, **params)` on numpy arrays; `vjp(g, ans, *inputs,
    **params)` with tapeviz ops, one gradient (or None) per input, or a tuple of such
    functions, one per input, each returning that input's gradient (autograd's `defvjp`
    form: the engine then runs only the ones it needs); `label` and `kind`
    for drawing; `broadcasting` (the engine unbroadcasts gradients); `dtype_args`
    (indices of the inputs that must share a dtype; Python values there take it);
    `domain` and `samples` (input ranges and shapes for the gradient tests);
    `nondiff` (no gradient flows through it); `explain(*arrays, **params)` (a clearer
    message when the forward raises); `input_names` (TF's names for the tensor inputs,
    so `tf.exp(x=t)` and `tf.nn.relu(features=t)` work; empty for variadic ops).
    """

    def __init__(self, name, forward, vjp, *, label, kind, broadcasting, dtype_args, domain,
                 samples, nondiff, explain, doc, input_names):
        self.name = name
        self.input_names = input_names
        self.watched = False  # someone hears this op's OpExecuted alone (events.subscribe(ops=))
        self.steps_watched = False  # ... or the VJPApplied of its nodes alone
        self.__name__ = name
        self.forward = forward
        self.vjp = vjp
        self.label = label
        self.kind = kind
        self.broadcasting = broadcasting
        self.dtype_args = dtype_args
        self.domain = domain
        self.samples = samples
        self.nondiff = nondiff
        self.explain = explain
        self.__doc__ = doc

    # __call__ is `dispatch` itself (set below): `tf.exp(x)` runs one Python frame, not two

    def bind(self, args, params):
        """(args, params) for a call with keywords: TF's `name=` is dropped and tensor inputs
        given by keyword join the positional ones, in TF's order."""
        params = dict(params)
        params.pop("name", None)
        args = list(args)
        for position, input_name in enumerate(self.input_names):
            if input_name not in params:
                continue
            if position < len(args):
                raise TypeError(f"{self.name}() got multiple values for input {input_name!r}")
            if position > len(args):
                missing = self.input_names[len(args)]
                raise TypeError(f"{self.name}() missing input {missing!r}")
            args.append(params.pop(input_name))
        return tuple(args), params

    def input_grads(self, g, ans, inputs, params, needed=None):
        """The VJP: one gradient (or None) per input; `needed[i]` False skips input i."""
        vjp = self.vjp
        if type(vjp) is not tuple:
            return vjp(g, ans, *inputs, **params)
        grads = []
        for i, rule in enumerate(vjp):
            if needed is not None and not needed[i]:
                grads.append(None)
            else:  # an empty **params costs ~60 ns a call: most ops have no params
                grads.append(rule(g, ans, *inputs, **params) if params else rule(g, ans, *inputs))
        return grads

    def __repr__(self) -> str:
        return f"<tapeviz op {self.name}>"


def defop(name: str, forward: Callable, vjp: Callable | None = None, *, label: str | None = None,
          kind: str = "math", broadcasting: bool = False, dtype_args=ALL,
          domain=(-2.0, 2.0), samples=None, nondiff: bool = False,
          explain: Callable | None = None, doc: str = "", inputs: tuple | None = None) -> Op:
    """Register an op; its name must be new. Returns the callable `Op`."""
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    if vjp is None and not nondiff:
        raise ValueError(f"op {name!r} needs a vjp or nondiff=True")
    if samples is None:
        samples = BINARY_SAMPLES if broadcasting else UNARY_SAMPLES
    op = Op(name, forward, vjp, label=label or name, kind=kind, broadcasting=broadcasting,
            dtype_args=dtype_args, domain=domain, samples=samples, nondiff=nondiff,
            explain=explain, doc=doc,
            input_names=inputs if inputs is not None else _input_names(forward, vjp))
    REGISTRY[name] = op
    events.registered(op)
    return op


def _input_names(forward, vjp) -> tuple:
    """Input names from the VJP's signature (after g and ans), else from the forward's."""
    rule = vjp[0] if isinstance(vjp, tuple) else vjp
    if rule is not None:
        parameters = list(inspect.signature(rule).parameters.values())[2:]
        names = tuple(p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD)
        if names:
            return names
    count = getattr(forward, "nin", None)  # numpy ufuncs
    if count is None:
        try:
            parameters = [p for p in inspect.signature(forward).parameters.values()
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            parameters = []
        if parameters and all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters):
            return tuple(p.name for p in parameters)
        count = len(parameters) or 1
    return ("x", "y", "z")[:count]


from ..dispatch import dispatch  # noqa: E402  (dispatch imports nothing from here at load)

Op.__call__ = dispatch
