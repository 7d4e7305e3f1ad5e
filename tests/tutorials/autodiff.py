"""The TensorFlow guide "Introduction to gradients and automatic differentiation"
(tensorflow.org/guide/autodiff), followed section by section with the same API calls.

Written for tapeviz, not copied: only `import tapeviz as tf` would change to run it under
TensorFlow. Its plot is drawn with matplotlib, as in the guide. The guide's section on an op
with no registered gradient is left out (it uses `tf.image.adjust_contrast`, outside the
covered surface).
The values a reader sees are printed; tests/test_tutorials.py reads them and the globals.
"""
import matplotlib.pyplot as plt
import numpy as np

import tapeviz as tf

# --- Gradient tapes: a scalar variable
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = x**2
dy_dx = tape.gradient(y, x)              # 2x at 3.0
print("dy/dx:", dy_dx.numpy())

# --- Tensors of any shape; sources as a list, then as a dict
w = tf.Variable(tf.random.normal((3, 2)), name='w')
b = tf.Variable(tf.zeros(2, dtype=tf.float32), name='b')
x = [[1., 2., 3.]]
with tf.GradientTape(persistent=True) as tape:
    y = x @ w + b
    loss = tf.reduce_mean(y**2)
[dl_dw, dl_db] = tape.gradient(loss, [w, b])
print(w.shape)
print(dl_dw.shape)
my_vars = {'w': w, 'b': b}
grad_dict = tape.gradient(loss, my_vars)
print("grad['b']:", grad_dict['b'].numpy())

# --- Gradients with respect to a Keras layer's variables
layer = tf.keras.layers.Dense(2, activation='relu')
x = tf.constant([[1., 2., 3.]])
with tf.GradientTape() as tape:
    y = layer(x)
    loss = tf.reduce_mean(y**2)
layer_grads = tape.gradient(loss, layer.trainable_variables)
for var, g in zip(layer.trainable_variables, layer_grads):
    print(f'{var.name}, shape: {g.shape}')

# --- What the tape watches: trainable variables only, unless told otherwise
x0 = tf.Variable(3.0, name='x0')
x1 = tf.Variable(3.0, name='x1', trainable=False)
x2 = tf.Variable(2.0, name='x2') + 1.0       # a variable plus a tensor is a tensor
x3 = tf.constant(3.0, name='x3')
with tf.GradientTape() as tape:
    y = (x0**2) + (x1**2) + (x2**2)
watch_grads = tape.gradient(y, [x0, x1, x2, x3])
for g in watch_grads:
    print(g)
watched_names = [var.name for var in tape.watched_variables()]
print(watched_names)

x = tf.constant(3.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x**2
dy_dx_watched = tape.gradient(y, x)
print(dy_dx_watched.numpy())

x0 = tf.Variable(0.0)
x1 = tf.Variable(10.0)
with tf.GradientTape(watch_accessed_variables=False) as tape:
    tape.watch(x1)
    y0 = tf.math.sin(x0)
    y1 = tf.nn.softplus(x1)
    y = y0 + y1
    ys = tf.reduce_sum(y)
softplus_grads = tape.gradient(ys, {'x0': x0, 'x1': x1})
print('dy/dx0:', softplus_grads['x0'])
print('dy/dx1:', softplus_grads['x1'].numpy())   # sigmoid(10)

# --- Intermediate results, and a persistent tape asked twice
x = tf.constant(3.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * x
    z = y * y
dz_dy = tape.gradient(z, y).numpy()          # 2y with y = 9
print(dz_dy)

x = tf.constant([1, 3.0])
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    y = x * x
    z = y * y
dz_dx_persistent = tape.gradient(z, x).numpy()     # 4x**3
dy_dx_persistent = tape.gradient(y, x).numpy()     # 2x
print(dz_dx_persistent)
print(dy_dx_persistent)
del tape

# --- Non-scalar targets: the gradient of their sum
x = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as tape:
    y0 = x**2
    y1 = 1 / x
separate = [tape.gradient(y0, x).numpy(), tape.gradient(y1, x).numpy()]
print(*separate, sep="\n")

x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y0 = x**2
    y1 = 1 / x
summed = tape.gradient({'y0': y0, 'y1': y1}, x).numpy()
print(summed)

x = tf.Variable(2.)
with tf.GradientTape() as tape:
    y = x * [3., 4.]
vector_target = tape.gradient(y, x).numpy()
print(vector_target)

x = tf.linspace(-10.0, 10.0, 200+1)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.nn.sigmoid(x)
sigmoid_grad = tape.gradient(y, x)
sigmoid_curve = y
plt.plot(x, y, label='y')
plt.plot(x, sigmoid_grad, label='dy/dx')
plt.legend()
_ = plt.xlabel('x')

# --- Control flow: only the branch taken is recorded
x = tf.constant(1.0)
v0 = tf.Variable(2.0)
v1 = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    if x > 0.0:
        result = v0
    else:
        result = v1**2
dv0, dv1 = tape.gradient(result, [v0, v1])
print(dv0)
print(dv1)
dx_control = tape.gradient(result, x)
print(dx_control)

# --- Cases where gradient returns None
x = tf.Variable(2.)
y = tf.Variable(3.)
with tf.GradientTape() as tape:
    z = y * y
unconnected = tape.gradient(z, x)
print(unconnected)

x = tf.Variable(2.0)
replaced = []                                # a variable replaced by a tensor
for _epoch in range(2):
    with tf.GradientTape() as tape:
        y = x+1
    replaced.append((type(x).__name__, tape.gradient(y, x)))
    print(*replaced[-1], sep=" : ")
    x = x + 1   # the guide's point: x.assign_add(1) would keep the variable

x = tf.Variable([[1.0, 2.0],
                 [3.0, 4.0]], dtype=tf.float32)
with tf.GradientTape() as tape:
    x2 = x**2
    y = np.mean(x2, axis=0)                  # numpy: the tape loses the path here
    y = tf.reduce_mean(y, axis=0)
through_numpy = tape.gradient(y, x)
print(through_numpy)

x = tf.constant(10)
with tf.GradientTape() as g:
    g.watch(x)
    y = x * x
through_int = g.gradient(y, x)
print(through_int)

x0 = tf.Variable(3.0)
x1 = tf.Variable(0.0)
with tf.GradientTape() as tape:
    x1.assign_add(x0)                        # state: the tape starts from x1's new value
    y = x1**2
through_state = tape.gradient(y, x0)
print(through_state)

# --- Zeros instead of None
x = tf.Variable([2., 2.])
y = tf.Variable(3.)
with tf.GradientTape() as tape:
    z = y**2
zeros_instead = tape.gradient(z, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
print(zeros_instead)
