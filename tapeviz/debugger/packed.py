"""A finished recorded step's ops as columns, so that keeping them keeps no object per op.

A kept `Node` and its output `Tensor` are containers the cycle collector walks at every
collection, and keeping them is what makes collections come at all (each kept one counts
towards the next): most of what recording a scalar training loop cost. Once a step is final
and nothing else holds its nodes (no tape, no stepper, no one who looked), the Recorder keeps
instead one tuple per field: the ops, the output *values* (numpy arrays and scalars, which
the collector does not track; tensors are immutable, so the value is the output), the ids
the nodes were linked by, the tensors that came from outside the step, and each field the
node carried, whether a tape kept it and how long it ran. `unpack` makes the nodes again,
once, when someone looks: the same ops, values, inputs from outside, parameters, phases,
scopes and source lines, linked as they ran.
"""
from __future__ import annotations

from array import array
from itertools import chain, compress, repeat
from operator import attrgetter, itemgetter
from sys import getrefcount
from typing import NamedTuple

from ..node import (DURATION, INPUT_IDS, INPUTS, OP, OUTPUT_ID, PARAMS, PHASE, RECORD_WIDTH,
                    SCOPE, SOURCE, TAPED, VALUE, Node)
from ..tensor import Tensor

_second = itemgetter(1)
_tensor_value = attrgetter("_value")
# what getrefcount says, through map, of an object that one list alone holds
_HELD_BY_ONE_LIST = max(map(getrefcount, [object()]))


class Packed(NamedTuple):
    """A step's ops, one tuple per field, in the order they ran."""

    ops: tuple          # the registered Op of each
    values: tuple       # each output's value
    output_ids: tuple   # id() each output had while it lived: how later inputs named it
    input_ids: tuple    # each node's input_ids as it ran
    input_count: int    # how many there are in all
    outside: tuple      # the input tensors not made in the step, in the order they are read
    params: dict        # op index -> its params, where it has any
    phases: tuple
    scopes: tuple
    sources: tuple
    grads: dict         # output id -> the value of d loss / d that output
    taped: bytes        # 1 where a tape kept the op's node
    durations: array    # each op's forward time, seconds


def held_elsewhere(nodes: list) -> bool:
    """Whether anything but the list `nodes` and the step's records hold one of them (a tape,
    a stepper, a record)."""
    return max(map(getrefcount, nodes)) > _HELD_BY_ONE_LIST + 1


def pack(flat: list, grads: dict) -> Packed:
    """A step's ops, given as their records one after another (`node.RECORD_FIELDS`; nothing
    else holds their nodes), and their gradients ({output id: tensor}) as columns."""
    # (each column is a strided slice of the records, a C loop with no call per item; this
    # runs once a step, on the training loop's time)
    width = RECORD_WIDTH
    input_ids, output_ids, params = flat[INPUT_IDS::width], flat[OUTPUT_ID::width], \
        flat[PARAMS::width]
    made = dict.fromkeys(output_ids, False).get   # an input made in the step: linked by its id
    every_id = tuple(chain.from_iterable(input_ids))
    outside = tuple(compress(chain.from_iterable(flat[INPUTS::width]),
                             map(made, every_id, repeat(True))))
    return Packed(tuple(flat[OP::width]), tuple(flat[VALUE::width]), tuple(output_ids),
                  tuple(input_ids), len(every_id), outside,
                  dict(filter(_second, enumerate(params))) if any(params) else {},
                  tuple(flat[PHASE::width]), tuple(flat[SCOPE::width]),
                  tuple(flat[SOURCE::width]),
                  dict(zip(grads, map(_tensor_value, grads.values()))) if grads else {},
                  bytes(flat[TAPED::width]), array("d", flat[DURATION::width]))


def unpack(packed: Packed) -> tuple:
    """The nodes again, and their gradients as {index: tensor}: each output a new tensor
    holding the very value, each input the tensor it came from (one made here, or the one
    kept from outside), `input_ids`/`output_id` naming them as dispatch does."""
    made: dict = {}             # the id an output had -> the tensor that stands for it now
    outside = iter(packed.outside)
    nodes = []
    for index, op in enumerate(packed.ops):
        inputs, ids = [], []
        for key in packed.input_ids[index]:
            tensor = made.get(key)
            if tensor is None:
                tensor = next(outside)
            else:
                key = id(tensor)
            inputs.append(tensor)
            ids.append(key)
        output = Tensor()
        output._value = packed.values[index]
        made[packed.output_ids[index]] = output
        node = Node()
        node.op = op
        node.inputs = tuple(inputs)
        node.output = output
        node.params = packed.params.get(index) or {}
        node.input_ids = tuple(ids)
        node.output_id = id(output)
        node.phase = packed.phases[index]
        node.scope = packed.scopes[index]
        node.source = packed.sources[index]
        nodes.append(node)
    grads = {}
    if packed.grads:
        index_of = dict(zip(packed.output_ids, range(len(nodes))))
        for key, value in packed.grads.items():
            tensor = grads[index_of[key]] = Tensor()
            tensor._value = value
    return nodes, grads
