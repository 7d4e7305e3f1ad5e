"""String constants as a TF user makes and reads them: `tf.constant("text")` and nested lists
of text (tf.string tensors of bytes), their print, shape, dtype, `.numpy()` bytes, `==`,
reshape/concat/gather, and the refusals where math is asked of them (TF's kernels name the
op and the string dtype), numbers for a string dtype and text for a number one.
Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case


def _seen(value):
    """A string tensor as a user reads it (bytes are no JSON, so their repr)."""
    return [repr(value.numpy()), value.dtype.name, list(value.shape),
            str(value).replace("tapeviz.Tensor", "tf.Tensor")]


MADE = {   # each made, then read as _seen reads it
    "constant/string_scalar": lambda tf: tf.constant("text"),
    "constant/string_list": lambda tf: tf.constant(["a", "b"]),
    "constant/string_bytes": lambda tf: tf.constant(b"x"),
    "constant/string_nested_utf8": lambda tf: tf.constant([["a", "bc"], ["d", "\u00e9"]]),
    "constant/string_dtype_given": lambda tf: tf.constant("a", tf.string),
    "constant/string_numpy_array": lambda tf: tf.constant(np.array(["a", "bc"])),
    "constant/string_shape": lambda tf: tf.constant("a", shape=[2]),
    "constant/string_empty_given_dtype": lambda tf: tf.constant([], tf.string),
    "convert_to_tensor/string": lambda tf: tf.convert_to_tensor(["a", "b"]),
    "reshape/string": lambda tf: tf.reshape(tf.constant(["a", "b"]), [2, 1]),
    "concat/string": lambda tf: tf.concat([tf.constant(["a"]), tf.constant(["b"])], 0),
    "stack/string": lambda tf: tf.stack([tf.constant("a"), tf.constant("b")]),
    "gather/string": lambda tf: tf.gather(tf.constant(["a", "b", "c"]), [2, 0]),
    "identity/string": lambda tf: tf.identity(tf.constant("a")),
    "where/string": lambda tf: tf.where(tf.constant([True, False]), tf.constant(["a", "b"]),
                                        tf.constant(["c", "d"])),
    "add/string_lists": lambda tf: tf.constant(["a", "b"]) + tf.constant(["c", "d"]),
    "add/string_list_and_python_text": lambda tf: tf.constant(["a", "b"]) + "!",
    "zeros/string": lambda tf: tf.zeros([2], tf.string),
    "zeros_like/string": lambda tf: tf.zeros_like(tf.constant(["a", "b"])),
}
for _name, _make in MADE.items():
    add_case(_name, lambda tf, _m=_make: _seen(_m(tf)), grad=False)

COMPARED = {
    "equal/string_and_python_text": lambda tf: tf.constant(["a", "b"]) == "a",
    "equal/string_tensors": lambda tf: tf.constant(["a", "b"]) == tf.constant(["a", "c"]),
    "not_equal/string_and_python_text": lambda tf: tf.constant(["a", "b"]) != "a",
    "equal/string_function": lambda tf: tf.equal(tf.constant(["a", "b"]), "b"),
    "size/string": lambda tf: tf.size(tf.constant(["a", "b"])),
    "shape/string": lambda tf: tf.shape(tf.constant([["a", "b"]])),
}
for _name, _make in COMPARED.items():
    add_case(_name, _make, grad=False)

READ = {
    "constant/string_numpy_scalar": lambda tf: repr(tf.constant("a").numpy()),
    "constant/string_dtype_repr": lambda tf: [repr(tf.constant("a").dtype),
                                              str(tf.constant("a").dtype)],
    "constant/string_len": lambda tf: len(tf.constant(["a", "b"])),
    "constant/string_iterated": lambda tf: [_seen(t) for t in tf.constant(["a", "b"])],
    "constant/string_indexed": lambda tf: _seen(tf.constant(["a", "b", "c"])[1]),
    "constant/string_is_tensor": lambda tf: tf.is_tensor(tf.constant("a")),
}
for _name, _make in READ.items():
    add_case(_name, _make, grad=False)

REFUSED = {   # TF's kernels refuse the string dtype by name; conversions refuse across kinds
    "reduce_sum/string": lambda tf: tf.reduce_sum(tf.constant(["a", "b"])),
    "reduce_mean/string": lambda tf: tf.reduce_mean(tf.constant(["a", "b"])),
    "exp/string": lambda tf: tf.exp(tf.constant("a")),
    "abs/string": lambda tf: tf.abs(tf.constant("a")),
    "subtract/string": lambda tf: tf.constant("a") - tf.constant("b"),
    "multiply/string_by_number": lambda tf: tf.constant(["a"]) * 2,
    "matmul/string": lambda tf: tf.matmul(tf.constant([["a"]]), tf.constant([["b"]])),
    "cast/string_to_float": lambda tf: tf.cast(tf.constant(["1", "2"]), tf.float32),
    "less/string": lambda tf: tf.constant(["a"]) < tf.constant(["b"]),
    "greater/string_and_python_text": lambda tf: tf.constant(["a", "c"]) > "b",
    "less_equal/string": lambda tf: tf.math.less_equal(tf.constant("a"), tf.constant("b")),
    "greater_equal/string_scalar_and_list": lambda tf: tf.math.greater_equal(
        tf.constant("a"), tf.constant(["a", "b"])),
    "argmax/string": lambda tf: tf.argmax(tf.constant(["a", "b"])),
    "ones_like/string": lambda tf: tf.ones_like(tf.constant(["a", "b"])),
    "add/string_and_number": lambda tf: tf.constant(["a"]) + tf.constant([1.0]),
    "constant/string_mixed_with_number": lambda tf: tf.constant(["a", 1]),
    "constant/number_as_string_dtype": lambda tf: tf.constant(1, tf.string),
    "constant/string_as_float": lambda tf: tf.constant("a", tf.float32),
    "constant/string_ragged": lambda tf: tf.constant([["a"], ["b", "c"]]),
}
for _name, _make in REFUSED.items():
    add_case(_name, _make, grad=False)


def _string_variable_gradient(tf):
    w, x = tf.Variable("a"), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        text = w + "b"
    return [tape.gradient(text, w), tape.gradient(y, x), _seen(text),
            sorted(v.dtype.name for v in tape.watched_variables())]


def _assigned(tf, initial, new):
    v = tf.Variable(initial)
    v.assign(new)
    return [_seen(v.read_value()), repr(v.numpy()), v.dtype.name, list(v.shape)]


VARIABLES = {   # a string variable: made, read, assigned whole, compared, no gradient
    "Variable/string_scalar": lambda tf: [_seen(tf.Variable("a").read_value()),
                                          tf.Variable("a").trainable],
    "Variable/string_list": lambda tf: _seen(tf.Variable(["a", "bc"]).value()),
    "Variable/string_dtype_given": lambda tf: _seen(tf.Variable("a", dtype=tf.string).value()),
    "Variable/string_assigned": lambda tf: _assigned(tf, "a", "bc"),
    "Variable/string_list_assigned_utf8": lambda tf: _assigned(tf, ["a", "b"], ["c", "\u00e9"]),
    "Variable/string_plus_text": lambda tf: _seen(tf.Variable(["a", "b"]) + "!"),
    "Variable/string_equal": lambda tf: tf.Variable(["a", "b"]) == "a",
    "Variable/string_gradient_none": _string_variable_gradient,
}
for _name, _make in VARIABLES.items():
    add_case(_name, _make, grad=False)

VARIABLES_REFUSED = {   # TF has no kernel to add to or subtract from a string variable
    "assign_add/string_variable": lambda tf: tf.Variable("a").assign_add("b"),
    "assign_sub/string_variable": lambda tf: tf.Variable(["a"]).assign_sub(["b"]),
    "assign/number_to_string_variable": lambda tf: tf.Variable("a").assign(1),
    "assign/text_to_float_variable": lambda tf: tf.Variable(1.0).assign("a"),
    "Variable/string_as_float": lambda tf: tf.Variable("a", dtype=tf.float32),
    "exp/string_variable": lambda tf: tf.exp(tf.Variable("a")),
}
for _name, _make in VARIABLES_REFUSED.items():
    add_case(_name, _make, grad=False)
