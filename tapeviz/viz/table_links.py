"""The structure of a graph's table built from dispatch nodes: which inputs are leaves (one per
variable or tensor no recorded op made), where each node sits (the leaves first read by an op
right before it) and the edges, each a numpy pass over the inputs (table.py calls these once,
from `NodeTable.from_entries`).
"""
from __future__ import annotations

from itertools import compress, repeat
from operator import is_

import numpy as np

from ..variable import VariableRead


def find_leaves(table, producers, consumers, op_scope_codes) -> None:
    """The leaves: each input no recorded op made, one per variable or tensor, in order of
    first sight; its scope the deepest all its readers share."""
    at_leaf = np.flatnonzero(producers < 0)
    tensors = list(map(table.flat.__getitem__, at_leaf.tolist()))
    reads = list(map(is_, map(type, tensors), repeat(VariableRead)))
    objs = tensors[:]
    for at in compress(range(len(tensors)), reads):   # a variable read: the variable
        objs[at] = tensors[at].variable
    count = len(objs)
    obj_ids = np.fromiter(map(id, objs), np.uint64, count)
    readers = consumers[at_leaf]
    table.leaf_of_input = np.full(len(producers), -1, dtype=np.int64)
    ordered = np.sort(obj_ids)
    if not (ordered[1:] == ordered[:-1]).any():   # each input its own leaf (a long
        table.leaf_of_input[at_leaf] = np.arange(count)   # tape's constants)
        table.leaf_objs, table.leaf_variable, table.leaf_reader = objs, reads, readers
        table._leaf_tensors = tensors
        again = None
    else:
        obj_ids = obj_ids.tolist()
        first = dict(zip(reversed(obj_ids), range(count - 1, -1, -1)))
        firsts = sorted(first.values())                   # each leaf's first input
        ordinal = table._leaf_by_object = dict(zip(map(obj_ids.__getitem__, firsts),
                                                  range(len(firsts))))
        table.leaf_of_input[at_leaf] = list(map(ordinal.__getitem__, obj_ids))
        table.leaf_objs = list(map(objs.__getitem__, firsts))
        table._leaf_tensors = list(map(tensors.__getitem__, firsts))
        table.leaf_variable = list(map(reads.__getitem__, firsts))
        table.leaf_reader = readers[firsts]
        again = np.ones(count, dtype=bool)
        again[firsts] = False
    table.leaf_scope_codes = op_scope_codes[table.leaf_reader]
    if again is not None:   # a leaf read again: its scope is what all its readers share
        from .graph_items import _common_scope
        codes, paths = table.leaf_scope_codes, table.scope_paths
        numbers = {path: code for code, path in enumerate(paths)}
        leaf_numbers = table.leaf_of_input[at_leaf]
        for leaf, reader in zip(leaf_numbers[again].tolist(), readers[again].tolist()):
            code, there = int(codes[leaf]), int(op_scope_codes[reader])
            if code != there and paths[code]:
                shared = _common_scope(paths[code], paths[there])
                if shared not in numbers:
                    numbers[shared] = len(paths)
                    paths.append(shared)
                codes[leaf] = numbers[shared]
    variable = np.asarray(table.leaf_variable, dtype=bool)
    table.leaf_numbers = np.where(variable, np.cumsum(variable) - 1,
                                 np.cumsum(~variable) - 1)


def place(table, count: int) -> None:
    """Positions: the leaves first read by an op come right before it."""
    readers = table.leaf_reader
    leaves = len(readers)
    table.count = count + leaves
    table.leaf_position = (np.arange(leaves) + readers).astype(np.int64)
    table.op_position = np.arange(count) + np.searchsorted(readers, np.arange(count),
                                                          side="right")
    is_op = np.zeros(table.count, dtype=bool)
    is_op[table.op_position] = True
    table.is_op = is_op
    table.ordinal = np.empty(table.count, dtype=np.int64)
    table.ordinal[table.op_position] = np.arange(count)
    table.ordinal[table.leaf_position] = np.arange(leaves)
    indices = table.indices   # a tape's: a range (no 100,000 ints to keep)
    table.index_array = np.arange(indices.start, indices.stop, dtype=np.int64) \
        if type(indices) is range else np.asarray(indices, dtype=np.int64)


def link(table, producers, consumers, arity) -> None:
    """One edge per input of each op, from its producer or leaf; an op reading one
    tensor twice (x * x) gets one edge from it, not two on top of each other.
    `arity`: how many inputs the reader of each input has."""
    src = np.where(producers >= 0, table.op_position[np.maximum(producers, 0)],
                   table.leaf_position[np.maximum(table.leaf_of_input, 0)]
                   if len(table.leaf_position) else 0)
    dst = table.op_position[consumers]
    pair = dst * table.count + src
    keep = np.ones(len(pair), dtype=bool)
    keep[1:] = pair[1:] != pair[:-1]   # an op's inputs are side by side: x * x here
    wide = np.flatnonzero(arity >= 3)  # and here, a tensor read apart by a wider op
    if len(wide):
        _, first = np.unique(pair[wide], return_index=True)
        kept = np.zeros(len(wide), dtype=bool)
        kept[first] = True
        keep[wide] = kept
    table.edge_input = np.flatnonzero(keep)    # the input each edge carries
    table.edge_src, table.edge_dst = src[keep], dst[keep]
