"""Flattening nested lists, tuples, namedtuples and dicts of tensors, as tf.nest does."""
from __future__ import annotations


def _is_sequence(value) -> bool:
    return isinstance(value, (list, tuple, dict))


def flatten(structure) -> list:
    """Leaves of `structure` in order (dicts by sorted key); a lone value gives [value]."""
    if not isinstance(structure, (list, tuple, dict)):
        return [structure]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_sequence_as(structure, flat: list):
    """`flat` poured back into the shape of `structure` (the inverse of `flatten`)."""
    if not isinstance(structure, (list, tuple, dict)):
        return flat[0]
    leaves = iter(flat)

    def build(node):
        if isinstance(node, dict):
            built = {key: build(node[key]) for key in sorted(node)}
            return type(node)((key, built[key]) for key in node)
        if isinstance(node, (list, tuple)):
            items = [build(item) for item in node]
            if isinstance(node, tuple) and hasattr(node, "_fields"):
                return type(node)(*items)
            return type(node)(items)
        return next(leaves)

    return build(structure)


def is_nested(value) -> bool:
    return _is_sequence(value)


__all__ = ["flatten", "is_nested", "pack_sequence_as"]


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
