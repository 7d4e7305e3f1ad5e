"""An optimizer update nobody hears runs off its ops (Adam's `_unheard_update`): the same
bits as the update ops give, and every op still there for whoever listens."""
import warnings

import numpy as np
import pytest

import tapeviz as tf
from optimizer_runs import applied


def _trained(heard: bool, steps: int = 4, **adam):
    """Two variables after `steps` Adam updates from fixed gradients, with a listener on
    (the update ops run) or with nobody listening."""
    rng = np.random.default_rng(7)
    w = tf.Variable(rng.normal(size=(3, 4)).astype(np.float32), name="w")
    b = tf.Variable(np.float32(0.5), name="b")
    grads = [[tf.constant(rng.normal(size=(3, 4)).astype(np.float32)),
              tf.constant(np.float32(rng.normal()))] for _ in range(steps)]
    optimizer = tf.keras.optimizers.Adam(0.01, **adam)
    seen = applied(optimizer, grads, [w, b], heard)
    slots = [optimizer.get_slot(var, name).numpy() for var in (w, b) for name in ("m", "v")]
    return [w.numpy(), b.numpy(), *slots, int(optimizer.iterations)], seen


@pytest.mark.parametrize("amsgrad", [False, True])
def test_unheard_adam_gives_the_update_ops_bits(amsgrad):
    unheard, _ = _trained(heard=False, amsgrad=amsgrad)
    heard, _ = _trained(heard=True, amsgrad=amsgrad)
    assert unheard[-1] == heard[-1] == 4
    for ours, theirs in zip(unheard[:-1], heard[:-1]):
        assert np.asarray(ours).tobytes() == np.asarray(theirs).tobytes()


def test_a_listener_still_hears_every_update_op():
    _, seen = _trained(heard=True, steps=1)
    per_variable = ["moving_average", "square", "moving_average", "adam_step"]
    assert seen == per_variable * 2 + ["assign_add"]


def test_an_overflow_in_an_unheard_update_is_said_naming_the_op():
    w = tf.Variable(np.array([1.0, 2.0], np.float32))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tf.keras.optimizers.Adam().apply_gradients(
            [(tf.constant(np.array([1e30, 1.0], np.float32)), w)])
    said = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(said) == 1 and said[0].startswith("square: overflow encountered")
    assert w.numpy()[1] == np.float32(1.999)


def test_numpy_errors_ignored_by_the_user_stay_ignored():
    w = tf.Variable(np.array([1.0, 2.0], np.float32))
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        tf.keras.optimizers.Adam().apply_gradients(
            [(tf.constant(np.array([1e30, 1.0], np.float32)), w)])
    assert np.isfinite(w.numpy()).all()


def test_a_subclass_formula_is_run_not_skipped():
    class Halving(tf.keras.optimizers.Adam):
        def _apply_dense(self, grad, var, lr, step):
            var.assign(var * 0.5)

    w = tf.Variable(np.array([4.0], np.float32))
    Halving().apply_gradients([(tf.constant(np.array([1.0], np.float32)), w)])
    assert w.numpy()[0] == 2.0


def _off_its_ops(monkeypatch, **subscription) -> bool:
    """Whether one Adam apply ran off its update ops while a listener subscribed with
    `subscription` (ops=..., kinds=..., sites=..., layers=...) was on."""
    from tapeviz.keras.optimizers import update
    calls = []
    values = update.adam_values
    monkeypatch.setattr(update, "adam_values", lambda *a, **k: calls.append(1) or values(*a, **k))
    w = tf.Variable(np.array([1.0, 2.0], np.float32))
    handle = tf.subscribe(lambda event: None, **subscription)
    try:
        tf.keras.optimizers.Adam().apply_gradients([(tf.constant([0.5, 0.5]), w)])
    finally:
        tf.unsubscribe(handle)
    return bool(calls)


def test_a_listener_of_other_ops_or_events_leaves_the_update_off_its_ops(monkeypatch):
    """A breakpoint on log, a dashboard's gradient listener: Adam's ops are not theirs."""
    from tapeviz import events
    assert _off_its_ops(monkeypatch, ops=[tf.ops.REGISTRY["log"]])
    assert _off_its_ops(monkeypatch, kinds=[events.GradientComputed])


@pytest.mark.parametrize("subscription", ["square", "every op", "a line", "a layer"])
def test_a_listener_that_may_hear_an_update_op_makes_it_run_its_ops(monkeypatch, subscription):
    given = {"square": {"ops": [tf.ops.REGISTRY["square"]]}, "every op": {},
             "a line": {"sites": lambda source: False},
             "a layer": {"layers": lambda scope: False}}[subscription]
    assert not _off_its_ops(monkeypatch, **given)


def test_unheard_adam_updates_all_variables_as_one_array():
    """joined.py: the new values are views of one array, the same bits as the update ops."""
    rng = np.random.default_rng(3)
    variables = [tf.Variable(rng.normal(size=shape).astype(np.float32))
                 for shape in ((3, 3, 1, 4), (4,), (4, 2))]
    optimizer = tf.keras.optimizers.Adam(0.01)
    for _ in range(2):
        optimizer.apply_gradients([(tf.constant(rng.normal(size=var.shape).astype(np.float32)),
                                    var) for var in variables])
    bases = {id(var._value.base) for var in variables}
    assert len(bases) == 1 and all(var._value.base is not None for var in variables)


def test_a_variable_assigned_between_unheard_applies_is_updated_from_its_new_value():
    def trained(heard: bool):
        rng = np.random.default_rng(5)
        w = tf.Variable(rng.normal(size=(2, 3)).astype(np.float32))
        b = tf.Variable(np.zeros(3, np.float32))
        grads = [[tf.constant(rng.normal(size=(2, 3)).astype(np.float32)),
                  tf.constant(rng.normal(size=3).astype(np.float32))] for _ in range(3)]
        optimizer = tf.keras.optimizers.Adam(0.01)
        applied(optimizer, grads[:1], [w, b], heard)
        w.assign(np.ones((2, 3), np.float32))   # the joined array no longer holds w
        applied(optimizer, grads[1:], [w, b], heard)
        return [w.numpy(), b.numpy()] + [optimizer.get_slot(var, name).numpy()
                                         for var in (w, b) for name in ("m", "v")]
    for ours, theirs in zip(trained(heard=False), trained(heard=True)):
        assert ours.tobytes() == theirs.tobytes()


def test_an_unheard_apply_counts_its_step_off_dispatch(monkeypatch):
    """iterations' assign_add by its forward while nobody hears it (a full dispatch cost
    ~13 us an apply); a listener of assign_add still hears the step count, and the count
    is the same either way."""
    calls = []
    assign_add = tf.Variable.assign_add
    monkeypatch.setattr(tf.Variable, "assign_add",
                        lambda self, *a, **k: calls.append(self.name) or assign_add(self, *a, **k))
    w = tf.Variable(np.array([1.0, 2.0], np.float32))
    optimizer = tf.keras.optimizers.Adam()
    for _ in range(3):
        optimizer.apply_gradients([(tf.constant([0.5, 0.5]), w)])
    assert calls == [] and int(optimizer.iterations) == 3
    assert type(optimizer.iterations._value) is np.int64
    heard = []
    handle = tf.subscribe(lambda event: heard.append(event.node.op.name),
                          ops=[tf.ops.REGISTRY["assign_add"]])
    try:
        optimizer.apply_gradients([(tf.constant([0.5, 0.5]), w)])
    finally:
        tf.unsubscribe(handle)
    assert heard == ["assign_add"] and int(optimizer.iterations) == 4
