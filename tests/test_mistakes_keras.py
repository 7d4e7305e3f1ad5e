"""A new user's mistakes with Keras models, layers and optimizers, each made on purpose: the
error names the call, what was expected and what came, at the user's line, and the model or
optimizer still works for the next correct call."""
import numpy as np
import pytest

import tapeviz as tf


def built_dense(units=2, features=3):
    model = tf.keras.Sequential([tf.keras.layers.Dense(units)])
    model(np.ones((1, features), "float32"))
    return model


def test_set_weights_of_a_transposed_kernel_names_the_weight_and_changes_nothing():
    model = built_dense()
    before = model.get_weights()
    with pytest.raises(ValueError) as raised:
        model.set_weights([np.ones((2, 3)), np.ones(2)])      # torch's (units, inputs)
    said = str(raised.value)
    assert said.startswith("Sequential.set_weights: weight 0 of layer")
    assert "has shape (3, 2); got an array of shape (2, 3)" in said
    assert "test_mistakes_keras.py" in said and "hint: the array transposed fits" in said
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    with pytest.raises(ValueError, match="weight 1 of layer .* has shape \\(2,\\); got"):
        model.set_weights([np.full((3, 2), 5.0), np.ones(3)])  # the kernel fits: kept unset
    assert np.array_equal(model.get_weights()[0], before[0])
    model.set_weights([np.ones((3, 2)), np.ones(2)])
    assert model(np.ones((1, 3), "float32")).numpy().tolist() == [[4.0, 4.0]]


def test_set_weights_on_an_unbuilt_layer_says_it_has_no_weights_until_built():
    layer = tf.keras.layers.Dense(2)
    with pytest.raises(ValueError) as raised:
        layer.set_weights([np.ones((3, 2)), np.ones(2)])
    assert "was expecting 0 weights; got a list of 2" in str(raised.value)
    assert "is not built yet" in str(raised.value)
    assert "test_mistakes_keras.py" in str(raised.value)


def test_the_same_variable_twice_in_apply_gradients_is_refused_and_nothing_changes():
    w, b = tf.Variable([1.0, 1.0], name="w"), tf.Variable(0.0, name="b")
    optimizer = tf.keras.optimizers.Adam(0.1)
    with pytest.raises(ValueError) as raised:
        optimizer.apply_gradients([(tf.ones(2), w), (tf.constant(1.0), b), (tf.ones(2), w)])
    said = str(raised.value)
    assert said.startswith("Adam.apply_gradients: variable 'w' is given twice, in pairs 1 "
                           "and 3 of 3")
    assert "test_mistakes_keras.py" in said and "loss_a + loss_b" in said
    assert w.numpy().tolist() == [1.0, 1.0] and b.numpy() == 0.0
    assert int(optimizer.iterations) == 0
    optimizer.apply_gradients([(tf.ones(2), w), (tf.constant(1.0), b)])
    assert np.allclose(w.numpy(), 0.9) and np.isclose(b.numpy(), -0.1)
    assert int(optimizer.iterations) == 1


@pytest.mark.parametrize("images, hint", [
    ((2, 1, 8, 8), "the input has its 1 channel on axis 1, as torch gives images (N, C, H, W); "
                   "this layer reads NHWC: tf.transpose(x, [0, 2, 3, 1])"),
    ((2, 8, 8, 3), "conv2d was built for images of 1 channel, on its first call or its Input, "
                   "and was fed 3"),
], ids=["channels-first", "rgb-to-grayscale-model"])
def test_a_built_cnn_given_other_channels_says_where_they_are_and_still_runs(images, hint):
    model = tf.keras.Sequential([tf.keras.layers.Conv2D(4, 3, name="conv2d"),
                                 tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(2)])
    model(np.zeros((2, 8, 8, 1), "float32"))
    with pytest.raises(ValueError) as raised:
        model(np.zeros(images, "float32"))
    assert f"hint: {hint}" in str(raised.value) and "test_mistakes_keras.py" in str(raised.value)
    assert model(np.zeros((3, 8, 8, 1), "float32")).shape == (3, 2)


@pytest.mark.parametrize("ids, hint", [
    ([[1, 12]], "table has input_dim=10 rows, ids 0 to 9; ids up to 12 need Embedding(13, 2)"),
    ([[1, -1]], "table has input_dim=10 rows, ids 0 to 9; a negative id names no row"),
], ids=["past-the-table", "negative"])
def test_an_embedding_given_an_id_past_its_table_says_the_input_dim_it_needs(ids, hint):
    layer = tf.keras.layers.Embedding(10, 2)
    with pytest.raises(ValueError) as raised:
        layer(np.array(ids))
    assert hint in str(raised.value) and "test_mistakes_keras.py" in str(raised.value)
    assert layer(np.array([[1, 9]])).shape == (1, 2, 2)


def test_a_functional_model_given_two_inputs_for_one_lists_what_came_and_still_runs():
    inputs = tf.keras.Input(shape=(3,))
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(2)(inputs))
    batch = np.ones((8, 3), "float32")
    with pytest.raises(ValueError) as raised:
        model([batch, batch])
    assert "expects 1 input(s), one per tf.keras.Input it was built from; got 2: a float32 " \
           "tensor of shape (8, 3), a float32 tensor of shape (8, 3)" in str(raised.value)
    assert model(batch).shape == (8, 2)


def test_validation_data_of_other_features_says_it_was_the_validation_data_that_failed():
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    other = (np.ones((4, 4), "float32"), y[:4])
    # arrays are compared before the first epoch: nothing trains (an epoch trained first)
    with pytest.raises(ValueError, match=r"validation_data: each example of x_val has shape "
                                         r"\(4,\) but each of x has \(3,\)") as raised:
        model.fit(x, y, epochs=2, verbose=0, validation_data=other)
    assert "test_mistakes_keras.py" in str(raised.value) and not model.built
    # a Dataset's elements are not read before: its evaluation says so after the epoch
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3") \
            as raised:
        model.fit(x, y, epochs=2, verbose=0,
                  validation_data=tf.data.Dataset.from_tensor_slices(other).batch(4))
    assert raised.value.__notes__ == ["raised by fit's evaluation of validation_data, after "
                                      "epoch 1 had trained on the training data"]
    assert "test_mistakes_keras.py" in str(raised.value)
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y)).history
    assert set(history) == {"loss", "val_loss"}


@pytest.mark.parametrize("call, steps", [("fit", "steps_per_epoch"), ("evaluate", "steps"),
                                         ("predict", "steps")])
def test_an_endless_dataset_without_steps_is_refused_instead_of_running_forever(call, steps):
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    pairs = tf.data.Dataset.from_tensor_slices((np.ones((8, 3), "float32"),
                                                np.ones((8, 1), "float32")))
    endless = pairs.repeat().batch(4)
    data = endless.map(lambda x, y: x) if call == "predict" else endless
    with pytest.raises(ValueError) as raised:
        getattr(model, call)(data, verbose=0)
    said = str(raised.value)
    assert said.startswith(f"{call}: When providing an infinite dataset, you must specify the "
                           f"number of steps to run")
    assert f"hint: {call}(ds, {steps}=N)" in said and "test_mistakes_keras.py" in said
    getattr(model, call)(data, verbose=0, **{steps: 2})   # given its steps, it ends


@pytest.mark.parametrize("callbacks, said, hint", [
    (tf.keras.callbacks.EarlyStopping, "expected callback objects; got the class EarlyStopping",
     "make one: callbacks=[EarlyStopping(...)]"),
    ([lambda epoch: None], "got the function <lambda>, which has no on_* hook",
     "for a function: tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: ...)"),
], ids=["a-class", "a-function"])
def test_a_callback_that_is_no_callback_object_is_refused_before_training(callbacks, said, hint):
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    with pytest.raises(TypeError) as raised:
        model.fit(x, y, epochs=2, verbose=0, callbacks=callbacks)
    assert said in str(raised.value) and f"hint: {hint}" in str(raised.value)
    assert "test_mistakes_keras.py" in str(raised.value) and not model.built
    ends = []
    model.fit(x, y, epochs=2, verbose=0, callbacks=[tf.keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: ends.append(epoch))])
    assert ends == [0, 1]


def test_early_stopping_on_keras_1s_val_acc_names_the_metric_fit_logs():
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.ones((8, 3), "float32"), np.zeros(8, "int32")
    with pytest.raises(ValueError) as raised:
        model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
                  callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_acc")])
    said = str(raised.value)
    assert "isn't able to automatically determine whether that metric" in said
    assert "hint: did you mean 'val_accuracy'? fit logs 'loss', 'accuracy', 'val_loss', " \
           "'val_accuracy'" in said and "test_mistakes_keras.py" in said
    history = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[
        tf.keras.callbacks.EarlyStopping(monitor="val_accuracy")]).history
    assert "val_accuracy" in history


def test_gradients_out_of_the_variables_order_are_named_so_and_nothing_is_updated():
    model = built_dense(units=1)
    optimizer = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(np.ones((2, 3), "float32")))
    grads = tape.gradient(loss, model.trainable_variables)
    before = model.get_weights()
    with pytest.raises(ValueError) as raised:
        optimizer.apply_gradients(zip(grads[::-1], model.trainable_variables))
    assert "hint: it has the shape of " in str(raised.value)
    assert "the gradients look out of the variables' order" in str(raised.value)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert int(optimizer.iterations) == 1


def test_a_dict_of_inputs_under_another_key_is_refused_not_paired_by_position():
    inputs = {"age": tf.keras.Input((3,), name="age")}
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(inputs["age"]))
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    before = model.get_weights()
    with pytest.raises(ValueError) as raised:
        model.fit({"height": x}, y, verbose=0)
    assert "Missing data for input 'age'. You passed a data dictionary with keys ['height']. " \
           "Expected the following keys: ['age']" in str(raised.value)
    assert "test_mistakes_keras.py" in str(raised.value)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    assert model({"age": x, "unused": x}).shape == (8, 1)
