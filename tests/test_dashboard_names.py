"""Variables named as the user's code names them ('w', not TF's 'Variable:0'): the Dashboard's
legend (TF's name kept only where the code gives none or two would read alike), the
optimizer's warning of a None gradient and a divergence finding."""
import gc
import re

import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose
from tapeviz.viz.dashboard import Dashboard

T = 30.0


@pytest.fixture
def legend():
    """legend(train, *args): the names the gradient-norm chart shows after a Runner ran
    `train(*args)` to its end, and the names `history()` keys them by."""
    made = []

    def run(train, *args):
        dash = Dashboard(show_tape=False, show_alerts=False)
        made.append(dash)
        assert dash.train(train, *args).join(T)
        dash.flush()
        return [s["name"] for s in dash.grad_norms], list(dash.history()["grad_norms"])

    yield run
    for dash in made:
        dash.close()


def descend(variables, steps=2):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.add_n([tf.reduce_sum(v * v) for v in variables])
        for v, g in zip(variables, tape.gradient(loss, variables)):
            v.assign_sub(0.1 * g)


def assigned(steps):
    w = tf.Variable([1.0, 2.0])
    b = tf.Variable(0.5)
    descend([w, b], steps)


def paired(steps):
    w, b = tf.Variable([1.0, 2.0]), tf.Variable(0.5)
    descend([w, b], steps)


def given_names(steps):
    kernel = tf.Variable([1.0, 2.0], name="kernel")
    bias = tf.Variable(0.5, name="bias")
    descend([kernel, bias], steps)


def made_by_a_helper(steps):
    def make(value):
        p = tf.Variable(value)
        return p
    descend([make([1.0, 2.0]), make(0.5)], steps)


def test_unnamed_variables_are_shown_as_their_lines_assign_them(legend):
    shown, keys = legend(assigned, 2)
    assert shown == ["w", "b"]
    assert all(key.startswith("Variable") and key.endswith(":0") for key in keys), keys


def test_one_line_making_two_variables_names_each_by_its_place(legend):
    assert legend(paired, 2)[0] == ["w", "b"]


def test_a_given_name_is_shown_without_tfs_suffix(legend):
    assert legend(given_names, 2)[0] == ["kernel", "bias"]


def test_a_helpers_variables_keep_their_tf_names(legend):
    """`p` names no one variable (the helper's callers get one each): no better name."""
    shown, keys = legend(made_by_a_helper, 2)
    assert shown == keys and all(key.startswith("Variable") for key in keys), shown


def test_tfs_second_name_for_a_name_is_shown_as_the_code_gives_it(legend):
    # an earlier test's 'w:0' left in unreachable cycles holds its name until a collection:
    # collected mid-test, it let the loop's own 'w' take 'w:0' back (seen in a mixed run)
    gc.collect()
    kept = tf.Variable(1.0, name="w")   # alive: the loop's own 'w' is 'w_1:0' (or later)
    assert kept.name.startswith("w")

    def train(steps):
        w = tf.Variable([1.0, 2.0], name="w")
        descend([w], steps)
    shown, keys = legend(train, 2)
    assert shown == ["w"] and re.fullmatch(r"w_\d+:0", keys[0]), keys


def test_two_variables_the_code_names_alike_keep_tf_names_apart(legend):
    def train(steps):
        w = tf.Variable([1.0, 2.0])
        first = w
        w = tf.Variable(3.0)
        descend([first, w], steps)
    shown, keys = legend(train, 2)
    assert shown == ["w", keys[1]] and keys[1].startswith("Variable"), shown


def test_a_keras_layers_variables_are_shown_by_layer_and_weight(legend, keras_session):
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, name="head")])
    model.build((None, 3))

    def train(steps):
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(model(tf.ones([4, 3])) ** 2)
            tape.gradient(loss, model.trainable_variables)
    assert legend(train, 2)[0] == ["head/kernel", "head/bias"]


def test_a_recorders_dashboard_names_them_alike():
    w = tf.Variable([1.0, 2.0])
    with Recorder() as rec:
        dash = Dashboard(recorder=rec, show_tape=False, show_alerts=False)
        try:
            descend([w], 2)
            dash.flush()
            assert [s["name"] for s in dash.grad_norms] == ["w"]
            assert list(dash.history()["grad_norms"]) == [w.name]
        finally:
            dash.close()


def test_apply_gradients_warns_of_a_none_gradient_naming_the_variable_as_the_code_does():
    w = tf.Variable(1.0)
    b = tf.Variable(2.0)
    opt = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = w * 2.0
    grads = tape.gradient(loss, [w, b])
    with pytest.warns(UserWarning) as caught:
        opt.apply_gradients(zip(grads, [w, b]))
    [warning] = caught
    message = str(warning.message)
    assert "the gradient for variable 'b' is None" in message, message
    assert "variable 'b' was never read by an op recorded on this tape" in message, message
    assert "Variable" not in message, message


def test_a_divergence_names_the_optimizer_and_the_variable_as_the_code_does():
    w = tf.Variable([1.0, -1.0])
    b = tf.Variable(0.5)
    opt = tf.keras.optimizers.SGD(1.5)
    with Recorder() as rec:
        for _ in range(6):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w) + b * b
            opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    [found] = [f for f in diagnose(rec) if f.kind == "divergence"]
    assert "the updates overshoot: assign_sub (in SGD) changed b by 3x" in found.message, \
        found.message
    assert "Variable" not in found.message, found.message


def test_a_torch_models_parameters_are_listed_in_its_forward_order(legend):
    """Autograd reaches the head first: the legend keeps the order the model runs them (an
    nn.Sequential's named after the name the code gives it: 'model.0.weight')."""
    torch = pytest.importorskip("torch")
    import tapeviz.torch  # noqa: F401  (the adapter: the dashboard hears torch's ops)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))

    def train(steps):
        for _ in range(steps):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    shown, keys = legend(train, 2)
    assert shown == [f"model.{name}" for name, _ in model.named_parameters()] == keys, shown
