"""The TensorFlow tutorial "Custom training: walkthrough"
(tensorflow.org/tutorials/customization/custom_training_walkthrough), followed step by
step with the same API calls.

Written for tapeviz, not copied: only `import tapeviz as tf` would change to run it under
TensorFlow. One substitution: the tutorial downloads the processed penguins dataset through
tensorflow_datasets (not available offline); here the iris measurements that ship with
scikit-learn take its place, as in the tutorial's first (iris) edition: 150 flowers, four
features scaled to [0, 1] as the processed penguins' are, three species, shuffled once with
a fixed seed and split 20% test / 80% train into `tf.data.Dataset`s. The plots are drawn
with matplotlib, as in the tutorial.
"""
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris

import tapeviz as tf

# --- The dataset (stand-in for tfds.load("penguins/processed", split=[...]))
iris = load_iris()
order = np.random.RandomState(0).permutation(len(iris.target))
measurements = iris.data[order]
measurements = (measurements - measurements.min(axis=0)) / np.ptp(measurements, axis=0)
species = iris.target[order].astype(np.int64)
class_names = list(iris.target_names)

ds_all = tf.data.Dataset.from_tensor_slices((measurements.astype(np.float32), species))
test_size = len(species) // 5
ds_test = ds_all.take(test_size)
ds_train = ds_all.skip(test_size)
assert isinstance(ds_test, tf.data.Dataset)

ds_train_batch = ds_train.batch(32)
features, labels = next(iter(ds_train_batch))
print(features)
print(labels)

plt.scatter(features[:, 0], features[:, 2], c=labels, cmap='viridis')
plt.xlabel("Sepal length")
plt.ylabel("Petal length")
plt.show()

# --- The model: two hidden ReLU layers of 10, three logits
model = tf.keras.Sequential([
    tf.keras.layers.Dense(10, activation=tf.nn.relu, input_shape=(4,)),
    tf.keras.layers.Dense(10, activation=tf.nn.relu),
    tf.keras.layers.Dense(3)
])

predictions = model(features)
print(predictions[:5])
print(tf.nn.softmax(predictions[:5]))
print("Prediction: {}".format(tf.math.argmax(predictions, axis=1)))
print("    Labels: {}".format(labels))

# --- Loss and gradients
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def loss(model, x, y, training):
    y_ = model(x, training=training)
    return loss_object(y_true=y, y_pred=y_)


l = loss(model, features, labels, training=False)
print("Loss test: {}".format(l))


def grad(model, inputs, targets):
    with tf.GradientTape() as tape:
        loss_value = loss(model, inputs, targets, training=True)
    return loss_value, tape.gradient(loss_value, model.trainable_variables)


# --- One optimization step, reported
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

loss_value, grads = grad(model, features, labels)
first_step_losses = [loss_value.numpy()]
print("Step: {}, Initial Loss: {}".format(optimizer.iterations.numpy(),
                                          loss_value.numpy()))
optimizer.apply_gradients(zip(grads, model.trainable_variables))
first_step_losses.append(loss(model, features, labels, training=True).numpy())
print("Step: {},         Loss: {}".format(optimizer.iterations.numpy(), first_step_losses[1]))

# --- The training loop
train_loss_results = []
train_accuracy_results = []
num_epochs = 201

for epoch in range(num_epochs):
    epoch_loss_avg = tf.keras.metrics.Mean()
    epoch_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
    for x, y in ds_train_batch:
        loss_value, grads = grad(model, x, y)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        epoch_loss_avg.update_state(loss_value)
        epoch_accuracy.update_state(y, model(x, training=True))
    train_loss_results.append(epoch_loss_avg.result())
    train_accuracy_results.append(epoch_accuracy.result())
    if epoch % 50 == 0:
        print("Epoch {:03d}: Loss: {:.3f}, Accuracy: {:.3%}".format(epoch,
                                                                    epoch_loss_avg.result(),
                                                                    epoch_accuracy.result()))

fig, axes = plt.subplots(2, sharex=True, figsize=(12, 8))
fig.suptitle('Training Metrics')
axes[0].set_ylabel("Loss", fontsize=14)
axes[0].plot(train_loss_results)
axes[1].set_ylabel("Accuracy", fontsize=14)
axes[1].set_xlabel("Epoch", fontsize=14)
axes[1].plot(train_accuracy_results)
plt.show()

# --- Evaluation on the held-out fifth
test_accuracy = tf.keras.metrics.Accuracy()
ds_test_batch = ds_test.batch(10)
for (x, y) in ds_test_batch:
    logits = model(x, training=False)
    prediction = tf.math.argmax(logits, axis=1, output_type=tf.int64)
    test_accuracy(prediction, y)
print("Test set accuracy: {:.3%}".format(test_accuracy.result()))
last_batch = tf.stack([y, prediction], axis=1)
print(last_batch)

# --- Predictions for unlabeled examples
predict_dataset = tf.convert_to_tensor([
    [0.3, 0.8, 0.4, 0.5,],
    [0.4, 0.1, 0.8, 0.5,],
    [0.7, 0.9, 0.8, 0.4]
])
predictions = model(predict_dataset, training=False)
predicted_names = []
for i, logits in enumerate(predictions):
    class_idx = tf.math.argmax(logits).numpy()
    p = tf.nn.softmax(logits)[class_idx]
    name = class_names[class_idx]
    predicted_names.append(name)
    print("Example {} prediction: {} ({:4.1f}%)".format(i, name, 100*p))
