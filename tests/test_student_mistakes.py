"""The lecture programs' common mistakes, made once each as a student makes them: each error
names what the student called, what it expected, what came and the student's line, and the
model, the tape and the variables still train afterwards."""
import linecache

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.errors import ShapeError
from tapeviz.viz import TapeWidget


def _mnist_model():
    return tf.keras.Sequential([
        tf.keras.layers.Conv2D(4, [3, 3], activation="relu"),
        tf.keras.layers.Conv2D(4, [3, 3], activation="relu"),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10)])


def _batch():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (8, 12, 12)).astype(np.uint8)
    return (tf.cast(images[..., tf.newaxis] / 255, tf.float32),
            tf.cast(rng.integers(0, 10, 8), tf.int64))


def _trains(model, images, labels):
    """One correct Adam step on `model`; its tape's widget draws it."""
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    before = [v.numpy().copy() for v in model.trainable_variables]
    with tf.GradientTape(persistent=True) as tape:
        loss = loss_object(labels, model(images, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert all(not np.array_equal(b, v.numpy())
               for b, v in zip(before, model.trainable_variables))
    assert "conv2d" in {node.op for node in TapeWidget(tape).graph.nodes.values()}


def test_one_image_into_an_unbuilt_model_says_the_shape_it_was_given():
    model = _mnist_model()
    images, labels = _batch()
    with pytest.raises(ShapeError) as caught:
        model(images[0, :, :, 0])                  # one image, no batch and no channel axis
    message = str(caught.value)
    assert "(Conv2D): expected an input of rank 4" in message
    assert "got shape (12, 12)" in message                    # was (None, 12): not its shape
    assert "x[tf.newaxis, ..., tf.newaxis]" in message
    assert "model(images[0, :, :, 0])" in message             # the student's line
    _trains(model, images, labels)


def test_images_without_their_channel_axis_say_their_batch():
    model = _mnist_model()
    images, labels = _batch()
    with pytest.raises(ShapeError, match=r"got shape \(8, 12, 12\)"):
        model(images[..., 0])
    _trains(model, images, labels)


def test_a_cnn_without_its_pooling_says_dense_kept_the_image_axes():
    model = tf.keras.Sequential([                # GlobalAveragePooling2D forgotten
        tf.keras.layers.Conv2D(4, [3, 3], activation="relu"),
        tf.keras.layers.Dense(10)])
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    images, labels = _batch()
    with tf.GradientTape() as tape:
        logits = model(images)
        with pytest.raises(ShapeError) as caught:
            loss_object(labels, logits)
    message = str(caught.value)
    assert "got y_true (8,) and y_pred (8, 10, 10, 10)" in message
    assert "GlobalAveragePooling2D() before the last Dense" in message
    assert "loss_object(labels, logits)" in message
    assert len(tape.nodes) > 0 and "conv2d" in {n.op for n in TapeWidget(tape).graph.nodes.values()}


def test_assign_sub_of_the_gradient_list_says_take_one_gradient():
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = w * w
    grads = tape.gradient(loss, [w])
    with pytest.raises(ShapeError) as caught:
        w.assign_sub(grads)
    message = str(caught.value)
    assert "assign_sub: the delta must have the variable's shape (); got shape (1,)" in message
    assert "a list of 1 tensor, as tape.gradient(loss, [w]) returns" in message
    assert "grads[0]" in message and "w.assign_sub(grads)" in message
    assert w.numpy() == 2.0
    w.assign_sub(0.25 * grads[0])
    assert w.numpy() == 1.0


def test_a_typo_d_keyword_is_named_with_the_one_meant():
    from tapeviz.errors import InvalidArgumentTypeError
    with pytest.raises(InvalidArgumentTypeError) as caught:   # TF: TypeError, missing kernel_size
        tf.keras.layers.Conv2D(16, kernal_size=3, activation="relu")
    message = str(caught.value)
    assert message.startswith("Conv2D: keyword argument not understood: kernal_size=3")
    assert "hint: did you mean kernel_size=3?" in message
    assert 'Conv2D(16, kernal_size=3, activation="relu")' in message
    with pytest.raises(ValueError, match="did you mean activation='relu'"):   # TF: ValueError
        tf.keras.layers.Dense(10, activaton="relu")
    assert tf.keras.layers.Conv2D(16, kernel_size=3, activation="relu").kernel_size == (3, 3)


def _huber_loss(y, y_predicted, m=1.0):
    t = y - y_predicted
    return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)


def test_a_negative_learning_rate_is_said_by_diagnose_at_the_optimizers_line(shared_data):
    from tapeviz.datasets import load_birth_life
    from tapeviz.debugger import Recorder, diagnose
    data, _ = load_birth_life(shared_data / "birth_life_2010.txt")
    w, b = tf.Variable(0.0, name="w"), tf.Variable(0.0, name="b")
    with pytest.warns(UserWarning) as said:
        optimizer = tf.keras.optimizers.SGD(learning_rate=-0.001)     # the sign slipped
    (warning,) = said
    assert str(warning.message) == (
        "SGD: learning_rate=-0.001 is negative: the optimizer subtracts learning_rate * "
        "gradient, so each update climbs the loss (gradient ascent); pass learning_rate=0.001")
    assert warning.filename == __file__ and "# the sign slipped" in linecache.getline(
        __file__, warning.lineno)                       # said from the student's line
    with Recorder() as rec:
        for x_i, y_i in tf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1])).take(30):
            with tf.GradientTape() as tape:
                loss = _huber_loss(y_i, x_i * w + b)
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))
    (finding,) = [f for f in diagnose(rec) if f.kind == "gradient_ascent"]
    assert "fix: the learning rate is negative (-0.001, set at " in finding.message
    assert "optimizer = tf.keras.optimizers.SGD(learning_rate=-0.001)" in finding.message
    assert "give it a positive one, learning_rate=0.001" in finding.message
    assert "not negated" not in finding.message     # was: 'pass tape.gradient's gradients as
    optimizer.learning_rate = 0.001                  # they are, not negated': they were
    with tf.GradientTape() as tape:
        loss = _huber_loss(data[0, 1], data[0, 0] * w + b)
    before = float(loss)
    optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    assert float(_huber_loss(data[0, 1], data[0, 0] * w + b)) < before


def test_a_typo_d_optimizer_keyword_is_named_with_the_one_meant():
    with pytest.raises(ValueError) as caught:      # TF: ValueError 'Argument(s) not recognized'
        tf.keras.optimizers.Adam(learning_rat=0.01)
    message = str(caught.value)
    assert message.startswith("Adam: keyword argument not understood: learning_rat=0.01; in "
                              "TensorFlow's words: Argument(s) not recognized: "
                              "{'learning_rat': 0.01}")
    assert "hint: did you mean learning_rate=0.01?" in message
    assert "tf.keras.optimizers.Adam(learning_rat=0.01)" in message
    assert isinstance(caught.value, TypeError)     # as tapeviz raised it before


def test_assign_sub_of_two_variables_gradients_says_take_one():
    from tapeviz.errors import InvalidArgumentError
    w, b = tf.Variable(tf.ones((3,))), tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w) + b
    grads = tape.gradient(loss, [w, b])
    with pytest.raises(InvalidArgumentError) as caught:     # TF: InvalidArgumentError (Pack)
        w.assign_sub(grads)
    message = str(caught.value)
    assert "assign_sub: delta: expected a tensor" in message and "w.assign_sub(grads)" in message
    assert "a list of 2 tensors of shapes (3,), (), as tape.gradient(loss, [w, b])" in message
    assert "grads[0] for the first" in message
    w.assign_sub(0.5 * grads[0])
    assert w.numpy().tolist() == [0.0, 0.0, 0.0]


def test_a_dense_regression_fed_the_bare_column_says_add_a_feature_axis(shared_data):
    from tapeviz.datasets import load_birth_life
    data, _ = load_birth_life(shared_data / "birth_life_2010.txt")
    x, y = data[:, 0], data[:, 1]                       # (190,) each
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    with pytest.raises(ShapeError) as caught:
        model(x)
    message = str(caught.value)
    assert "(Dense): expected an input of rank >= 2 (batch, ..., features); got shape (190,)" \
        in message
    assert "hint: 190 examples of one feature need a feature axis: x[:, None]" in message
    assert "model(x)" in message
    loss_fn, optimizer = tf.keras.losses.Huber(), tf.keras.optimizers.SGD(0.01)
    with tf.GradientTape() as tape:
        loss = loss_fn(y[:, None], model(x[:, None]))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                  model.trainable_variables))
    assert float(loss_fn(y[:, None], model(x[:, None]))) < float(loss)


def test_a_zip_given_twice_to_apply_gradients_says_it_is_read_once():
    from tapeviz.errors import InvalidArgumentError
    model = _mnist_model()
    images, labels = _batch()
    model(images)
    optimizer = tf.keras.optimizers.Adam()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model(images))
    pairs = zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
    optimizer.apply_gradients(pairs)
    with pytest.raises(InvalidArgumentError) as caught:        # TF: ValueError, unpacking
        optimizer.apply_gradients(pairs)
    assert "hint: a zip is read once: one already given to apply_gradients" in str(caught.value)
    assert "optimizer.apply_gradients(pairs)" in str(caught.value)
    assert optimizer.iterations.numpy() == 1
    _trains(model, images, labels)


@pytest.mark.parametrize("built", [False, True])
def test_an_unbatched_dataset_into_a_cnn_says_batch_it(built):
    model = _mnist_model()
    images, labels = _batch()
    if built:
        model(images)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))   # .batch(32) forgotten
    with pytest.raises(ShapeError) as caught:
        for x, _ in dataset:
            model(x)
    message = str(caught.value)
    assert "(12, 12, 1)" in message and "model(x)" in message
    assert "hint: one image (height, width, channels) needs a batch axis: x[tf.newaxis]; a " \
           "Dataset gives one example at a time until it is batched: dataset.batch(32)" in message
    _trains(model, images, labels)


def test_the_lectures_huber_on_a_batch_says_choose_per_element_with_where():
    from tapeviz.errors import InvalidArgumentError
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    x, y = np.float32([1.0, 2.0, 3.0, 4.0]), np.float32([79.0, 73.0, 67.0, 61.0])
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    for x_batch, y_batch in dataset:
        with tf.GradientTape() as tape:
            with pytest.raises(InvalidArgumentError) as caught:   # TF: ValueError
                _huber_loss(y_batch, x_batch * w + b)
            t = y_batch - (x_batch * w + b)
            loss = tf.reduce_mean(tf.where(tf.abs(t) <= 1.0, t ** 2, 2 * tf.abs(t) - 1.0))
        assert all(g is not None for g in tape.gradient(loss, [w, b]))
    message = str(caught.value)
    assert "bool(): only a tensor holding one value converts to a Python bool; got a bool " \
           "tensor of shape (4,)" in message
    assert "return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)" in message
    assert "tf.where(condition, x, y)" in message
