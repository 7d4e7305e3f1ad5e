"""TensorFlow fidelity: every case of tests/tf_fidelity/cases.py replayed under tapeviz and
compared with what real TensorFlow gave (tests/tf_fidelity/goldens.json, written by
tests/tf_fidelity/record.py): values (float32 rtol 1e-5), dtypes, shapes, the gradients of
sum(output * cotangent) w.r.t. every float input, and, where TF rejects the call, an error
that is a ValueError or TypeError naming the op.
"""
from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.ops import REGISTRY

from tf_fidelity.cases import CASES
from tf_fidelity.differences import DELIBERATE, TO_FIX
from tf_fidelity.harness import run_case

HERE = pathlib.Path(__file__).resolve().parent
GOLDENS = json.loads((HERE / "tf_fidelity" / "goldens.json").read_text())
README = (HERE.parent / "README.md").read_text()
TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12)}
REJECTIONS = ("ValueError", "TypeError", "InvalidArgumentError", "UnimplementedError",
              "NotFoundError",   # TF has the op but no kernel for the dtype
              "DataLossError")   # tf.data's padded_batch: an element larger than its padding


def _mismatches(expected, actual, case, where="out") -> list:
    """What differs between two encoded results (empty when they agree)."""
    if expected["t"] != actual["t"] and {expected["t"], actual["t"]} != {"py"}:
        return [f"{where}: TF gave a {expected['t']}, tapeviz a {actual['t']} "
                f"({_short(expected)} vs {_short(actual)})"]
    kind = expected["t"]
    if kind == "none":
        return []
    if kind == "list":
        if len(expected["items"]) != len(actual["items"]):
            return [f"{where}: TF gave {len(expected['items'])} items, tapeviz "
                    f"{len(actual['items'])}"]
        return [m for i, (e, a) in enumerate(zip(expected["items"], actual["items"]))
                for m in _mismatches(e, a, case, f"{where}[{i}]")]
    if kind == "dict":
        if sorted(expected["items"]) != sorted(actual["items"]):
            return [f"{where}: keys {sorted(expected['items'])} vs {sorted(actual['items'])}"]
        return [m for k in expected["items"]
                for m in _mismatches(expected["items"][k], actual["items"][k], case,
                                     f"{where}[{k!r}]")]
    if kind == "py":
        e, a = expected["value"], actual["value"]
        if isinstance(e, float) or isinstance(a, float):
            if not (isinstance(a, (int, float)) and np.isclose(e, a, rtol=1e-6, equal_nan=True)):
                return [f"{where}: {e!r} vs {a!r}"]
        elif e != a or type(e) is not type(a):
            return [f"{where}: TF {e!r}, tapeviz {a!r}"]
        return []
    if expected["dtype"] != actual["dtype"]:
        return [f"{where}: dtype {expected['dtype']} vs tapeviz {actual['dtype']}"]
    if expected["shape"] != actual["shape"]:
        return [f"{where}: shape {expected['shape']} vs tapeviz {actual['shape']}"]
    e = np.array(expected["value"], dtype=expected["dtype"]).reshape(expected["shape"])
    a = np.array(actual["value"], dtype=actual["dtype"]).reshape(actual["shape"])
    if expected["dtype"] in TOLERANCES:
        rtol, atol = TOLERANCES[expected["dtype"]]
        rtol, atol = case.rtol or rtol, case.atol or atol
        close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True) | (a == e)
        if not close.all():
            return [f"{where}: values differ at {np.argwhere(~close)[:3].tolist()}: TF "
                    f"{e[~close][:4].tolist()}, tapeviz {a[~close][:4].tolist()}"]
    elif not np.array_equal(a, e):
        return [f"{where}: TF {e.tolist()}, tapeviz {a.tolist()}"]
    return []


def _short(encoded) -> str:
    return json.dumps(encoded)[:120]


def differences(case, expected: dict, actual: dict) -> list:
    """Every way tapeviz's result of `case` differs from TensorFlow's."""
    if "error" in expected:
        if "error" not in actual:
            return [f"TF rejects this call ({expected['error']}: {expected['message'][:150]}); "
                    f"tapeviz returned {_short(actual['out'])}"]
        if expected["error"] in REJECTIONS:
            problems = []
            if expected["error"] in ("ValueError", "TypeError", "InvalidArgumentError") and \
                    expected["error"] not in actual.get("classes", [actual["error"]]):
                problems.append(f"TF raised {expected['error']}, tapeviz {actual['error']}, "
                                f"which an `except {expected['error']}` written for TF misses")
            elif not actual["value_or_type_error"]:
                problems.append(f"tapeviz raised {actual['error']}, not a ValueError or "
                                f"TypeError subclass")
            if case.op_name not in actual["message"]:
                problems.append(f"the error does not name {case.op_name!r}: "
                                f"{actual['message']!r}")
            return problems
        same = expected["error"] in actual.get("classes", [actual["error"]])
        return [] if same else [f"TF raised {expected['error']}, tapeviz {actual['error']}"]
    if "error" in actual:
        return [f"tapeviz raised {actual['error']}: {actual['message']}; TF returned "
                f"{_short(expected['out'])}"]
    problems = _mismatches(expected["out"], actual["out"], case)
    if "grads" in expected:
        if "grads" not in actual:
            problems.append(f"no gradient from tapeviz: {actual.get('grads_error')}")
        else:
            problems += _mismatches(expected["grads"], actual["grads"], case, "grad")
    elif "grads" in actual:
        problems.append(f"TF's gradient failed ({expected.get('grads_error')}); tapeviz gave one")
    return problems


# TF's phrase for a shape mismatch, which tapeviz's message ends with so a search finds TF's text
TF_SHAPE_PHRASE = re.compile(
    r"Incompatible shapes: \S+ vs\. \S+|Matrix size-incompatible: In\[0\]: \S+, In\[1\]: \S+|"
    r"In\[0\] and In\[1\] must have compatible batch dimensions: \S+ vs\. \S+|"
    r"Input \d+: \S+ != input \d+: \S+|condition \S+, then \S+, and else \S+ must be "
    r"broadcastable|ConcatOp : (Dimension \d+ in both shapes must be equal|Ranks of all input "
    r"tensors should match): shape\[\d+\] = \S+ vs\. shape\[\d+\] = \S+|Shapes of all inputs "
    r"must match: values\[\d+\]\.shape = \S+ != values\[\d+\]\.shape = \S+|Input to reshape is a "
    r"tensor with \d+ values, but the requested shape (has|requires a multiple of) \d+|Shape "
    r"mismatch\.The variable shape \S+, and the assigned value shape \S+ are incompatible\.|"
    r"Cannot update variable with shape \S+ using a Tensor with shape \S+, shapes must be equal\.")
SHAPE_PHRASE_CASES = [name for name, golden in GOLDENS["cases"].items()
                      if TF_SHAPE_PHRASE.search(golden.get("message", ""))]
# TF's phrase for inputs of two dtypes, which tapeviz's message ends with too
TF_DTYPE_PHRASE = re.compile(r"cannot compute \w+ as input #\d+\(zero-based\) was expected to "
                             r"be a \w+ tensor but is a \w+ tensor|`x` and `y` must have the "
                             r"same dtype, got tf\.\w+ != tf\.\w+\.|Value for attr 'T' of \w+ "
                             r"is not in the list of allowed values")
# einsum's kernel is named as TF's oneDNN build names it (_MklEinsum): tapeviz repeats the rest;
# get_concrete_function's names the function TF traced ('__inference_scale_549')
PHRASE_NOT_REPEATED = ("einsum/", "function.get_concrete_function/")
DTYPE_PHRASE_CASES = [name for name, golden in GOLDENS["cases"].items()
                      if TF_DTYPE_PHRASE.search(golden.get("message", ""))
                      and not name.startswith(PHRASE_NOT_REPEATED)
                      and name not in DELIBERATE and name not in TO_FIX]


@pytest.mark.parametrize("name", SHAPE_PHRASE_CASES)
def test_shape_error_repeats_tensorflows_phrase(name):
    phrase = TF_SHAPE_PHRASE.search(GOLDENS["cases"][name]["message"]).group()
    actual = run_case(tf, CASES[name])
    assert phrase in actual.get("message", ""), (phrase, actual)


@pytest.mark.parametrize("name", DTYPE_PHRASE_CASES)
def test_dtype_error_repeats_tensorflows_phrase(name):
    tf.keras.backend.clear_session()
    phrase = TF_DTYPE_PHRASE.search(GOLDENS["cases"][name]["message"]).group()
    actual = run_case(tf, CASES[name])
    assert phrase in actual.get("message", ""), (phrase, actual)


def _param(name):
    reason = DELIBERATE.get(name) or TO_FIX.get(name)
    if reason is None:
        return name
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason))


# edge values (log(0), 0/0) warn in tapeviz, from the op and line; TF is silent about them
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", [_param(name) for name in CASES])
def test_case_matches_tensorflow(name):
    case = CASES[name]
    tf.keras.backend.clear_session()
    actual = _run_fresh(name) if case.fresh else run_case(tf, case)
    problems = differences(case, GOLDENS["cases"][name], actual)
    assert not problems, "\n".join(problems)


def _run_fresh(name: str):
    """The case's result in a new interpreter: no variable or global step of other tests."""
    program = ("import json, sys; import tapeviz as tf; "
               "from tf_fidelity.cases import CASES; from tf_fidelity.harness import run_case; "
               "print(json.dumps(run_case(tf, CASES[sys.argv[1]])))")
    done = subprocess.run([sys.executable, "-c", program, name], capture_output=True,
                          text=True, cwd=HERE, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_goldens_hold_every_case_and_name_their_tensorflow():
    assert sorted(GOLDENS["cases"]) == sorted(CASES), "re-run tests/tf_fidelity/record.py"
    assert GOLDENS["tensorflow"].startswith("2.") and GOLDENS["keras"].startswith("3.")
    assert len(CASES) >= 300


def test_every_listed_difference_is_a_case_and_every_deliberate_one_is_in_the_readme():
    section = README.split("## Differences from TensorFlow", 1)
    assert len(section) == 2, "README has no 'Differences from TensorFlow' section"
    table = section[1].split("\n## ", 1)[0]
    for name in list(DELIBERATE) + list(TO_FIX):
        assert name in CASES, name
    assert not set(DELIBERATE) & set(TO_FIX)
    missing = [name for name in DELIBERATE if f"`{name}`" not in table]
    assert not missing, f"deliberate differences missing from README's table: {missing}"
    assert GOLDENS["tensorflow"] in table, "the README names the TF version of the goldens"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_every_registered_op_runs_in_some_case():
    seen = set()

    def heard(event):
        seen.add(event.node.op.name)

    tf.subscribe(heard, kinds=(tf.OpExecuted,))
    try:
        for case in CASES.values():
            tf.keras.backend.clear_session()
            run_case(tf, case)
    finally:
        tf.unsubscribe(heard)
    assert sorted(set(REGISTRY) - seen) == []


PUBLIC = {
    "math": tf.math.__all__, "nn": tf.nn.__all__, "keras.layers": tf.keras.layers.__all__,
    "keras.losses": tf.keras.losses.__all__, "keras.metrics": tf.keras.metrics.__all__,
    "keras.optimizers": tf.keras.optimizers.__all__,
    "keras.optimizers.schedules": tf.keras.optimizers.schedules.__all__,
    "train": tf.train.__all__, "contrib.eager": tf.contrib.eager.__all__,
    "linalg": tf.linalg.__all__, "keras.callbacks": tf.keras.callbacks.__all__,
}
NOT_TENSORFLOW = {  # public tapeviz names with no TensorFlow 2.21 counterpart to compare against
    "keras.layers": {"Layer"},  # the base class: every case's layer is one
    # Keras 2 names that Keras 3's tf.keras.losses dropped (it keeps mse, mae, MSE, MAE)
    "keras.losses": {"mean_absolute_error", "mean_squared_error"},
    "keras.metrics": {"resolve"},  # tapeviz's compile() helper
    "keras.optimizers": {"legacy"},  # Keras 3 refuses its legacy optimizers
    "keras.callbacks": {"Progbar"},  # Keras keeps it in keras.utils (tapeviz has it there too)
}


def test_every_public_function_is_named_in_some_case():
    source = "".join(path.read_text() for path in (HERE / "tf_fidelity").glob("cases*.py"))
    top = [name for name in dir(tf) if callable(getattr(tf, name)) and not name.startswith("_")
           and getattr(getattr(tf, name), "__module__", "").startswith(("tapeviz.ops",
                                                                       "tapeviz.creation"))]
    missing = [name for name in top if name not in source]
    for space, names in PUBLIC.items():
        missing += [f"{space}.{name}" for name in names if name not in source
                    and name not in NOT_TENSORFLOW.get(space, ())]
    assert missing == []
