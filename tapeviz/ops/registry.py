"""The op registry: one `Op` row per op, holding its forward, VJP and display metadata.

`defop` is the only way to make an op. Calling an `Op` runs it through the dispatch
point, so every op, wherever it is called from, is seen and can be recorded; `events`
gives each op its `route` (who hears it) when it is registered and whenever
subscriptions change.
"""
from __future__ import annotations

import inspect
from typing import Callable

from .. import events
from ..dtype_errors import ALL
from ..dispatch import dispatch

REGISTRY: dict[str, "Op"] = {}

# A sample is (input specs, params); a spec is a shape (random floats drawn from the
# op's domain) or a concrete numpy array (used as given: indices, labels, masks).
UNARY_SAMPLES = ((((3,),), {}), (((2, 3),), {}))
BINARY_SAMPLES = ((((2, 3), (2, 3)), {}), (((2, 3), (3,)), {}), (((), (2, 1)), {}))


class Op:
    """One registry row. Call it like the TensorFlow function it implements.

    Fields: `forward(*arrays, **params)` on numpy arrays; `input_grads(g, ans, inputs,
    params, needed=None)`, the VJP in the one form the engine calls (see `defop`; for a
    node without params the backward pass calls what it calls itself, `rule_pair`, the two
    rules of a binary op's per-input form, or `vjp_whole`, the one function); `route`,
    who hears it (set by `events` when subscriptions change); `label` and `kind` for
    drawing; `broadcasting` (the engine unbroadcasts gradients); `dtype_args` (indices of
    the inputs that must share a dtype; Python values there take it); `domain` and
    `samples` (input ranges and shapes for the gradient tests); `nondiff` (no gradient
    flows through it); `explain(*arrays, **params)` (a clearer message when the forward
    raises); `input_names` (TF's names for the tensor inputs, so `tf.exp(x=t)` and
    `tf.nn.relu(features=t)` work; empty for variadic ops).
    """

    def __init__(self, name, forward, input_grads, *, label, kind, broadcasting, dtype_args,
                 domain, samples, nondiff, explain, doc, input_names):
        self.name = name
        self.__name__ = name
        self.__doc__ = doc
        self.forward = forward
        self.input_grads = input_grads
        # what input_grads calls, which the backward pass calls itself for a node without
        # params (a Python frame a step less): its two rules, one an input, or its one function
        rules = getattr(input_grads, "rules", None)
        self.rule_pair = rules if rules is not None and len(rules) == 2 else None
        self.vjp_whole = getattr(input_grads, "vjp", None)
        self.route = None  # events.registered sets it
        self.input_names = input_names
        self.label = label
        self.kind = kind
        self.broadcasting = broadcasting
        self.dtype_args = dtype_args
        self.domain = domain
        self.samples = samples
        self.nondiff = nondiff
        self.explain = explain

    __call__ = dispatch  # `tf.exp(x)` is `dispatch(tf.exp, x)`: one Python frame, not two

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

    def __repr__(self) -> str:
        return f"<tapeviz op {self.name}>"


def defop(name: str, forward: Callable, vjp: Callable | None = None, *, label: str | None = None,
          kind: str = "math", broadcasting: bool = False, dtype_args=ALL,
          domain=(-2.0, 2.0), samples=None, nondiff: bool = False,
          explain: Callable | None = None, doc: str = "", inputs: tuple | None = None,
          register: bool = True) -> Op:
    """Register an op; its name must be new. Returns the callable `Op`.

    `vjp` comes in either of two forms, whichever reads better for the op: one function
    `vjp(g, ans, *inputs, **params)` returning a gradient (or None) per input, or a tuple
    of functions, one per input, each returning that input's gradient (autograd's
    `defvjp` form: the engine then runs only the rules of inputs that need a gradient, which
    spares e.g. a convolution's input gradient in a first layer). Either becomes the one
    `op.input_grads(g, ans, inputs, params, needed)` the engine calls.

    `register=False` makes an op that stays out of `REGISTRY` (and so out of the registry
    tests), e.g. a deliberately wrong VJP in a test of the gradient checker.
    """
    if register and name in REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    if vjp is None and not nondiff:
        raise ValueError(f"op {name!r} needs a vjp or nondiff=True")
    if samples is None:
        samples = BINARY_SAMPLES if broadcasting else UNARY_SAMPLES
    input_grads = None if vjp is None else _input_grads(vjp)
    op = Op(name, forward, input_grads, label=label or name, kind=kind, broadcasting=broadcasting,
            dtype_args=dtype_args, domain=domain, samples=samples, nondiff=nondiff,
            explain=explain, doc=doc,
            input_names=inputs if inputs is not None else _input_names(forward, vjp))
    if register:
        REGISTRY[name] = op
    events.registered(op)
    return op


def _input_grads(vjp) -> Callable:
    """`vjp`, in either form `defop` takes, as `input_grads(g, ans, inputs, params, needed)`.

    `needed[i]` False skips input i's rule (per-input form); None means every input.
    (An empty **params costs ~60 ns a call: most ops have none.)"""
    if isinstance(vjp, tuple):
        rules = vjp

        def input_grads(g, ans, inputs, params, needed=None):
            grads = []  # a loop, not a comprehension: one frame less per step
            for i, rule in enumerate(rules):
                if needed is not None and not needed[i]:
                    grads.append(None)
                else:
                    grads.append(rule(g, ans, *inputs, **params) if params
                                 else rule(g, ans, *inputs))
            return grads

        if len(rules) == 2:  # binary ops, the most stepped: no loop, no argument tuples
            first, second = rules
            each_rule = input_grads

            def input_grads(g, ans, inputs, params, needed=None):
                if params:
                    return each_rule(g, ans, inputs, params, needed)
                x, y = inputs
                return [first(g, ans, x, y) if needed is None or needed[0] else None,
                        second(g, ans, x, y) if needed is None or needed[1] else None]
        input_grads.rules = rules   # which rule runs tells whose gradient (a pause says it)
    else:
        def input_grads(g, ans, inputs, params, needed=None):
            return vjp(g, ans, *inputs, **params) if params else vjp(g, ans, *inputs)
        input_grads.vjp = vjp   # (a pause reads which element of its result runs)
    return input_grads


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

