"""trainable_weights reuses its last walk of a model (a training step asks twice) only while
nothing it depends on changed: each change below must show in the next answer."""
import tapeviz as tf


def _names(layer) -> list:
    return [v.name.split("/")[-1] + "@" + v.name.split("/")[0] for v in layer.trainable_weights]


class Blocks(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [tf.keras.layers.Dense(2, name="first")]
        self.by_name = {}

    def call(self, x):
        for block in self.blocks + list(self.by_name.values()):
            x = block(x)
        return x


def _built(model):
    model(tf.ones([1, 2]))
    return model


def test_a_sublayer_frozen_then_unfrozen():
    model = tf.keras.Sequential([tf.keras.layers.Dense(2), tf.keras.layers.Dense(1)])
    model(tf.ones([1, 3]))
    assert len(model.trainable_variables) == 4
    model.layers[0].trainable = False
    assert model.trainable_variables == model.layers[1].trainable_weights
    model.layers[0].trainable = True
    assert len(model.trainable_variables) == 4


def test_a_list_appended_to_replaced_in_and_a_dict_filled_in_place():
    # built first, so no layer attribute is assigned between the answers: only the
    # contents of the model's list and dict change
    second, third, fourth = (_built(tf.keras.layers.Dense(2, name=name))
                             for name in ("second", "third", "fourth"))
    model = _built(Blocks())
    assert _names(model) == ["kernel:0@first", "bias:0@first"]
    model.blocks.append(second)
    assert _names(model)[2:] == ["kernel:0@second", "bias:0@second"]
    model.blocks[0] = third
    assert _names(model)[:2] == ["kernel:0@third", "bias:0@third"]
    model.by_name["last"] = fourth
    assert _names(model)[-2:] == ["kernel:0@fourth", "bias:0@fourth"]


def test_an_attribute_deleted_and_a_variable_made_untrainable():
    layer = tf.keras.layers.Dense(2)
    layer(tf.ones([1, 2]))
    extra = tf.Variable(1.0, name="extra")
    layer.extras = [extra]
    assert layer.trainable_weights[-1] is extra
    extra.trainable = False
    assert all(v is not extra for v in layer.trainable_weights)
    extra.trainable = True
    assert layer.trainable_weights[-1] is extra
    del layer.extras
    assert [v.name for v in layer.trainable_weights] == [layer.kernel.name, layer.bias.name]


def test_a_weight_added_after_the_first_answer():
    model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    model(tf.ones([1, 3]))
    assert len(model.trainable_variables) == 2
    dense = model.layers[0]
    scale = dense.add_weight("scale", shape=(), initializer="ones")
    assert model.trainable_variables[-1] is scale
    model.add(tf.keras.layers.Dense(1))
    model(tf.ones([1, 3]))
    assert len(model.trainable_variables) == 5


def test_a_layer_with_its_own_tracking_is_asked_each_time():
    class Counting(tf.keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.count = 0

        @property
        def trainable_weights(self):
            self.__dict__["count"] += 1
            return []

    counting = Counting()
    model = tf.keras.Sequential([tf.keras.layers.Dense(2), counting])
    model(tf.ones([1, 3]))
    before = counting.count
    first, second = model.trainable_variables, model.trainable_variables
    assert counting.count == before + 2
    assert len(first) == len(second) == 2 and all(v.trainable for v in second)
