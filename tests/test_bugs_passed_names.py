"""A loop's batch is drawn by the name the loop passed the model, on every pass: the guide's
subclassed model runs its ops at lines of its call() (`x = self.conv1(x)`), so the graph's
data box said 'x' on the first pass (the call()'s name, which the loop never wrote) and
'input' on the others (`x` is reassigned in call()); labels given to the loss said 'input'
(the `logits` the loss also reads came from no op's line). Now 'images' and 'labels' on
every pass, as the Sequential model's boxes say. The torch twin:
tests/pytorch/test_bugs_passed_names_torch.py."""
import numpy as np

import tapeviz as tf
from tapeviz.viz import TapeWidget


class GuideCNN(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.conv1 = tf.keras.layers.Conv2D(4, 3, activation="relu")
        self.d1 = tf.keras.layers.Dense(10)

    def call(self, x):
        x = self.conv1(x)
        x = tf.reduce_mean(x, axis=[1, 2])
        return self.d1(x)


def data_boxes(model) -> list:
    rng = np.random.default_rng(0)
    batches = [(rng.random((4, 8, 8, 1), np.float32), np.arange(4)) for _ in range(3)]
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape(persistent=True) as tape:
        for images, labels in batches:
            logits = model(images, training=True)
            loss_object(labels, logits)
    widget = TapeWidget(tape)
    return [node.label for node in widget.graph.nodes.values() if node.kind == "constant"]


def test_a_subclassed_models_batch_is_drawn_as_the_loop_passed_it_on_every_pass():
    tf.random.set_seed(0)
    # was ['x', 'input', 'input', 'input', 'input', 'input']
    assert data_boxes(GuideCNN()) == ["images", "labels"] * 3


def test_a_sequential_models_boxes_stay_as_they_were():
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Conv2D(4, 3, activation="relu"),
                                 tf.keras.layers.GlobalAveragePooling2D(),
                                 tf.keras.layers.Dense(10)])
    assert data_boxes(model) == ["images", "labels"] * 3


def test_a_tensor_the_models_own_code_adds_later_is_not_named_by_the_loops_batch():
    """Only the first op of the model's call reads what the loop passed it."""
    class Noisy(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = tf.keras.layers.Dense(3)

        def call(self, x):
            return self.d1(x) + np.full((4, 3), 0.5, np.float32)

    model = Noisy()
    images = np.ones((4, 5), np.float32)
    with tf.GradientTape() as tape:
        model(images)
    widget = TapeWidget(tape)
    assert [n.label for n in widget.graph.nodes.values() if n.kind == "constant"] == \
        ["images", "np.full((4, 3), 0.5, np.float32)"]
