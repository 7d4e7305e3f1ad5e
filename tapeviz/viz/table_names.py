"""What a NodeTable's boxes are called: a variable by the user's name for it, another leaf an
input (by the name the user's line passed it as), a constant or a recorded step's gradient,
and how many nodes of each kind the table holds. `LeafNames` is NodeTable's base (table.py)."""
from __future__ import annotations

from collections import Counter
from itertools import compress

import numpy as np

from ..debugger.passed_names import PassedNames
from ..debugger.variable_names import shown_names
from .leaves import leaf_label, leaf_word
from .vocabulary import LEAF_NOUNS


class LeafNames:
    """The names and kinds read from a NodeTable's columns (its `leaf_objs`, `leaf_variable`,
    `leaf_reader`, `ops`, `op_signature`, `gradient_ids`)."""

    def variable_names(self) -> dict:
        """id(variable) -> the name its leaf is drawn by: the user's code's (`w`, not TF's
        'Variable_1:0'), the same in the inspector, the stepper and the alerts."""
        names = self._variable_names
        if names is None:
            names = self._variable_names = {} if self.refs is None else shown_names(
                list(compress(self.leaf_objs, self.leaf_variable)))
        return names

    def kinds(self) -> Counter:
        """How many nodes of each kind (a table built from dispatch nodes); a leaf no variable
        holds is an "input" or a "constant", as its box says (leaves.leaf_word)."""
        codes = self.op_signature   # numbered in order of first sight: the first of each
        firsts = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0) \
            if len(codes) else codes
        kinds = Counter()
        for first, number in zip(firsts.tolist(), np.bincount(codes).tolist()):
            kinds[self.ops[first].op.kind] += number
        for obj, variable, reader in zip(self.leaf_objs, self.leaf_variable,
                                         self.leaf_reader.tolist()):
            kinds["variable" if variable else LEAF_NOUNS[self.leaf_word(obj, reader)]] += 1
        return +kinds

    def leaf_word(self, tensor, reader: int) -> str:
        """What the box of `tensor`, a leaf first read by op `reader`, calls it: 'gradient'
        for a variable's gradient of the step (the optimizer's `lr * grad`: its backward pass
        not drawn, or kept whole and run again), else leaves.leaf_word's 'input' or 'const'."""
        if id(tensor) in self.gradient_ids:
            return "gradient"
        return leaf_word(tensor, self.ops[reader])

    def leaf_label(self, tensor, reader: int) -> str:
        """What the box of `tensor` says: leaf_word's, or an input by the user's name for it
        (leaves.leaf_label; the one data its reader, a model's or loss's first op, read: by
        what the line passed the model or loss, passed_names.py)."""
        word = self.leaf_word(tensor, reader)
        label = leaf_label(tensor, self.ops[reader]) if word == "input" else word
        if label == "input":
            if self._passed is None:   # once: the ops' lines, the ops reading data boxes
                self._passed = PassedNames(
                    self.ops, self.leaf_reader[~np.asarray(self.leaf_variable, bool)])
            label = self._passed.name(reader) or label
        return label
