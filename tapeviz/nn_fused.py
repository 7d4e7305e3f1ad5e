"""A Conv2D layer's conv2d, bias_add and relu run as one pass while nobody can tell.

With no one hearing those ops (no listener, breakpoint, Recorder, layer listener or
traced function) and at most one tape recording (a second one would differentiate their
VJPs), the layer's output is made in one pass (`ops/fused_conv.py`): the conv's output is
never written apart, nor the biased one. A recording tape still gets the same three nodes,
with the same inputs, params and VJPs, as dispatch would make them; the two intermediate
outputs are `LazyTensor`s (`lazy.py`), computed by their own ops' forwards from the very
arrays those ops were given when something reads them: the widget, the inspector and
`.numpy()` see what the unfused layer would have shown, bit for bit.
"""
from __future__ import annotations

from sys import _getframe

from .dispatch_inputs import input_tensors
from .lazy import LazyTensor
from .node import Node
from .op_failure import FORWARD_ERRORS
from .ops.conv import conv2d_op
from .ops.fused_conv import conv2d_bias_relu
from .ops import relu_fold
from .ops.nn import bias_add_op, relu as relu_op
from .sourceinfo import source_from
from .tensor import Tensor, wrap
from .threadstate import local
from .variable import Variable, read_variable



def conv_bias_activation(layer, inputs, relu: bool):
    """`layer`'s relu(conv2d(inputs, kernel) + bias) (no relu when `relu` is False) made in
    one pass, its nodes given to the recording tape; None when the ops must run one by one
    (someone hears them, two tapes record, a dtype differs or the pass raised: the ops then
    say what went wrong themselves)."""
    state = local.state
    tapes = state.tapes
    kernel, bias = layer.kernel, layer.bias
    if len(tapes) > 1 or state.sink is not None or state.layer_listeners or state.traced \
            or conv2d_op.route.heard or bias_add_op.route.heard or relu_op.route.heard \
            or type(inputs) is not Tensor or type(kernel) is not Variable \
            or type(bias) is not Variable:
        return None
    x, w, b = inputs._value, kernel._value, bias._value
    if x.dtype.kind != "f" or x.dtype != w.dtype or w.dtype != b.dtype:
        return None
    conv_params = {"strides": layer.strides, "padding": layer.padding.upper(),
                   "dilations": layer.dilation_rate}
    try:
        out = conv2d_bias_relu(x, w, b, relu=relu, **conv_params)
    except FORWARD_ERRORS:
        return None
    output = wrap(out)
    if tapes:
        _record(tapes[0], state, (inputs, kernel), bias, conv_params, output, relu,
                source_from(_getframe(1), state.origin) if state.source is None
                else state.source)
    return output


def _record(tape, state, conv_args, bias, conv_params, output, relu: bool, source) -> None:
    """Give `tape` the nodes dispatch would have made of conv2d, bias_add and (with `relu`)
    relu, the first two with lazy outputs."""
    arrays, tensors, ids, _ = input_tensors(conv2d_op, conv_args)
    bias_read = read_variable(bias)
    dtype = output._value.dtype
    convolved = LazyTensor(lambda: conv2d_op.forward(*arrays, **conv_params), dtype)
    axis = {"axis": len(output._value.shape) - 1}
    biased = LazyTensor(lambda: bias_add_op.forward(convolved._value, bias_read._value, **axis),
                        dtype) if relu else output
    nodes = [_node(conv2d_op, tensors, ids, convolved, conv_params, state, source),
             _node(bias_add_op, (convolved, bias_read), (id(convolved), id(bias)), biased,
                   axis, state, source)]
    if relu:
        nodes.append(_node(relu_op, (biased,), (id(biased),), output, {}, state, source))
        relu_fold.mark(output)
    tape.watch_read(conv_args)
    tape.record(nodes[0])
    tape.watch_read((convolved, bias))
    for node in nodes[1:]:
        tape.record(node)


def _node(op, inputs, ids, output, params, state, source) -> Node:
    """A node made as dispatch's taped path makes it."""
    node = Node()
    node.op = op
    node.inputs = tuple(inputs)
    node.output = output
    node.params = params
    node.input_ids = tuple(ids)
    node.output_id = id(output)
    node.phase = state.phase
    node.scope = state.scope
    node.source = source
    return node
