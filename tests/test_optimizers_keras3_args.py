"""Keras 3's optimizer arguments beyond the learning rate (weight_decay, use_ema,
gradient_accumulation_steps, loss_scale_factor, the clips) on the paths an update takes:
the update ops a listener hears, the undo of an update a listener cuts short, and the
unheard update computed off its ops (the same bits). Their values against TensorFlow's are
tests/tf_fidelity/cases_optimizer_args.py's."""
import numpy as np
import pytest

import tapeviz as tf
from optimizer_runs import applied
from tapeviz import events
from tapeviz.debugger import break_on, clear_breakpoints
from tapeviz.keras.optimizers import update


@pytest.fixture(autouse=True)
def no_debugger(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    yield
    clear_breakpoints()
    assert events.subscribers() == (), "a test left a subscriber behind"


class Planted(Exception):
    pass


def _variables(prefix: str) -> list:
    return [tf.Variable([1.0, -2.0], name=f"{prefix}_{n}") for n in "abc"]


def _values(optimizer, variables: list) -> list:
    return [v.numpy().tolist() for v in [*variables, *optimizer.variables]]


def _pairs(variables: list, scale: float = 1.0) -> list:
    return [(tf.constant([0.5 * scale, -0.25 * scale]), v) for v in variables]


def _apply_raising(optimizer, variables: list, raises_at) -> None:
    """apply_gradients while a listener raises at the first op `raises_at(node)` accepts, an
    op breakpoint armed (so the old values are held: a breakpoint may stop an update)."""
    def listener(event):
        if raises_at(event.node):
            raise Planted("planted")

    break_on(op="floormod").disable()   # any breakpoint that may stop an update, never hit
    break_on(op="floormod")
    tf.subscribe(listener, kinds=(events.OpExecuted,))
    try:
        with pytest.raises(Planted):
            optimizer.apply_gradients(_pairs(variables))
    finally:
        tf.unsubscribe(listener)


def _in_scope_of(variable, op: str):
    return lambda node: node.op.name == op and node.scope.endswith("/" + variable.name[:-2])


@pytest.mark.parametrize("make", [
    lambda: tf.keras.optimizers.AdamW(0.1, weight_decay=0.5),
    lambda: tf.keras.optimizers.SGD(0.1, momentum=0.9, weight_decay=0.5)], ids=["AdamW", "SGD"])
def test_an_update_cut_short_after_a_weight_decay_puts_the_decayed_variables_back(make):
    variables = _variables("decayed")
    optimizer = make()
    optimizer.apply_gradients(_pairs(variables))   # slots made
    before = _values(optimizer, variables)
    # b's decay: a was decayed and updated, b is being decayed
    _apply_raising(optimizer, variables, _in_scope_of(variables[1], "assign_sub"))
    assert _values(optimizer, variables) == before


def test_an_update_cut_short_in_its_moving_average_puts_variables_and_averages_back():
    variables = _variables("averaged")
    optimizer = tf.keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5,
                                        ema_overwrite_frequency=3)
    optimizer.apply_gradients(_pairs(variables))
    before = _values(optimizer, variables)
    assert [s.name.rsplit("/", 1)[-1] for s in optimizer.variables[1:]] == ["average:0"] * 3
    # every variable updated, the averages being moved: the first add is the averages'
    _apply_raising(optimizer, variables, lambda node: node.op.name == "add")
    assert _values(optimizer, variables) == before


def test_a_call_cut_short_while_it_accumulates_puts_the_accumulators_back():
    variables = _variables("accumulated")
    optimizer = tf.keras.optimizers.SGD(0.1, gradient_accumulation_steps=2)
    for _ in range(2):   # a whole round: the accumulators are zeros again, the variables moved
        optimizer.apply_gradients(_pairs(variables))
    before = _values(optimizer, variables)
    _apply_raising(optimizer, variables, _in_scope_of(variables[2], "assign_add"))
    assert _values(optimizer, variables) == before
    assert int(optimizer.iterations) == 1 and int(optimizer._iterations) == 2


def _adamw_run(heard: bool, steps: int = 3):
    """AdamW (bias excluded) after `steps` updates, with a listener of every op or none."""
    rng = np.random.default_rng(3)
    w = tf.Variable(rng.normal(size=(3, 2)).astype(np.float32), name="w")
    bias = tf.Variable(rng.normal(size=(2,)).astype(np.float32), name="bias")
    grads = [[tf.constant(rng.normal(size=(3, 2)).astype(np.float32)),
              tf.constant(rng.normal(size=(2,)).astype(np.float32))] for _ in range(steps)]
    optimizer = tf.keras.optimizers.AdamW(0.05, weight_decay=0.3)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    seen = applied(optimizer, grads, [w, bias], heard)
    slots = [optimizer.get_slot(v, name).numpy() for v in (w, bias) for name in ("m", "v")]
    return [w.numpy(), bias.numpy(), *slots], seen


def test_an_unheard_adamw_update_gives_the_heard_update_ops_bits():
    unheard, _ = _adamw_run(heard=False)
    heard, seen = _adamw_run(heard=True)
    for ours, theirs in zip(unheard, heard):
        assert ours.tobytes() == theirs.tobytes()
    adam = ["moving_average", "square", "moving_average", "adam_step"]
    assert seen[:11] == ["multiply", "multiply", "assign_sub", *adam, *adam]   # bias: no decay


def _off_its_ops(monkeypatch, optimizer, **subscription) -> bool:
    calls = []
    values = update.adam_values
    monkeypatch.setattr(update, "adam_values", lambda *a, **k: calls.append(1) or values(*a, **k))
    w = tf.Variable(np.array([1.0, 2.0], np.float32))
    handle = tf.subscribe(lambda event: None, **subscription)
    try:
        optimizer.apply_gradients([(tf.constant([0.5, 0.5]), w)])
    finally:
        tf.unsubscribe(handle)
    return bool(calls)


def test_a_listener_of_the_decays_ops_makes_an_adamw_update_run_its_ops(monkeypatch):
    heard = {"ops": [tf.ops.REGISTRY["assign_sub"]]}
    assert not _off_its_ops(monkeypatch, tf.keras.optimizers.AdamW(), **heard)
    assert _off_its_ops(monkeypatch, tf.keras.optimizers.Adam(), **heard)   # not Adam's op
    other = {"ops": [tf.ops.REGISTRY["log"]]}
    assert _off_its_ops(monkeypatch, tf.keras.optimizers.AdamW(), **other)


def test_averages_and_accumulation_run_their_ops_even_unheard(monkeypatch):
    other = {"ops": [tf.ops.REGISTRY["log"]]}
    assert not _off_its_ops(monkeypatch, tf.keras.optimizers.Adam(use_ema=True), **other)
    assert not _off_its_ops(monkeypatch, tf.keras.optimizers.Adam(
        gradient_accumulation_steps=2), **other)


def test_exclusions_set_after_an_update_apply_from_the_next():
    w, bias = tf.Variable([1.0], name="w"), tf.Variable([1.0], name="bias")
    optimizer = tf.keras.optimizers.SGD(0.5, weight_decay=0.2)
    optimizer.apply_gradients([(tf.constant([0.0]), w), (tf.constant([0.0]), bias)])
    optimizer.exclude_from_weight_decay(var_list=[w])
    optimizer.apply_gradients([(tf.constant([0.0]), w), (tf.constant([0.0]), bias)])
    assert w.numpy()[0] == np.float32(0.9)
    assert bias.numpy()[0] == np.float32(np.float32(0.9) - np.float32(0.9) * np.float32(0.1))


def test_a_loss_scale_factor_leaves_fit_as_it_was():
    def fitted(**scale):
        model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(
            1, kernel_initializer="ones")])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.05, **scale), loss="mse")
        x = np.arange(8, dtype=np.float32).reshape(4, 2) / 8
        model.fit(x, np.ones((4, 1), np.float32), epochs=2, batch_size=2, shuffle=False,
                  verbose=0)
        return model.get_weights()

    for ours, theirs in zip(fitted(loss_scale_factor=64.0), fitted()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("arguments, said", [
    ({"clipnorm": 1.0, "clipvalue": 0.5}, "only one of `clipnorm`, `clipvalue` and "
                                          "`global_clipnorm` can be set"),
    ({"use_ema": True, "ema_momentum": 1.5}, "ema_momentum"),
    ({"use_ema": True, "ema_overwrite_frequency": 0.5}, "ema_overwrite_frequency"),
    ({"gradient_accumulation_steps": 1}, "gradient_accumulation_steps"),
    ({"weight_decay": "0.1"}, "weight_decay"),
    ({"clipnorm": "1"}, "clipnorm"),
], ids=["two clips", "ema momentum", "ema frequency", "one step", "decay text", "clip text"])
def test_a_bad_constructor_argument_is_refused_naming_it_and_the_line(arguments, said):
    with pytest.raises((ValueError, TypeError)) as raised:
        tf.keras.optimizers.SGD(0.1, **arguments)   # this line
    message = str(raised.value)
    assert said in message and "SGD" in message
    assert "test_optimizers_keras3_args.py" in message


def test_adamw_without_a_weight_decay_is_refused():
    with pytest.raises(ValueError, match="AdamW: Argument `weight_decay` must be a float"):
        tf.keras.optimizers.AdamW(weight_decay=None)
