"""TensorFlow code written with PyTorch habits: each PyTorch name asked of a tensor, a
variable, an optimizer, a Keras model or the `tf` namespace is an AttributeError that says
tapeviz follows TensorFlow, gives the TF way and names the student's own line; attributes
that exist are untouched, and the next correct (TF) call works."""
import copy
import os
import pickle
import site

import numpy as np
import pytest

import tapeviz as tf
from raising import assert_names_this_line, raised


def _loss():
    w = tf.Variable([[1.0], [2.0]], name="w")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.constant([[3.0, 4.0]]) @ w)
    return w, tape, loss


def test_loss_backward_says_tf_takes_gradients_from_the_tape_and_the_tape_still_works():
    w, tape, loss = _loss()
    err, line = raised(AttributeError, lambda: loss.backward())
    assert str(err).startswith("Tensor.backward: 'Tensor' object has no attribute 'backward': "
                               "tapeviz follows TensorFlow, whose Tensor has no backward (a "
                               "PyTorch habit); gradients come from the GradientTape")
    assert "tape.gradient(loss, [w, b])" in err.hint
    assert_names_this_line(err, line)
    np.testing.assert_allclose(tape.gradient(loss, w).numpy(), [[3.0], [4.0]])


@pytest.mark.parametrize("name, tf_way", [
    ("grad", "tape.gradient(loss, [w, b])"), ("item", "float(x)"), ("size", "x.shape"),
    ("view", "tf.reshape("), ("detach", "tf.stop_gradient(x)"), ("numel", "tf.size(x)"),
    ("dim", "x.ndim"), ("unsqueeze", "tf.expand_dims("), ("permute", "tf.transpose("),
    ("sum", "tf.reduce_sum("), ("cuda", "x"), ("float", "tf.cast(x, tf.float32)"),
    ("zero_", "w.assign(tf.zeros_like(w))"), ("add_", "w.assign_add(y)")])
def test_each_tensor_habit_names_the_tf_way_and_the_line(name, tf_way):
    x = tf.constant([1.0, 2.0])
    err, line = raised(AttributeError, lambda: getattr(x, name))
    assert f"'Tensor' object has no attribute '{name}': tapeviz follows TensorFlow" in str(err)
    assert tf_way in err.hint
    assert_names_this_line(err, line)
    assert not hasattr(x, name)
    assert float(tf.reduce_sum(x)) == 3.0 and x.shape == (2,) and x.ndim == 1


def test_device_is_tfs_not_a_habit():
    # TF 2.21 names the CPU so for a tensor and a variable; tapeviz said TF had no device
    cpu = "/job:localhost/replica:0/task:0/device:CPU:0"
    assert tf.constant([1.0]).device == cpu and tf.Variable(1.0).device == cpu
    err, _ = raised(AttributeError, lambda: tf.constant([1.0]).cuda)   # PyTorch's move
    assert "tapeviz runs on the CPU" in str(err)


def test_setting_requires_grad_says_how_a_tape_watches_and_leaves_the_tensor_as_it_was():
    x = tf.constant(3.0)
    err, line = raised(AttributeError, lambda: setattr(x, "requires_grad", True))
    assert "whose Tensor has no requires_grad (a PyTorch habit)" in str(err)
    assert "tf.Variable(x)" in err.hint and "tape.watch(x)" in err.hint
    assert_names_this_line(err, line)
    with tf.GradientTape() as tape:   # the TF way works
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0


def test_a_variable_is_told_it_is_watched_already():
    w = tf.Variable(2.0)
    err, line = raised(AttributeError, lambda: setattr(w, "requires_grad", True))
    assert "every tape watches a trainable tf.Variable already" in str(err)
    assert "trainable=False" in err.hint
    assert_names_this_line(err, line)
    err, _ = raised(AttributeError, lambda: w.requires_grad)
    assert "Variable has no requires_grad" in str(err)
    assert float(w.assign_add(1.0)) == 3.0


@pytest.mark.parametrize("name, tf_way", [
    ("zero_grad", "nothing to zero"), ("step", "apply_gradients(zip(grads"),
    ("param_groups", "learning_rate")])
def test_optimizer_habits_name_apply_gradients_and_the_optimizer_still_updates(name, tf_way):
    opt = tf.keras.optimizers.SGD(0.5)
    err, line = raised(AttributeError, lambda: getattr(opt, name))
    assert str(err).startswith(f"SGD.{name}: 'SGD' object has no attribute '{name}': "
                               f"tapeviz follows TensorFlow")
    assert tf_way in str(err) + err.hint
    assert_names_this_line(err, line)
    w = tf.Variable(1.0)
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == pytest.approx(0.5)


@pytest.mark.parametrize("name, tf_way", [
    ("train", "training=True"), ("eval", "training=False"),
    ("parameters", "model.trainable_variables"), ("zero_grad", "nothing to zero"),
    ("state_dict", "get_weights"), ("forward", "model(x)")])
def test_model_habits_name_the_keras_way_and_the_model_still_runs(name, tf_way):
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    err, line = raised(AttributeError, lambda: getattr(model, name))
    assert f"'Sequential' object has no attribute '{name}': tapeviz follows TensorFlow" \
        in str(err)
    assert tf_way in str(err) + err.hint
    assert_names_this_line(err, line)
    assert model(tf.ones([2, 3]), training=True).shape == (2, 1)


def test_a_property_that_raises_keeps_its_own_message():
    # a habit is only a PyTorch name the class lacks: a Tensor's assign_sub still says how w
    # stopped being a Variable, and a name no one has gets Python's plain error
    err, _ = raised(AttributeError, lambda: tf.constant(1.0).assign_sub(1.0))
    assert "only a tf.Variable can be assigned" in str(err)
    unknown, _ = raised(AttributeError, lambda: tf.constant(1.0).no_such_name)
    assert str(unknown) == "'Tensor' object has no attribute 'no_such_name'"


def test_torch_no_grad_and_cat_on_the_namespace_name_the_tf_way():
    err, _ = raised(AttributeError, lambda: tf.no_grad())
    assert "which has no tf.no_grad (torch.no_grad is PyTorch's)" in str(err)
    assert "tape.stop_recording()" in str(err)
    err, _ = raised(AttributeError, lambda: tf.cat([tf.ones([1]), tf.ones([1])], 0))
    assert "tensors are joined with tf.concat" in str(err)   # not 'did you mean cast?'
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = w * w
        with tape.stop_recording():
            z = w * 3.0
    assert float(tape.gradient(y, w)) == 2.0 and float(z) == 3.0


def test_copies_and_pickles_of_tensors_and_optimizers_still_work():
    # copy and pickle probe names (__deepcopy__, __getstate__ ...) no habit may answer
    x = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(copy.deepcopy(x).numpy(), x.numpy())
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(x)).numpy(), x.numpy())
    assert float(copy.copy(tf.keras.optimizers.SGD(0.5)).learning_rate) == 0.5


class _Linear(tf.keras.layers.Layer):   # PyTorch's names for its own weight and a method
    def build(self, input_shape):
        self.weight = self.add_weight(shape=(input_shape[-1], 1), name="weight")

    def call(self, x):
        return x @ self.weight

    def train(self):
        return "the layer's own"


def test_a_model_whose_layer_uses_pytorch_names_copies_pickles_and_checkpoints(tmp_path):
    model = tf.keras.Sequential([_Linear()])
    x = tf.ones([2, 3])
    expected = model(x).numpy()
    assert model.layers[0].train() == "the layer's own"
    for twin in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(twin(x).numpy(), expected)
        assert twin.layers[0].weight.shape == (3, 1)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=tf.keras.optimizers.Adam(0.1))
    path = checkpoint.save(str(tmp_path / "ckpt"))
    model.layers[0].weight.assign(tf.zeros([3, 1]))
    checkpoint.restore(path)
    np.testing.assert_array_equal(model(x).numpy(), expected)
    model.save_weights(str(tmp_path / "weights"))
    model.layers[0].weight.assign(tf.zeros([3, 1]))
    model.load_weights(str(tmp_path / "weights"))
    np.testing.assert_array_equal(model(x).numpy(), expected)
    assert model.get_config()["layers"][0]["class_name"] == "_Linear"


def test_completion_offers_tf_names_only_and_a_subclass_may_use_a_pytorch_name():
    x = tf.constant([1.0])
    assert "backward" not in dir(x) and "numpy" in dir(x) and "shape" in dir(x)
    assert "zero_grad" not in dir(tf.keras.optimizers.Adam())

    class Tree(tf.keras.Model):   # the student's own attribute of a PyTorch name wins
        def __init__(self):
            super().__init__()
            self.children = ["leaf"]

        def call(self, x):
            return x

    assert Tree().children == ["leaf"]
    assert "children" in dir(Tree())   # was: hidden from completion as a habit

    class Linear(tf.keras.layers.Layer):   # PyTorch's name for its own weight
        def build(self, input_shape):
            self.weight = self.add_weight(shape=(input_shape[-1], 2), name="weight")

        def call(self, x):
            return x @ self.weight

    layer = Linear()
    assert layer(tf.ones([1, 3])).shape == (1, 2)
    assert "weight" in dir(layer) and layer.weight.shape == (3, 2)
    assert "weight" not in dir(tf.keras.layers.Dense(2))


@pytest.mark.parametrize("name, keras", [
    ("Linear", "tf.keras.layers.Dense(units)"), ("Module", "tf.keras.Model"),
    ("Conv2d", "tf.keras.layers.Conv2D("),   # not 'did you mean conv2d?'
    ("CrossEntropyLoss", "SparseCategoricalCrossentropy(from_logits=True)"),
    ("functional", "tf.nn.relu(x)")])
def test_torch_nn_names_on_tf_nn_name_the_keras_way(name, keras):
    err, _ = raised(AttributeError, lambda: getattr(tf.nn, name))
    assert f"which has no tf.nn.{name} (torch.nn.{name} is PyTorch's)" in str(err)
    assert keras in str(err)
    assert tf.keras.layers.Dense(2)(tf.ones([1, 3])).shape == (1, 2)


def test_a_layer_is_told_its_weights_are_kernel_and_bias():
    dense = tf.keras.layers.Dense(2)
    dense(tf.ones([1, 3]))
    err, line = raised(AttributeError, lambda: dense.weight)
    assert "'Dense' object has no attribute 'weight': tapeviz follows TensorFlow" in str(err)
    assert err.hint == "layer.kernel"
    assert_names_this_line(err, line)
    assert dense.kernel.shape == (3, 2)


def test_the_variables_given_to_an_optimizer_as_in_pytorch_are_named_with_the_keras_way():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model(tf.ones([1, 2]))
    err, line = raised(TypeError, lambda: tf.keras.optimizers.SGD(model.trainable_variables))
    assert str(err).startswith("SGD: learning_rate must be a number (e.g. 0.01)")
    assert "a Keras optimizer is not given the variables" in err.hint
    assert "apply_gradients(zip(grads, model.trainable_variables))" in err.hint
    assert_names_this_line(err, line)


def test_numpy_functions_given_a_tensor_still_work_their_probe_refused_plainly():
    # np.sum(x) first tries x.sum, np.size(x) x.size: a library's probe gets the plain
    # AttributeError (no look at the student's line), and numpy falls back to the array
    x = tf.constant(np.arange(10, dtype=np.float32))
    assert np.sum(x) == 45.0 and np.size(x) == 10 and np.max(x) == 9.0
    assert np.reshape(x, (2, 5)).shape == (2, 5) and np.argmax(x) == 9
    assert not hasattr(x, "sum")   # hasattr from the student's code: the TF way, refused


@pytest.mark.parametrize("where", ["user site", "site-packages", "the student's"])
def test_a_probe_from_installed_code_gets_the_plain_error_and_the_students_the_tf_way(where):
    # `pip install --user`'s packages and Debian's dist-packages are libraries too (were
    # given the student's error, which looks up their line: np.sum(x) 4x slower there)
    folder = {"user site": site.getusersitepackages(),
              "site-packages": site.getsitepackages()[0],
              "the student's": os.path.dirname(__file__)}[where]
    probe = compile("x.sum", os.path.join(folder, "some_library", "probe.py"), "eval")
    err, _ = raised(AttributeError, lambda: eval(probe, {"x": tf.constant([1.0])}))
    plain = type(err) is AttributeError
    assert plain == (where != "the student's")
    assert "'sum'" in str(err) and "tapeviz follows TensorFlow" in str(err)


@pytest.mark.parametrize("base", [tf.keras.layers.Layer, tf.keras.Model], ids=["layer", "model"])
def test_a_layer_or_model_that_defines_forward_is_told_keras_runs_call(base):
    class Double(base):
        def forward(self, x):
            return x * 2.0

    x = tf.ones([1, 2])
    err, _ = raised(NotImplementedError, lambda: Double()(x))   # a Layer: was x, silently
    assert str(err).startswith("Double defines forward, PyTorch's name: tapeviz follows "
                               "TensorFlow, where a Keras layer or model runs its call method")
    assert "def call(self, inputs)" in str(err)

    class Fixed(base):
        def call(self, x):
            return x * 2.0

    np.testing.assert_array_equal(Fixed()(x).numpy(), [[2.0, 2.0]])
