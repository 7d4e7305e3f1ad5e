"""The TensorFlow guide "Basic training loops" (tensorflow.org/guide/basic_training_loops),
followed step by step with the same API calls.

Written for tapeviz, not copied: only `import tapeviz as tf` would change to run it under
TensorFlow. The data is generated and the plots drawn with matplotlib, as in the guide.
Two calls follow
TensorFlow 2.21 (Keras 3) where the guide's text predates it: the loss is
`tf.keras.losses.MSE` (Keras 3 has no `tf.keras.losses.mean_squared_error`) and the weights
file is named `*.weights.h5` (Keras 3 refuses other names); `save_weights` writes into the
working directory.
"""
import matplotlib.pyplot as plt

import tapeviz as tf

colors = plt.rcParams['axes.prop_cycle'].by_key()['color']

# --- Data: points on a line, with noise
TRUE_W = 3.0
TRUE_B = 2.0
NUM_EXAMPLES = 201

x = tf.linspace(-2, 2, NUM_EXAMPLES)
x = tf.cast(x, tf.float32)


def f(x):
    return x * TRUE_W + TRUE_B


noise = tf.random.normal(shape=[NUM_EXAMPLES])
y = f(x) + noise

plt.plot(x, y, '.')
plt.show()


# --- The model: a tf.Module holding two variables
class MyModel(tf.Module):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)        # fixed starting values, as in the guide
        self.b = tf.Variable(0.0)

    def __call__(self, x):
        return self.w * x + self.b


model = MyModel()
print("Variables:", model.variables)
assert model(3.0).numpy() == 15.0


# --- The loss: mean squared error over the whole batch
def loss(target_y, predicted_y):
    return tf.reduce_mean(tf.square(target_y - predicted_y))


plt.plot(x, y, '.', label="Data")
plt.plot(x, f(x), label="Ground truth")
plt.plot(x, model(x), label="Predictions")
plt.legend()
plt.show()
initial_loss = loss(y, model(x)).numpy()
print("Current loss: %1.6f" % initial_loss)


# --- One step of gradient descent, by hand
def train(model, x, y, learning_rate):
    with tf.GradientTape() as t:
        current_loss = loss(y, model(x))
    dw, db = t.gradient(current_loss, [model.w, model.b])
    model.w.assign_sub(learning_rate * dw)
    model.b.assign_sub(learning_rate * db)


model = MyModel()
weights = []
biases = []
losses = []
epochs = range(10)


def report(model, loss):
    return f"W = {model.w.numpy():1.2f}, b = {model.b.numpy():1.2f}, loss={loss:2.5f}"


def training_loop(model, x, y):
    for epoch in epochs:
        train(model, x, y, learning_rate=0.1)
        weights.append(model.w.numpy())
        biases.append(model.b.numpy())
        current_loss = loss(y, model(x))
        losses.append(current_loss.numpy())
        print(f"Epoch {epoch:2d}:")
        print("    ", report(model, current_loss))


current_loss = loss(y, model(x))
print("Starting:")
print("    ", report(model, current_loss))
training_loop(model, x, y)

plt.plot(epochs, weights, label='Weights', color=colors[0])
plt.plot(epochs, [TRUE_W] * len(epochs), '--', label="True weight", color=colors[0])
plt.plot(epochs, biases, label='bias', color=colors[1])
plt.plot(epochs, [TRUE_B] * len(epochs), "--", label="True bias", color=colors[1])
plt.legend()
plt.show()

plt.plot(x, y, '.', label="Data")
plt.plot(x, f(x), label="Ground truth")
plt.plot(x, model(x), label="Predictions")
plt.legend()
plt.show()
final_loss = loss(model(x), y).numpy()
print("Current loss: %1.6f" % final_loss)


# --- The same model as a Keras model, trained by the same loop
class MyModelKeras(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def call(self, x):
        return self.w * x + self.b


keras_model = MyModelKeras()
training_loop(keras_model, x, y)
keras_loop_weights = (keras_model.w.numpy(), keras_model.b.numpy())
keras_model.save_weights("my_checkpoint.weights.h5")

# --- And trained by Keras's own fit, one batch of everything per epoch
keras_model = MyModelKeras()
keras_model.compile(
    run_eagerly=False,
    optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),
    loss=tf.keras.losses.MSE,
)
print(x.shape[0])
history = keras_model.fit(x, y, epochs=10, batch_size=1000)
fit_weights = (keras_model.w.numpy(), keras_model.b.numpy())
