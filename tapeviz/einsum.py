"""`tf.einsum` (also `tf.linalg.einsum`), composed of ordinary ops so gradients flow through it
and the tape shows each step: a label repeated in one operand is its diagonal (a product with
an identity and a sum), a label no one else needs is summed out, and each pair of operands is
one batched `matmul` between transposes and reshapes.
"""
from __future__ import annotations

import string

import numpy as np

from . import arguments
from .creation import eye
from .dispatch import name_scope
from .errors import InvalidArgumentError, KernelDTypeError, ShapeError, kernel_words
from .ops.linalg import matmul
from .ops.reduce import reduce_sum
from .ops.shape import reshape, transpose
from .tensor import Tensor


def einsum(equation: str, *inputs, name=None) -> Tensor:
    """Sums of products of `inputs`' entries, as `equation` spells them ('ij,jk->ik' a
    matrix product, 'bij->bji' a transpose, 'ii->i' a diagonal, '...ij,...jk->...ik' batched).

    >>> import tapeviz as tf
    >>> tf.einsum("ij,jk->ik", tf.ones((2, 3)), tf.ones((3, 2))).numpy()
    array([[3., 3.],
           [3., 3.]], dtype=float32)
    """
    tensors = [arguments.tensor_of("einsum", f"inputs[{i}]", x) for i, x in enumerate(inputs)]
    if not isinstance(equation, str):
        raise InvalidArgumentError("einsum", f"equation must be a string such as 'ij,jk->ik'; "
                                             f"got {equation!r}")
    dtypes = {t.dtype.name for t in tensors}
    if len(dtypes) > 1:
        first = tensors[0].dtype.name
        index, other = next((i, t.dtype.name) for i, t in enumerate(tensors)
                            if t.dtype.name != first)
        raise KernelDTypeError("einsum", f"inputs must have the same dtype; got "
                                         f"{', '.join(t.dtype.name for t in tensors)}"
                                         f"{kernel_words('einsum', index, first, other)}")
    terms, output, ellipsis = _parse(equation, [len(t.shape) for t in tensors])
    sizes = _label_sizes(equation, terms, tensors, ellipsis)
    with name_scope("einsum"):
        operands = [_diagonal(t, labels, sizes) for t, labels in zip(tensors, terms)]
        labels = operands[0][1]
        result = operands[0][0]
        for index, (tensor, other) in enumerate(operands[1:], start=1):   # left to right
            later = set(output).union(*(term for _, term in operands[index + 1:]))
            result, labels = _sum_out(result, labels, later | set(other))
            tensor, other = _sum_out(tensor, other, later | set(labels))
            result, labels = _contract(result, labels, tensor, other, later)
        result, labels = _sum_out(result, labels, set(output))
        if labels != output:
            result = transpose(result, [labels.index(label) for label in output])
        return result


def _parse(equation: str, ranks: list) -> tuple:
    """Each operand's labels, the output's, and the letters that spell '...' in them."""
    text = equation.replace(" ", "")
    left, arrow, right = text.partition("->")
    parts = left.split(",")
    if len(parts) != len(ranks):
        raise InvalidArgumentError("einsum", f"the equation {equation!r} names {len(parts)} "
                                             f"operand(s); got {len(ranks)} input(s)")
    free = [c for c in string.ascii_letters if c not in text]
    widest = max([rank - len(part.replace("...", "")) for part, rank in zip(parts, ranks)
                  if "..." in part] or [0])
    ellipsis = "".join(free[:widest])
    terms = []
    for index, (part, rank) in enumerate(zip(parts, ranks)):
        named = part.replace("...", "")
        if not all(c in string.ascii_letters for c in named) or part.count("...") > 1:
            raise InvalidArgumentError("einsum", f"operand {index}'s subscripts {part!r} must "
                                                 f"be letters, with at most one '...'")
        own = rank - len(named) if "..." in part else 0
        if len(named) + own != rank:
            raise InvalidArgumentError("einsum", f"operand {index}'s subscripts {part!r} name "
                                                 f"{len(named)} axes; input {index} has rank "
                                                 f"{rank}")
        terms.append(part.replace("...", ellipsis[len(ellipsis) - own:]))
    if not arrow:   # implicit output: the ellipsis, then each label used once, sorted
        counts = "".join(parts).replace("...", "")
        right = "..." + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    if ellipsis and "..." not in right:
        raise InvalidArgumentError("einsum", f"'...' stands for {len(ellipsis)} axes of the "
                                             f"inputs, and the output subscripts {right!r} have "
                                             f"no '...' to keep them")
    output = right.replace("...", ellipsis)
    if len(set(output)) != len(output) or not set(output) <= set("".join(terms)):
        raise InvalidArgumentError("einsum", f"the output subscripts {right!r} must name "
                                             f"labels of the inputs, each once")
    return terms, output, ellipsis


def _label_sizes(equation: str, terms: list, tensors: list, ellipsis: str) -> dict:
    """Each label's size (in '...', a size of 1 broadcasts against the others')."""
    sizes = {}
    for term, tensor in zip(terms, tensors):
        for label, size in zip(term, tensor.shape):
            seen = sizes.get(label, size)
            if seen != size and not (label in ellipsis and 1 in (seen, size)):
                raise ShapeError("einsum", f"label {label!r} of {equation!r} has size "
                                           f"{sizes[label]} in one input and {size} in another; "
                                           f"got shapes "
                                           f"{', '.join(str(tuple(t.shape)) for t in tensors)}")
            sizes[label] = max(sizes.get(label, 1), size)
    return sizes


def _diagonal(tensor, labels: str, sizes: dict) -> tuple:
    """`tensor` with each label it repeats taken once: its diagonal along those axes."""
    while len(set(labels)) != len(labels):
        label = next(c for c in labels if labels.count(c) > 1)
        first, second = labels.index(label), labels.index(label, labels.index(label) + 1)
        shape = [1] * len(labels)
        shape[first] = shape[second] = sizes[label]
        tensor = reduce_sum(tensor * reshape(eye(sizes[label], dtype=tensor.dtype), shape),
                            axis=second)
        labels = labels[:second] + labels[second + 1:]
    return tensor, labels


def _sum_out(tensor, labels: str, needed: set) -> tuple:
    """`tensor` summed over the labels nothing after it needs."""
    axes = [i for i, label in enumerate(labels) if label not in needed]
    if not axes:
        return tensor, labels
    return reduce_sum(tensor, axis=axes), "".join(c for c in labels if c in needed)


def _contract(a, a_labels: str, b, b_labels: str, later: set) -> tuple:
    """a and b as one batched matmul: shared labels needed later are its batch, shared labels
    not needed are summed by the product, the others are its rows and columns."""
    batch = [c for c in a_labels if c in b_labels and c in later]
    summed = [c for c in a_labels if c in b_labels and c not in later]
    rows = [c for c in a_labels if c not in b_labels]
    columns = [c for c in b_labels if c not in a_labels]
    a = transpose(a, [a_labels.index(c) for c in batch + rows + summed])
    b = transpose(b, [b_labels.index(c) for c in batch + summed + columns])
    a_batch, b_batch = a.shape[:len(batch)], b.shape[:len(batch)]
    row_shape = a.shape[len(batch):len(batch) + len(rows)]
    column_shape = b.shape[len(batch) + len(summed):]
    inner = int(np.prod(a.shape[len(batch) + len(rows):], dtype=np.int64))
    a = reshape(a, list(a_batch) + [int(np.prod(row_shape, dtype=np.int64)), inner])
    b = reshape(b, list(b_batch) + [inner, int(np.prod(column_shape, dtype=np.int64))])
    product = matmul(a, b)
    result = reshape(product, list(product.shape[:len(batch)]) + list(row_shape)
                     + list(column_shape))
    return result, "".join(batch + rows + columns)
