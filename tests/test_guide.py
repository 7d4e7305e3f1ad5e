"""The TF 2 eager-execution guide's snippets, run with `import tapeviz as tf`."""
import numpy as np

import tapeviz as tf


def test_executing_eagerly():
    assert tf.executing_eagerly()


def test_hello_matmul(capsys):
    x = [[2.]]
    m = tf.matmul(x, x)
    print("hello, {}".format(m))
    assert capsys.readouterr().out == "hello, [[4.]]\n"


def test_print_int_constant(capsys):
    a = tf.constant([[1, 2],
                     [3, 4]])
    print(a)
    assert capsys.readouterr().out == \
        "tapeviz.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)\n"


def test_broadcasting_add(capsys):
    a = tf.constant([[1, 2], [3, 4]])
    b = tf.add(a, 1)
    print(b)
    assert capsys.readouterr().out == \
        "tapeviz.Tensor(\n[[2 3]\n [4 5]], shape=(2, 2), dtype=int32)\n"


def test_operator_overloading(capsys):
    a = tf.constant([[1, 2], [3, 4]])
    b = tf.add(a, 1)
    print(a * b)
    assert capsys.readouterr().out == \
        "tapeviz.Tensor(\n[[ 2  6]\n [12 20]], shape=(2, 2), dtype=int32)\n"


def test_numpy_multiply_returns_an_array(capsys):
    a = tf.constant([[1, 2], [3, 4]])
    b = tf.add(a, 1)
    c = np.multiply(a, b)
    print(c)
    assert type(c) is np.ndarray
    assert capsys.readouterr().out == "[[ 2  6]\n [12 20]]\n"


def test_numpy_value(capsys):
    a = tf.constant([[1, 2], [3, 4]])
    print(a.numpy())
    assert capsys.readouterr().out == "[[1 2]\n [3 4]]\n"
    assert a.numpy().dtype == np.int32


def fizzbuzz(max_num):
    counter = tf.constant(0)
    max_num = tf.convert_to_tensor(max_num)
    for num in range(1, max_num.numpy()+1):
        num = tf.constant(num)
        if int(num % 3) == 0 and int(num % 5) == 0:
            print('FizzBuzz')
        elif int(num % 3) == 0:
            print('Fizz')
        elif int(num % 5) == 0:
            print('Buzz')
        else:
            print(num.numpy())
        counter += 1
    return counter


def test_fizzbuzz(capsys):
    counter = fizzbuzz(15)
    expected = ["1", "2", "Fizz", "4", "Buzz", "Fizz", "7", "8", "Fizz", "Buzz", "11", "Fizz",
                "13", "14", "FizzBuzz"]
    assert capsys.readouterr().out.splitlines() == expected
    assert isinstance(counter, tf.Tensor) and counter.dtype == tf.int32
    assert int(counter) == 15


def test_gradient_tape_on_w_times_w():
    w = tf.Variable([[1.0]])
    with tf.GradientTape() as tape:
        loss = w * w
    grad = tape.gradient(loss, w)
    assert str(grad) == "tapeviz.Tensor([[2.]], shape=(1, 1), dtype=float32)"
    np.testing.assert_array_equal(grad.numpy(), [[2.0]])


def test_training_loop_with_gradient_tape():
    # the guide's linear model, trained with plain gradient descent on the tape's gradients
    rng = np.random.default_rng(0)
    inputs = tf.constant(rng.normal(size=[200]).astype(np.float32))
    noise = tf.constant(rng.normal(size=[200]).astype(np.float32) * 0.01)
    outputs = inputs * 3.0 + 2.0 + noise
    W, B = tf.Variable(5.0), tf.Variable(10.0)

    def loss():
        error = inputs * W + B - outputs
        return tf.reduce_mean(tf.square(error))

    start = float(loss())
    for _ in range(300):
        with tf.GradientTape() as tape:
            value = loss()
        dW, dB = tape.gradient(value, [W, B])
        W.assign_sub(dW * 0.1)
        B.assign_sub(dB * 0.1)
    assert float(loss()) < start / 1000
    assert abs(float(W) - 3.0) < 0.01 and abs(float(B) - 2.0) < 0.01
