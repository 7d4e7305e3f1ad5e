"""Fuzz, the second sweep: where every error of test_fuzz_errors points, what it says came,
and the wrong tensors a user passes by mistake there (ints or bools where floats were
meant, numpy object or string arrays, complex arrays, torch tensors, one rank too many or
too few).

Each public function and registry row, given one of these, either computes (TF computes
ints, bools and other ranks in many ops) or raises a ValueError or TypeError that names
the function the user called, says what came, and points at the caller's own line; after
it, an open GradientTape, a Variable, a Recorder and a listener work on. The functions,
their roles and valid calls are test_fuzz_errors' tables, so a new function is swept here
with no edit.
"""
from __future__ import annotations

import functools
import inspect
import types

import numpy as np
import pytest

import test_fuzz_errors as fuzz
import tapeviz as tf
from tapeviz.events import OpExecuted
from raising import assert_names_this_line, raised, shown_path

try:
    import torch
except ImportError:   # PyTorch is optional: its kinds are not swept without it
    torch = None


# ---- one place where every call is made: the line an error must point at -----------------
def call_here(fn, kwargs: dict):
    """Call `fn` as a user would (ops positionally); drain a generator (a Dataset's)."""
    args, kwargs = fuzz.arguments(fn, dict(kwargs))
    result = fn(*args, **kwargs)   # the user's line
    if isinstance(result, types.GeneratorType):
        list(result)   # the user's line
    return result


def call_row(op, inputs, params):
    """Call a registry row as Tensor methods and tf functions call it."""
    return op(*inputs, **params)   # the user's line


USER_LINES = {first + i for source, first in map(inspect.getsourcelines, (call_here, call_row))
              for i, text in enumerate(source) if "# the user's line" in text}


def where_wrong(error) -> str | None:
    """None when `error` names one of call_here's user lines, in its `source` and its text."""
    source = getattr(error, "source", None)
    if source is None:
        return "no source line"
    if source.filename != __file__ or source.lineno not in USER_LINES:
        return f"points at {source.filename}:{source.lineno}"
    if f"at {shown_path(__file__)}:{source.lineno}" not in str(error):
        return "the message does not show the line"
    return None


def outcome(label, names, call, came=()) -> str | None:
    """None when `call()` computed or raised a ValueError/TypeError naming one of `names`,
    one of the words in `came` (what came, when given) and the user's line; "accepted"
    when it computed; else what is wrong."""
    try:
        call()
    except (ValueError, TypeError) as error:
        text = str(error).split("\n  at ")[0]
        if not any(name in text for name in names):
            return f"{label}: the message does not name it: {text!r}"
        if came and not any(word in text for word in came):
            return f"{label}: the message does not say what came ({sorted(came)}): {text!r}"
        wrong = where_wrong(error)
        return f"{label}: {wrong}: {text!r}" if wrong else None
    except Exception as error:  # noqa: BLE001 - any other type is the failure reported
        return f"{label}: raised {type(error).__name__}: {error}"
    return "accepted"


# ---- 1. every bad call of test_fuzz_errors points at the user's line ----------------------
def test_every_fuzzed_error_points_at_the_callers_line():
    failures = []
    for qualified, fn, param, kind, value in fuzz.fuzz_cases():
        kwargs = fuzz.valid_call(qualified.rsplit(".", 1)[1], fn)
        kwargs[param] = value
        failure = outcome(f"{qualified}({param}={kind})", fuzz.names_of(qualified, fn),
                          functools.partial(call_here, fn, kwargs))
        if failure and failure != "accepted":   # what is accepted is test_fuzz_errors' concern
            failures.append(failure)
    assert not failures, f"{len(failures)} bad calls:\n" + "\n".join(failures)


def came_words(value) -> set:
    """Ways a message may say what came: the value's repr (its start), its type, and a
    tensor's dtype or shape; text also as the string tensor it makes."""
    words = {repr(value)[:12], type(value).__name__}
    if isinstance(value, tf.Tensor):
        words |= {value.dtype.name, str(tuple(value.shape)), str(list(value.shape))}
    if "'" in repr(value):
        words.add("string")
    return words


# (function, kind) whose refusal says what came in other words, and which
DESCRIBED_OTHERWISE = {
    ("stack", "a ragged list"): "the pieces' shapes, (2,) and (1,)",
    ("add_n", "a ragged list"): "the pieces' shapes, (2,) and (1,)",
    ("pad", "a ragged list"): "the paddings' shape, [2, 'ragged']",
    ("pad", "a negative size"): "the paddings' shape, [2, 1]",
    ("slice", "a negative size"): "begin -2 with its size and the axis' length",
    ("tensordot", "a ragged list"): "the axis out of range",
    ("tensordot", "a negative size"): "the axis out of range",
    ("conv_transpose", "a wrong shape (5, 7)"): "the input's rank, 2",
    ("Variable", "None"): "that initial_value was not given",
}


def test_every_fuzzed_error_says_what_came():
    failures = []
    for qualified, fn, param, kind, value in fuzz.fuzz_cases():
        fn_name = qualified.rsplit(".", 1)[1]
        if (fn_name, kind) in DESCRIBED_OTHERWISE:
            continue
        kwargs = fuzz.valid_call(fn_name, fn)
        kwargs[param] = value
        failure = outcome(f"{qualified}({param}={kind})", fuzz.names_of(qualified, fn),
                          functools.partial(call_here, fn, kwargs), came_words(value))
        if failure and failure != "accepted":
            failures.append(failure)
    assert not failures, f"{len(failures)} bad calls:\n" + "\n".join(failures)


# ---- 2. the wrong tensors a user passes by mistake -----------------------------------------
def _object_array(a):
    return np.array(a, dtype=object)


def _torch(make):
    """A kind made of a torch tensor, or None where torch is not installed."""
    return None if torch is None else make


# kind -> (make it from a valid float array, words one of which the refusal shows);
# every one is refused, by TF too (its convert_to_tensor cannot read them)
REFUSED = {
    "a numpy object array": (_object_array, ("object",)),
    "a complex array": (lambda a: np.asarray(a, np.complex64), ("complex",)),
    "a torch tensor that requires grad": (
        _torch(lambda a: torch.tensor(np.asarray(a), requires_grad=True)),
        ("requires grad", "requires_grad")),
    "a bfloat16 torch tensor": (
        _torch(lambda a: torch.tensor(np.asarray(a)).to(torch.bfloat16)),
        ("BFloat16", "bfloat16")),
}


# text, which TF makes a string tensor of: computed (tf.constant) or refused by name
TEXT = {"a numpy array of strings": (lambda a: np.full(np.shape(a), "a"),
                                     ("<U1", "str", "'a'", "b'a'"))}


def _one_rank_fewer(a):
    return a.reshape(-1) if a.ndim > 1 else a[0] if a.ndim == 1 else None


# kind -> (make it from a valid float array, words one of which a refusal shows given the
# bad value): computed or refused, as in TF (ints and bools are fine in many ops, as are
# other ranks); every float tensor argument of the call is replaced together, so a refusal
# is about this kind, not about two dtypes side by side
MAYBE = {
    "int32 where floats were": (lambda a: np.round(np.asarray(a) * 10).astype(np.int32),
                                lambda bad: ("int32", "integer")),
    "bool where floats were": (lambda a: np.asarray(a) > np.median(a),
                               lambda bad: ("bool",)),
    "a rank too many": (lambda a: np.asarray(a)[None],
                        lambda bad: (str(bad.shape), str(list(bad.shape)), "rank")),
    "a rank too few": (_one_rank_fewer,
                       lambda bad: (str(bad.shape), str(list(bad.shape)), "rank", "scalar")),
}


def float_params(qualified, fn, kwargs) -> list:
    fn_name = qualified.rsplit(".", 1)[1]
    return [name for name, value in kwargs.items()
            if fuzz.role(fn_name, name) == fuzz.TENSOR and fuzz.is_float_tensor(value)]


def one_argument_cases(kinds: dict):
    """(label, names, function, kwargs, words) for each of `kinds` in each float tensor
    argument of each public function."""
    for qualified, fn in fuzz.FUNCTIONS.items():
        fn_name = qualified.rsplit(".", 1)[1]
        valid = fuzz.valid_call(fn_name, fn)
        for param in float_params(qualified, fn, valid):
            for kind, (make, came) in kinds.items():
                if make is None or fuzz.may_accept(fn_name, fn, param, kind):
                    continue
                kwargs = dict(valid)
                kwargs[param] = make(valid[param].numpy())
                yield (f"{qualified}({param}={kind})", fuzz.names_of(qualified, fn), fn,
                       kwargs, came)


def maybe_cases():
    """The same for each MAYBE kind, every float tensor argument replaced at once."""
    for qualified, fn in fuzz.FUNCTIONS.items():
        fn_name = qualified.rsplit(".", 1)[1]
        valid = fuzz.valid_call(fn_name, fn)
        params = float_params(qualified, fn, valid)
        for kind, (make, came) in MAYBE.items():
            kwargs = dict(valid)
            made = {param: make(valid[param].numpy()) for param in params}
            if not made or any(bad is None for bad in made.values()):
                continue
            kwargs.update({param: tf.constant(bad) for param, bad in made.items()})
            words = {word for bad in made.values() for word in came(bad)}
            yield f"{qualified}({kind})", fuzz.names_of(qualified, fn), fn, kwargs, words


class Listened(fuzz.Mode):
    """test_fuzz_errors' modes, and a plain listener of every op beside them."""

    def __enter__(self):
        super().__enter__()
        self.heard = []
        self.listener = tf.subscribe(self.heard.append, kinds={OpExecuted})
        return self

    def __exit__(self, *exc):
        tf.unsubscribe(self.listener)
        super().__exit__(*exc)

    def assert_usable(self):
        super().assert_usable()
        del self.heard[:]
        tf.reduce_sum(self.variable)
        assert [event.node.op.name for event in self.heard] == ["reduce_sum"]


MODES = ("bare", "tape and Recorder")


def sweep(cases, mode, must_raise: bool) -> list:
    failures = []
    for label, names, fn, kwargs, came in cases:
        with Listened(mode) as context:
            failure = outcome(label, names, functools.partial(call_here, fn, kwargs), came)
            if failure is None or failure == "accepted":
                context.assert_usable()
        if failure == "accepted" and not must_raise:
            continue
        if failure:
            failures.append(f"{label}: accepted" if failure == "accepted" else failure)
    return failures


def test_the_kinds_are_swept():
    """Each kind reaches the functions a user calls most (an empty sweep cannot pass)."""
    for kinds in (one_argument_cases(REFUSED), maybe_cases()):
        labels = {label.split("(")[0] for label, *_ in kinds}
        assert {"tf.exp", "tf.matmul", "tf.nn.conv2d", "tf.reduce_sum",
                "tf.keras.losses.categorical_crossentropy"} <= labels
    kinds = {label.split("=")[-1].rstrip(")") for label, *_ in one_argument_cases(REFUSED)}
    assert kinds >= {"a numpy object array", "a complex array"}
    assert {label for label, *_ in one_argument_cases(TEXT)} >= {
        "tf.exp(x=a numpy array of strings)", "tf.matmul(b=a numpy array of strings)"}


@pytest.mark.parametrize("mode", MODES)
def test_values_tf_cannot_read_are_refused_by_name_at_the_users_line(mode):
    failures = sweep(one_argument_cases(REFUSED), mode, must_raise=True)
    assert not failures, f"{len(failures)} bad calls:\n" + "\n".join(failures)


@pytest.mark.parametrize("mode", MODES)
def test_text_is_computed_or_refused_by_name_at_the_users_line(mode):
    failures = sweep(one_argument_cases(TEXT), mode, must_raise=False)
    assert not failures, f"{len(failures)} bad calls:\n" + "\n".join(failures)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # ints may divide by zero
@pytest.mark.parametrize("mode", MODES)
def test_ints_bools_and_other_ranks_compute_or_are_refused_by_name(mode):
    failures = sweep(maybe_cases(), mode, must_raise=False)
    assert not failures, f"{len(failures)} bad calls:\n" + "\n".join(failures)


def test_the_torch_kinds_are_swept():
    pytest.importorskip("torch")
    kinds = {label.split("=")[-1].rstrip(")") for label, *_ in one_argument_cases(REFUSED)}
    assert {"a torch tensor that requires grad", "a bfloat16 torch tensor"} <= kinds


# ---- 3. registry rows, as dispatch runs them ---------------------------------------------
def row_cases():
    """(label, names, row, inputs, params, words) for each REFUSED kind in each float input
    of each registry row."""
    for op in fuzz.REGISTRY.values():
        inputs, params = fuzz.row_inputs(op)
        for i, value in enumerate(inputs):
            if not fuzz.is_float_tensor(value):
                continue
            for kind, (make, came) in REFUSED.items():
                if make is not None:
                    bad = list(inputs)
                    bad[i] = make(value.numpy())
                    yield f"{op.name}(input {i}={kind})", {op.name}, op, bad, params, came


@pytest.mark.parametrize("mode", MODES)
def test_every_registry_row_refuses_unreadable_values_by_name(mode):
    failures = []
    for label, names, op, inputs, params, came in row_cases():
        with Listened(mode) as context:
            failure = outcome(label, names, functools.partial(call_row, op, inputs, params), came)
            if failure is None:
                context.assert_usable()
        if failure:
            failures.append(failure)
    assert not failures, f"{len(failures)} bad calls:\n" + "\n".join(failures)


# ---- 4. what the sweeps found computed where TF refuses, or refused where TF computes ------
def test_bools_in_segment_sums_are_refused_as_tf_refuses_them():
    """numpy's sum of bools kept bool is an or: segment_sum gave [True, True], and
    segment_max raised numpy's 'Invalid integer data type' naming nothing."""
    flags, ids = tf.constant([True, False, True]), tf.constant([0, 0, 1])
    for fn in (tf.math.segment_sum, tf.math.segment_max, tf.math.unsorted_segment_min):
        args = (flags, ids) if fn.__name__.startswith("segment") else (flags, ids, 2)
        error, line = raised(tf.errors.InvalidArgumentError, lambda fn=fn, args=args: fn(*args))
        assert error.op == fn.__name__ and "got dtype bool" in str(error)
        assert_names_this_line(error, line)


def test_reduce_logsumexp_of_ints_is_refused_as_tf_refuses_it():
    """It returned int32 3 for [1, 2, 3] (log(e + e**2 + e**3) = 3.41, truncated)."""
    error, line = raised(TypeError, lambda: tf.reduce_logsumexp(tf.constant([1, 2, 3])))
    assert "reduce_logsumexp" in str(error) and "got dtype int32" in str(error)
    assert "tf.cast(x, tf.float32)" in str(error)
    assert_names_this_line(error, line)
    assert float(tf.reduce_logsumexp(tf.constant([1.0, 2.0, 3.0]))) == pytest.approx(3.40760596)


def test_norm_without_axis_takes_every_value_of_any_rank_as_tf():
    """axis=None is one vector of every value (TF's docs); a rank-3 tensor was refused with
    'axis must be None, an int or a pair of ints; got None'."""
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    assert float(tf.norm(x)) == pytest.approx(float(np.linalg.norm(x.ravel())))
    assert float(tf.norm(x, ord=1)) == pytest.approx(276.0)


def test_matvec_says_the_shapes_it_was_given():
    """It said matmul's words about b reshaped: 'got (2, 3) @ (5, 7, 1)'."""
    error, line = raised(ValueError, lambda: tf.linalg.matvec(tf.ones([2, 3]), tf.ones([5, 7])))
    assert str(error).startswith("matvec: b's last axis must have a's 3 columns; got a (2, 3) "
                                 "and b (5, 7)")
    assert_names_this_line(error, line)
    error, line = raised(ValueError, lambda: tf.linalg.matvec(tf.ones([3]), tf.ones([3])))
    assert "got a (3,) and b (3,)" in str(error)
    assert_names_this_line(error, line)
    assert tf.linalg.matvec(tf.ones([2, 3]), tf.ones([2]), transpose_a=True).shape == (3,)
