"""The TF2 eager guide's MNIST CNN and custom training loop, run on tapeviz.

Conv2D(16, 3x3, relu) -> Conv2D(16, 3x3, relu) -> GlobalAveragePooling2D -> Dense(10),
Adam, SparseCategoricalCrossentropy(from_logits=True), shuffle(1000).batch(32), 3 epochs.
Only the import changed from the guide's code. Without --mnist it trains offline on
scikit-learn's bundled 8x8 handwritten digits (1,797 real images; the model's
input_shape=(None, None, 1) takes any image size) for 30 epochs: the guide's 3 epochs
over 60,000 MNIST images are ~5,600 steps, 3 epochs over 1,438 digits only 132.

Run: python examples/mnist.py [--mnist mnist.npz | --mnist FOLDER_WITH_IDX_FILES]
"""
import argparse
import time

import numpy as np

import tapeviz as tf
from tapeviz.datasets import load_digits


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", help="mnist.npz or a folder of MNIST IDX files "
                                        "(default: scikit-learn's 8x8 digits, offline)")
    parser.add_argument("--epochs", type=int,
                        help="default: 3 on MNIST (the guide's), 30 on the small digits set")
    parser.add_argument("--plot", default="mnist_loss.png", help="where to save the plot")
    return parser.parse_args(argv)


def load(args):
    if args.mnist:
        print(f"Data: MNIST from {args.mnist}")
        (x, y), test = tf.keras.datasets.mnist.load_data(path=args.mnist)
    else:
        print("Data: scikit-learn's 8x8 handwritten digits (offline); pass --mnist for MNIST")
        (x, y), test = load_digits()
    # the guide asserts full batches of 32 (MNIST's 60,000 divide evenly): keep that true
    keep = len(x) // 32 * 32
    return (x[:keep], y[:keep]), test


def main(argv=None):
    args = parse_args(argv)
    tf.random.set_seed(0)
    (mnist_images, mnist_labels), (test_images, test_labels) = load(args)

    dataset = tf.data.Dataset.from_tensor_slices(
        (tf.cast(mnist_images[..., tf.newaxis] / 255, tf.float32),
         tf.cast(mnist_labels, tf.int64)))
    dataset = dataset.shuffle(1000).batch(32)

    mnist_model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu', input_shape=(None, None, 1)),
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu'),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10)
    ])
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss_history = []

    def train_step(images, labels):
        with tf.GradientTape() as tape:
            logits = mnist_model(images, training=True)
            # Add asserts to check the shape of the output.
            tf.debugging.assert_equal(logits.shape, (32, 10))
            loss_value = loss_object(labels, logits)
        loss_history.append(loss_value.numpy().mean())
        grads = tape.gradient(loss_value, mnist_model.trainable_variables)
        optimizer.apply_gradients(zip(grads, mnist_model.trainable_variables))

    def train(epochs):
        steps = len(dataset)
        for epoch in range(epochs):
            progress = tf.keras.utils.Progbar(steps, stateful_metrics=["loss"])
            start = time.time()
            for (batch, (images, labels)) in enumerate(dataset):
                train_step(images, labels)
                progress.update(batch + 1, values=[("loss", loss_history[-1])])
            epoch_loss = np.mean(loss_history[-steps:])
            print('Epoch {} finished: mean loss {:.4f} ({:.1f} s)'.format(
                epoch, epoch_loss, time.time() - start))

    epochs = args.epochs or (3 if args.mnist else 30)
    print(f"Training for {epochs} epochs of {len(dataset)} batches")
    train(epochs=epochs)

    test_logits = mnist_model(tf.cast(test_images[..., tf.newaxis] / 255, tf.float32))
    accuracy = float(np.mean(np.argmax(test_logits.numpy(), axis=1) == test_labels))
    print(f"Test accuracy: {accuracy:.4f} on {len(test_labels)} held-out images "
          f"(chance: 0.10)")

    import matplotlib
    matplotlib.use("Agg")  # write a file; no display needed
    import matplotlib.pyplot as plt
    plt.plot(loss_history)
    plt.xlabel('Batch #')
    plt.ylabel('Loss [entropy]')
    plt.savefig(args.plot)
    print(f"Plot saved to {args.plot}")
    return loss_history, accuracy


if __name__ == "__main__":
    main()
