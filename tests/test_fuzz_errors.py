"""Fuzz: every public function and every registry row, given bad input of each kind, raises
a ValueError or TypeError whose message names the function the user called; the tape,
the variables and the Recorder stay usable after it.

The functions are found by walking tapeviz's public namespaces, so a new function is
fuzzed without an edit here; a parameter name this file has never seen fails
`test_every_parameter_has_a_role` until it is given a role (and a function whose
default arguments do not fit fails `test_valid_calls_work` until it has a valid call).
"""
from __future__ import annotations

import inspect
import math
import types

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.ops.registry import REGISTRY, Op
from tapeviz.threadstate import local

# ---- what is fuzzed ----------------------------------------------------------------------
NAMESPACES = ("", "math", "nn", "linalg", "random", "keras.losses", "keras.activations")
# callables in those namespaces that take no tensor, axis, shape, flag or dtype argument
NOT_FUZZED = {
    "executing_eagerly",                  # no arguments
    "subscribe", "unsubscribe",           # debugger hooks: take callbacks
    "name_scope",                         # a context manager taking a scope name
    "device",                             # a scope taking a device name (fidelity cases)
    "load_ipython_extension", "unload_ipython_extension",  # take an IPython shell
    "get", "serialize", "deserialize",    # Keras lookups by name or config
    "from_generator", "zip",              # Dataset constructors taking a generator, datasets
    "function", "custom_gradient",        # decorators taking a function
    "cond", "while_loop",                 # control flow taking functions (fidelity cases)
    "py_function", "numpy_function",      # take a Python function (fidelity cases)
    "print", "is_tensor",                 # tf.print prints anything; is_tensor asks of it
    "meshgrid",                           # its vectors come as *args (fidelity cases)
    "einsum",                             # its operands come as *args (fidelity cases)
    "choose_from_datasets", "sample_from_datasets",   # Dataset constructors taking datasets
}


def _namespace(path: str):
    module = tf
    for part in filter(None, path.split(".")):
        module = getattr(module, part, None)
    return module


def public_functions() -> dict:
    """{qualified name: callable} for every public function and op of the namespaces."""
    found = {}
    for path in NAMESPACES:
        module = _namespace(path)
        if module is None:  # e.g. tf.linalg before it exists
            continue
        names = getattr(module, "__all__", None) or dir(module)
        for name in names:
            value = getattr(module, name, None)
            if name.startswith("_") or name in NOT_FUZZED:
                continue
            if isinstance(value, Op) or (isinstance(value, types.FunctionType)
                                         and value.__module__.startswith("tapeviz")):
                found[f"tf.{path}.{name}" if path else f"tf.{name}"] = value
    found["tf.Variable"] = tf.Variable
    for name, value in vars(tf.data.Dataset).items():   # its constructors
        if isinstance(value, staticmethod) and name not in NOT_FUZZED:
            found[f"tf.data.Dataset.{name}"] = getattr(tf.data.Dataset, name)
    return found


FUNCTIONS = public_functions()


def parameters(fn) -> list:
    """The parameters a user passes: an op's tensor inputs, else the signature's."""
    if isinstance(fn, Op):
        return list(fn.input_names)
    if fn is tf.Variable:
        return ["initial_value", "trainable", "name", "dtype", "shape"]
    return [p.name for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def names_of(qualified: str, fn) -> set:
    """The names a message may use for `fn`: what the user typed, and its own name."""
    names = {qualified.rsplit(".", 1)[1], getattr(fn, "__name__", "")}
    return {n for n in names if n}


# ---- roles: what each parameter takes, a valid value and the bad values of each kind ------
def floats(*shape):
    return tf.constant(np.linspace(0.1, 0.9, int(np.prod(shape)) or 1, dtype=np.float32)
                       .reshape(shape))


TENSOR, AXIS, SHAPE, INTS, FLAG, DTYPE, COUNT, NUMBER, CHOICE, NAME, IGNORED = (
    "tensor", "axis", "shape", "ints", "flag", "dtype", "count", "number", "choice", "name",
    "ignored")

ROLES = {
    TENSOR: ("x", "y", "a", "b", "t", "input", "input_", "input_tensor", "tensor", "value",
             "features", "logits", "labels", "params", "y_true", "y_pred", "condition",
             "clip_value_min", "clip_value_max", "filters", "bias", "mask", "indices",
             "values", "initial_value", "tensors", "on_value", "off_value", "constant_values",
             "mean", "stddev", "minval", "maxval", "inputs", "ids", "matrix", "rhs", "diagonal",
             "data", "segment_ids"),
    AXIS: ("axis", "axes"),
    SHAPE: ("shape", "dims", "multiples", "perm", "batch_shape", "noise_shape", "begin",
            "end", "strides", "paddings", "ksize", "dilations", "num_or_size_splits",
            "output_shape"),
    FLAG: ("keepdims", "transpose_a", "transpose_b", "adjoint_a", "adjoint_b", "from_logits",
           "trainable", "exclusive", "reverse", "stable", "adjoint", "approximate"),
    DTYPE: ("dtype", "output_type", "out_type", "dtype_hint", "out_idx"),
    COUNT: ("num_rows", "num_columns", "depth", "num", "batch_dims", "seed", "begin_mask",
            "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask", "num_segments"),
    NUMBER: ("alpha", "rate", "delta", "label_smoothing", "max_value", "threshold", "clip_norm",
             "epsilon", "beta",
             "negative_slope", "start", "limit"),
    CHOICE: ("padding", "data_format", "mode", "direction"),
    NAME: ("name",),   # TF's op names; only Variable uses its own (test_errors checks it)
    # accepted and unused, as in TF (sparse hints, a shift moments ignores, ...)
    IGNORED: ("validate_indices", "a_is_sparse", "b_is_sparse", "conjugate", "shift", "var"),
}
ROLE_OF = {name: role for role, names in ROLES.items() for name in names}


def role(fn_name: str, param: str) -> str:
    if (fn_name, param) in ROLE_OVERRIDES:
        return ROLE_OVERRIDES[fn_name, param]
    return ROLE_OF.get(param)


# where a name means something else in one function
ROLE_OVERRIDES = {
    ("tensordot", "axes"): SHAPE,            # an int or a pair of axis lists
    ("matmul", "output_type"): IGNORED,      # TF's is for int8 inputs only
    ("split", "num"): IGNORED,               # TF's num is for unknown shapes only
    ("as_dtype", "value"): DTYPE,
    ("strided_slice", "begin"): INTS,        # ints of any sign
    ("strided_slice", "end"): INTS,
    ("strided_slice", "strides"): INTS,
    ("linspace", "start"): TENSOR,           # tensors of one (broadcast) shape, not numbers
    ("linspace", "stop"): TENSOR,
    # lists whose entries may be None or nested lists, each converted alone, as TF's; their
    # bad values are tested in tests/test_clip.py
    ("clip_by_global_norm", "t_list"): IGNORED, ("global_norm", "t_list"): IGNORED,
    ("clip_by_global_norm", "use_norm"): IGNORED,
    ("norm", "ord"): NUMBER,                 # any p > 0, or 'euclidean' / 'fro'
    ("l2_normalize", "dim"): IGNORED,        # TF's old name for axis
    ("embedding_lookup", "max_norm"): IGNORED,   # None only (refused otherwise, by name)
    ("scalar_mul", "x"): IGNORED,            # a tensor of any shape (the scalar's is fuzzed)
    ("scalar_mul", "scalar"): IGNORED,       # converted to x's dtype as TF does (True, 10**30)
    **{(fn, param): role_ for fn in ("nce_loss", "sampled_softmax_loss") for param, role_ in (
        ("weights", TENSOR), ("biases", TENSOR), ("num_sampled", COUNT), ("num_classes", COUNT),
        ("num_true", COUNT), ("remove_accidental_hits", IGNORED),   # any truth value, as TF
        ("sampled_values", IGNORED))},   # the sampler's three tensors (test_candidate_sampling)
    ("log_uniform_candidate_sampler", "true_classes"): TENSOR,
    ("log_uniform_candidate_sampler", "num_true"): COUNT,
    ("log_uniform_candidate_sampler", "num_sampled"): COUNT,
    ("log_uniform_candidate_sampler", "range_max"): COUNT,
    ("log_uniform_candidate_sampler", "unique"): FLAG,
    ("categorical", "num_samples"): COUNT,
    ("confusion_matrix", "predictions"): TENSOR,
    # None (no weights; the classes found from the ids) or a value: in the fidelity cases
    ("confusion_matrix", "weights"): IGNORED, ("confusion_matrix", "num_classes"): IGNORED,
    ("counter", "step"): NUMBER,
    ("in_top_k", "targets"): TENSOR, ("in_top_k", "predictions"): TENSOR, ("in_top_k", "k"): COUNT,
    ("bincount", "arr"): TENSOR, ("bincount", "axis"): IGNORED,   # None, 0 or -1 (fidelity)
    **{("bincount", param): IGNORED for param in ("weights", "minlength", "maxlength",
                                                  "binary_output")},   # None or a value
    # None or a class id of any sign (255 and -1 mark unlabelled pixels): fidelity cases
    ("sparse_categorical_crossentropy", "ignore_class"): IGNORED,
    ("slice", "size"): INTS,                 # -1: to the end of the axis
    ("roll", "shift"): INTS,
    ("top_k", "k"): COUNT, ("top_k", "sorted"): FLAG, ("top_k", "index_type"): DTYPE,
    # the main diagonal of square matrices only: any other is refused by name (test_tf_fidelity)
    **{(fn, param): IGNORED for fn, params in (
        ("diag", ("k", "num_rows", "num_cols", "padding_value", "align")),
        ("diag_part", ("k", "padding_value", "align"))) for param in params},
}

# valid arguments where the defaults below do not fit
VALID = {
    "conv2d": dict(input=floats(1, 4, 4, 2), filters=floats(2, 2, 2, 3), strides=1,
                   padding="SAME"),
    **{name: dict(input=floats(1, 4, 4, 2), filters=floats(2, 2, 3, 2),
                  output_shape=[1, 4, 4, 3], strides=1, padding="SAME")
       for name in ("conv2d_transpose", "conv_transpose")},
    "max_pool2d": dict(input=floats(1, 4, 4, 2), ksize=2, strides=2, padding="VALID"),
    "avg_pool2d": dict(input=floats(1, 4, 4, 2), ksize=2, strides=2, padding="VALID"),
    "max_pool": dict(input=floats(1, 4, 4, 2), ksize=2, strides=2, padding="VALID"),
    "avg_pool": dict(input=floats(1, 4, 4, 2), ksize=2, strides=2, padding="VALID"),
    "matmul": dict(a=floats(2, 3), b=floats(3, 2)),
    "tensordot": dict(a=floats(2, 3), b=floats(3, 2), axes=1),
    "sparse_softmax_cross_entropy_with_logits": dict(labels=tf.constant([0, 2]),
                                                     logits=floats(2, 3)),
    "sparse_categorical_crossentropy": dict(y_true=tf.constant([0, 2]), y_pred=floats(2, 3)),
    "gather": dict(params=floats(2, 3), indices=tf.constant([1, 0])),
    "boolean_mask": dict(tensor=floats(2, 3), mask=tf.constant([True, False])),
    "one_hot": dict(indices=tf.constant([0, 2]), depth=3),
    "bias_add": dict(value=floats(2, 3), bias=floats(3)),
    "where": dict(condition=tf.constant([[True, False, True]] * 2), x=floats(2, 3),
                  y=floats(2, 3)),
    "logical_and": dict(x=tf.constant([True, False]), y=tf.constant([False, False])),
    "logical_or": dict(x=tf.constant([True, False]), y=tf.constant([False, False])),
    "logical_xor": dict(x=tf.constant([True, False]), y=tf.constant([False, False])),
    "logical_not": dict(x=tf.constant([True, False])),
    "reduce_all": dict(input_tensor=tf.constant([[True, False]] * 2)),
    "reduce_any": dict(input_tensor=tf.constant([[True, False]] * 2)),
    "strided_slice": dict(input_=floats(2, 3), begin=[0, 0], end=[1, 2]),
    "split": dict(value=floats(2, 3), num_or_size_splits=2),
    "transpose": dict(a=floats(2, 3), perm=[1, 0]),
    "reshape": dict(tensor=floats(2, 3), shape=[3, 2]),
    "tile": dict(input=floats(2, 3), multiples=[1, 2]),
    "pad": dict(tensor=floats(2, 3), paddings=[[0, 1], [1, 0]]),
    "fill": dict(dims=[2, 3], value=1.0),
    "eye": dict(num_rows=2),
    "range": dict(start=0, limit=5),
    "stack": dict(values=[floats(2, 3), floats(2, 3)]),
    "add_n": dict(inputs=[floats(2, 3), floats(2, 3)]),
    "scalar_mul": dict(scalar=tf.constant(2.0), x=floats(2, 3)),
    "embedding_lookup": dict(params=floats(3, 2), ids=tf.constant([0, 2])),
    "reverse": dict(tensor=floats(2, 3), axis=[1]),
    "sort": dict(values=floats(2, 3)), "argsort": dict(values=floats(2, 3)),
    "clip_by_global_norm": dict(t_list=[floats(2, 3), floats(3)], clip_norm=1.0),
    "global_norm": dict(t_list=[floats(2, 3), floats(3)]),
    "concat": dict(values=[floats(2, 3), floats(2, 3)], axis=0),
    "squeeze": dict(input=floats(2, 1)),
    "dropout": dict(x=floats(2, 3), rate=0.5),
    "moments": dict(x=floats(2, 3), axes=[0]),
    "clip_by_value": dict(t=floats(2, 3), clip_value_min=0.2, clip_value_max=0.6),
    "normal": dict(shape=[2, 3]), "truncated_normal": dict(shape=[2, 3]),
    "uniform": dict(shape=[2, 3]),
    "Variable": dict(initial_value=floats(2, 3)),
    "as_dtype": dict(value="float32"),
    "sigmoid_cross_entropy_with_logits": dict(labels=floats(2, 3), logits=floats(2, 3)),
    "from_tensor_slices": dict(tensors=floats(2, 3)),
    "from_tensors": dict(tensors=floats(2, 3)),
    "confusion_matrix": dict(labels=tf.constant([0, 2]), predictions=tf.constant([1, 2])),
    "in_top_k": dict(targets=tf.constant([0, 2]), predictions=floats(2, 3), k=1),
    "bincount": dict(arr=tf.constant([1, 1, 3])),
    **{fn: dict(weights=floats(6, 3), biases=floats(6), labels=tf.constant([[1], [4]]),
                inputs=floats(2, 3), num_sampled=2, num_classes=6)
       for fn in ("nce_loss", "sampled_softmax_loss")},
    "log_uniform_candidate_sampler": dict(true_classes=tf.constant([[1], [4]]), num_true=1,
                                          num_sampled=2, unique=True, range_max=6),
    "slice": dict(input_=floats(2, 3), begin=[0, 1], size=[2, 1]),
    **{fn: dict(x=tf.constant([3, 1, 3])) for fn in ("unique", "unique_with_counts")},
    "roll": dict(input=floats(2, 3), shift=1, axis=1),
    "gather_nd": dict(params=floats(2, 3), indices=tf.constant([[1, 0]])),
    "inv": dict(input=floats(2, 2)), "det": dict(input=floats(2, 2)),
    "solve": dict(matrix=floats(2, 2), rhs=floats(2, 1)), "diag": dict(diagonal=floats(3)),
    **{fn: dict(data=floats(3, 2), segment_ids=tf.constant([0, 0, 1]))
       for fn in ("segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
                  "unsorted_segment_sum", "unsorted_segment_mean", "unsorted_segment_max",
                  "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n")},
}
DEFAULTS = {TENSOR: floats(2, 3), AXIS: 1, SHAPE: [2, 3], FLAG: False, COUNT: 2, NUMBER: 0.5,
            DTYPE: tf.float32, NAME: None}


def valid_call(fn_name: str, fn) -> dict:
    """Keyword arguments for a call that works: VALID's, else each required parameter's
    role default (optional parameters keep their own defaults)."""
    given = dict(VALID.get(fn_name, {}))
    if isinstance(fn, Op) or fn is tf.Variable:
        required = parameters(fn)[:1] if fn is tf.Variable else parameters(fn)
    else:
        required = [p.name for p in inspect.signature(fn).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                            p.KEYWORD_ONLY)]
    for param in required:
        if param not in given:
            given[param] = DEFAULTS[role(fn_name, param)]
    return given


def call(fn, kwargs: dict):
    """Call with tensor inputs positionally for ops (as users do), keywords otherwise."""
    args, kwargs = arguments(fn, kwargs)
    return fn(*args, **kwargs)


def arguments(fn, kwargs: dict) -> tuple:
    """(positional, keyword) arguments as a user passes `kwargs` to `fn`."""
    if isinstance(fn, Op):
        return [kwargs[p] for p in parameters(fn) if p in kwargs], {}
    if fn is tf.data.Dataset.range:  # range(*args, output_type=None)
        rest = dict(kwargs)
        return [rest.pop("start"), rest.pop("limit")], rest
    return [], kwargs


# bad values of each kind, per role; every one must raise
HUGE, HUGER = 10**30, 2**64
BAD = {
    TENSOR: {"a string": "abc", "None": None, "a ragged list": [[1.0, 2.0], [3.0]],
             "a huge int 10**30": HUGE, "an int 2**64": HUGER, "a dict": {"a": 1.0},
             "an object": object(), "a list of strings": ["a", "b"],
             "a list holding None": [1.0, None]},
    AXIS: {"a huge axis 10**30": HUGE, "an axis 2**64": HUGER, "a fractional axis": 1.7,
           "an inf axis": math.inf, "a NaN axis": math.nan, "a string axis": "0",
           "a bool axis": True, "a tensor of floats": floats(2, 3), "an axis out of range": 9,
           "a negative axis out of range": -9, "a list of strings": ["a"]},
    SHAPE: {"a negative size": [-2, 3], "a fractional size": [2.5, 3], "a string": "abc",
            "a huge size": [HUGE, 3], "a bool size": [True, 3], "a float tensor": floats(2),
            "a ragged list": [[2], [3, 4]], "a NaN size": [math.nan, 3], "an object": object()},
    INTS: {"a fractional entry": [2.5, 3], "a string": "abc", "a huge entry": [HUGE, 3],
           "a bool entry": [True, 3], "a float tensor": floats(2), "a ragged list": [[2], [3, 4]],
           "an object": object()},
    FLAG: {"a string": "no", "a tensor": floats(2, 3), "an int list": [1, 2],
           "an object": object()},
    DTYPE: {"a string that is no dtype": "abc", "a tensor": floats(2, 3), "an int": 3,
            "an object": object()},
    COUNT: {"a string": "abc", "a tensor": floats(2, 3), "a bool": True, "a huge int": HUGE,
            "an int 2**64": HUGER, "inf": math.inf, "NaN": math.nan, "a fraction": 1.5,
            "None": None},
    NUMBER: {"a string": "abc", "a tensor of the wrong shape": floats(5, 7), "a bool": True,
             "an object": object(), "a list of strings": ["a"]},
    CHOICE: {"an unknown string": "abc", "an int": 3, "a tensor": floats(2, 3),
             "an object": object()},
}

# (function, parameter, kind) that TF accepts too ("*": every kind), and why
ACCEPTED = {
    # None means "the default" in TF's signature
    ("eye", "num_columns", "None"): "a square matrix",
    ("unstack", "num", "None"): "the length of the axis",
    ("one_hot", "on_value", "None"): "1", ("one_hot", "off_value", "None"): "0",
    ("uniform", "maxval", "None"): "1 for floats",
    **{(fn, "seed", "None"): "no op seed" for fn in ("normal", "truncated_normal", "uniform",
                                                       "shuffle", "set_seed", "dropout",
                                                       "sampled_softmax_loss",
                                                       "log_uniform_candidate_sampler",
                                                       "categorical")},
    # the gathered weight rows are cast to the inputs' dtype, as TF casts them
    **{(fn, "weights", "mixed dtypes (int32 beside float32)"): "cast to the inputs' dtype"
       for fn in ("nce_loss", "sampled_softmax_loss")},
    # a huge int converts to the float dtype asked for, as TF converts it
    **{(fn, param, kind): "converted to the float dtype" for fn, param in (
        ("normal", "mean"), ("normal", "stddev"), ("truncated_normal", "mean"),
        ("truncated_normal", "stddev"), ("uniform", "minval"), ("uniform", "maxval"))
       for kind in ("a huge int 10**30", "an int 2**64")},
    # [[1., 2.], [3.]] is two vectors of lengths 2 and 1: concatenated, [1., 2., 3.]
    ("concat", "values", "a ragged list"): "a list of vectors of different lengths",
    # Keras's linear activation returns its argument untouched, whatever it is
    ("linear", "x", "*"): "returned as given",
    # Keras casts y_true to y_pred's dtype
    **{(fn, param, "mixed dtypes (int32 beside float32)"): "cast to y_pred's dtype"
       for fn in ("mean_squared_error", "mean_absolute_error", "huber", "binary_crossentropy",
                  "categorical_crossentropy", "hinge", "kld", "KLD", "kullback_leibler_divergence",
                  "logcosh", "cosine_similarity") for param in ("y_true", "y_pred")},
    # text makes a tf.string tensor or variable, as in TF (tests/tf_fidelity/cases_strings.py)
    **{(fn, param, kind): "a tf.string tensor" for fn, param in (
        ("constant", "value"), ("convert_to_tensor", "value"), ("from_tensors", "tensors"),
        ("Variable", "initial_value"))
       for kind in ("a string", "a list of strings")},
    # a dict of tensors is a dataset element structure
    ("from_tensors", "tensors", "a dict"): "a structure",
    ("from_tensor_slices", "tensors", "a dict"): "a structure",
}


# a huge Python int beside a float tensor converts to that float dtype, as in TF
HUGE_INTS = ("a huge int 10**30", "an int 2**64")


def may_accept(fn_name, fn, param, kind) -> bool:
    """True where TF accepts this kind of value too (ACCEPTED), or where a huge Python int
    stands beside a float tensor (it converts to that dtype)."""
    for name in {fn_name, getattr(fn, "__name__", fn_name)}:  # MSE is mean_squared_error
        if (name, param, kind) in ACCEPTED or (name, param, "*") in ACCEPTED:
            return True
    if kind in HUGE_INTS:
        others = [value for name, value in valid_call(fn_name, fn).items()
                  if name != param and role(fn_name, name) == TENSOR]
        return any(isinstance(v, tf.Tensor) and v.dtype.is_floating for v in others)
    return False


def is_float_tensor(value) -> bool:
    return isinstance(value, tf.Tensor) and value.dtype.is_floating


def mismatched(fn_name: str, fn, param: str) -> dict:
    """Bad values that depend on the other arguments: for a float tensor beside other
    tensors, the same values as int32 (mixed dtypes) and a tensor of a shape that fits
    nothing."""
    given = valid_call(fn_name, fn)
    value = given.get(param)
    others = [other for name, other in given.items()
              if name != param and role(fn_name, name) == TENSOR and is_float_tensor(other)]
    if not (is_float_tensor(value) and others):
        return {}
    return {"mixed dtypes (int32 beside float32)": tf.cast(value * 10, tf.int32),
            "a wrong shape (5, 7)": floats(5, 7)}


def fuzz_cases():
    """(qualified name, function, parameter, kind, bad value) for every fuzzable argument."""
    for qualified, fn in FUNCTIONS.items():
        fn_name = qualified.rsplit(".", 1)[1]
        for param in parameters(fn):
            kinds = dict(BAD.get(role(fn_name, param), {}))
            if role(fn_name, param) == TENSOR:
                kinds.update(mismatched(fn_name, fn, param))
            for kind, value in kinds.items():
                if not may_accept(fn_name, fn, param, kind):
                    yield qualified, fn, param, kind, value


# ---- the checks ----------------------------------------------------------------------------
def check_error(qualified, fn, param, kind, value, variables=False):
    """None when calling with `param` = `value` raised a well-named error, else what is wrong.
    With `variables`, the other float tensor arguments are trainable Variables (so a tape
    watches them, and records what reads them)."""
    fn_name = qualified.rsplit(".", 1)[1]
    kwargs = valid_call(fn_name, fn)
    if variables:
        kwargs = {name: tf.Variable(arg) if is_float_tensor(arg) else arg
                  for name, arg in kwargs.items()}
    kwargs[param] = value
    try:
        result = call(fn, kwargs)
        if isinstance(result, types.GeneratorType):
            list(result)
    except (ValueError, TypeError) as error:
        text = str(error)
        if not any(name in text for name in names_of(qualified, fn)):
            return f"{qualified}({param}={kind}): the message does not name it: {text!r}"
        return None
    except Exception as error:  # noqa: BLE001 - any other type is the failure reported
        return f"{qualified}({param}={kind}): raised {type(error).__name__}: {error}"
    return f"{qualified}({param}={kind}): accepted"


class Mode:
    """Bare, under a GradientTape, or under a tape while a Recorder records."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.variable = tf.Variable([1.0, 2.0])
        self.recorder = Recorder().start() if self.name == "tape and Recorder" else None
        self.tape = None
        if self.name != "bare":
            self.tape = tf.GradientTape(persistent=True)
            self.tape.__enter__()
            self.tape.watch(self.variable)
        return self

    def __exit__(self, *exc):
        if self.tape is not None:
            self.tape.__exit__(None, None, None)
        if self.recorder is not None:
            self.recorder.stop()

    def assert_usable(self):
        """The variable, the tape and the Recorder work as if nothing had failed."""
        assert self.variable.numpy().tolist() == [1.0, 2.0]
        state = local.state   # the thread is as it was: no scope, phase or pass left behind
        assert state.scope == "" and state.phase == "forward" and state.backward is None
        assert state.tapes == ([] if self.tape is None else [self.tape])
        if self.tape is not None:
            loss = tf.reduce_sum(self.variable * self.variable)
            grad = self.tape.gradient(loss, self.variable)
            assert grad.numpy().tolist() == [2.0, 4.0]
        if self.recorder is not None:
            assert self.recorder.recording
            assert self.recorder.last_step is not None
            assert "reduce_sum" in [op.op for op in self.recorder.last_step.ops]


MODES = ("bare", "under a tape", "tape and Recorder")


def test_every_parameter_has_a_role():
    unknown = [f"{q}: {p}" for q, fn in FUNCTIONS.items() for p in parameters(fn)
               if role(q.rsplit(".", 1)[1], p) is None]
    assert not unknown, "give these parameters a role in ROLES: " + ", ".join(unknown)


def test_the_namespaces_are_walked():
    """The walk finds what it should (so an empty walk cannot pass the fuzz)."""
    for expected in ("tf.reduce_sum", "tf.math.reduce_std", "tf.nn.softmax", "tf.nn.conv2d",
                     "tf.random.normal", "tf.keras.losses.categorical_crossentropy",
                     "tf.keras.activations.softmax", "tf.exp", "tf.data.Dataset.range"):
        assert expected in FUNCTIONS
    assert len(FUNCTIONS) > 150
    # every function has arguments fuzzed, every row's inputs are (no empty role tables)
    fuzzed = {qualified for qualified, *_ in fuzz_cases()}
    # linear takes anything; global_norm's one argument is a list of anything TF converts;
    # scalar_mul's scalar converts to x's dtype (True, 10**30) and x may have any shape
    assert fuzzed == set(FUNCTIONS) - {"tf.keras.activations.linear", "tf.linalg.global_norm",
                                       "tf.math.scalar_mul"}
    assert {op.name for op, *_ in row_cases()} >= {n for n, op in REGISTRY.items()
                                                   if op.samples[0][0]}


@pytest.mark.parametrize("qualified", sorted(FUNCTIONS))
def test_valid_calls_work(qualified):
    """Each function works with the valid arguments the fuzz starts from."""
    fn = FUNCTIONS[qualified]
    call(fn, valid_call(qualified.rsplit(".", 1)[1], fn))


@pytest.mark.parametrize("mode", MODES)
def test_every_bad_input_is_a_named_value_or_type_error(mode):
    failures = []
    for qualified, fn, param, kind, value in fuzz_cases():
        with Mode(mode) as context:
            failure = check_error(qualified, fn, param, kind, value,
                                  variables=context.tape is not None)
            if failure is None:
                context.assert_usable()
        if failure:
            failures.append(failure)
    assert not failures, f"{len(failures)} bad calls:\n" + "\n".join(failures)


# ---- registry rows: each op as dispatch runs it, its inputs replaced by bad values ---------
def row_inputs(op) -> tuple:
    """Valid inputs and params for `op` from its first sample: shapes drawn as floats in its
    domain, or as bools for a row that refuses floats (the logical ops)."""
    specs, params = op.samples[0]
    low, high = op.domain
    as_floats = []
    for spec in specs:
        if isinstance(spec, np.ndarray):
            as_floats.append(spec)
        else:
            count = int(np.prod(spec, dtype=np.int64))
            values = np.linspace(low, high, count + 2, dtype=np.float32)[1:-1]
            as_floats.append(values.reshape(spec))
    inputs = [tf.constant(value) for value in as_floats]
    try:
        op(*inputs, **params)
    except TypeError:
        middle = (low + high) / 2
        inputs = [tf.constant(value if isinstance(spec, np.ndarray) else value > middle)
                  for spec, value in zip(specs, as_floats)]
    return inputs, dict(params)


def broadcasts(a, b) -> bool:
    try:
        np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        return False
    return True


def shares_dtype(op, i: int, j: int) -> bool:
    shared = op.dtype_args
    return isinstance(shared, str) or (i in shared and j in shared)


def row_cases():
    """(op, input index, kind, bad value) for every input of every registry row."""
    for op in REGISTRY.values():
        inputs, _ = row_inputs(op)
        for i, value in enumerate(inputs):
            floats_beside = [j for j, other in enumerate(inputs)
                             if j != i and is_float_tensor(other) and shares_dtype(op, i, j)]
            kinds = dict(BAD[TENSOR])
            if floats_beside:
                for kind in HUGE_INTS:   # converted to the float dtype beside them, as in TF
                    kinds.pop(kind)
                if is_float_tensor(value):
                    kinds["mixed dtypes (int32 beside float32)"] = tf.cast(value * 10, tf.int32)
            if op.broadcasting and any(not broadcasts(other.shape, (5, 7))
                                       for j, other in enumerate(inputs) if j != i):
                kinds["a shape that does not broadcast (5, 7)"] = floats(5, 7)
            for kind, bad in kinds.items():
                yield op, i, kind, bad


def check_row_error(op, i, kind, bad):
    inputs, params = row_inputs(op)
    inputs[i] = bad
    try:
        op(*inputs, **params)
    except (ValueError, TypeError) as error:
        if op.name not in str(error):
            return f"{op.name}(input {i}={kind}): the message does not name it: {str(error)!r}"
        return None
    except Exception as error:  # noqa: BLE001 - any other type is the failure reported
        return f"{op.name}(input {i}={kind}): raised {type(error).__name__}: {error}"
    return f"{op.name}(input {i}={kind}): accepted"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_samples_run(name):
    """The row fuzz starts from each row's first sample: it must run."""
    op = REGISTRY[name]
    inputs, params = row_inputs(op)
    op(*inputs, **params)


@pytest.mark.parametrize("mode", MODES)
def test_every_registry_row_refuses_bad_inputs_by_name(mode):
    failures = []
    for op, i, kind, bad in row_cases():
        with Mode(mode) as context:
            failure = check_row_error(op, i, kind, bad)
            if failure is None:
                context.assert_usable()
        if failure:
            failures.append(failure)
    assert not failures, f"{len(failures)} bad calls:\n" + "\n".join(failures)


# ---- NaN and Inf: legitimate values; whatever an op makes of them, never a raw error ------
NONFINITE = {"NaN": math.nan, "inf": math.inf, "a NaN tensor": tf.fill([2, 3], math.nan),
             "an inf tensor": tf.fill([2, 3], -math.inf)}


def nonfinite_cases():
    for qualified, fn in FUNCTIONS.items():
        fn_name = qualified.rsplit(".", 1)[1]
        for param in parameters(fn):
            if role(fn_name, param) in (TENSOR, NUMBER):
                for kind, value in NONFINITE.items():
                    yield qualified, fn, param, kind, value


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's, said from the user's line
def test_nan_and_inf_arguments_are_computed_or_refused_by_name():
    failures = []
    for qualified, fn, param, kind, value in nonfinite_cases():
        failure = check_error(qualified, fn, param, kind, value)
        if failure and not failure.endswith(": accepted"):
            failures.append(failure)
    assert not failures, f"{len(failures)} bad calls:\n" + "\n".join(failures)
