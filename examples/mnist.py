"""The TF2 eager guide's MNIST CNN and custom training loop, run on tapeviz.

Conv2D(16, 3x3, relu) -> Conv2D(16, 3x3, relu) -> GlobalAveragePooling2D -> Dense(10),
Adam, SparseCategoricalCrossentropy(from_logits=True), shuffle(1000).batch(32), 3 epochs.
Only the import changed from the guide's code. Without --mnist it trains offline on
scikit-learn's bundled 8x8 handwritten digits (1,797 real images; the model's
input_shape=(None, None, 1) takes any image size) for 30 epochs: the guide's 3 epochs
over 60,000 MNIST images are ~5,600 steps, 3 epochs over 1,438 digits only 132.

A folder that holds only one MNIST split (say the 10,000 t10k test images) is split in
two, 80% to train on and 20% to test on, and the program says so.

Run: python examples/mnist.py [--mnist mnist.npz | --mnist FOLDER_WITH_IDX_FILES]
"""
import argparse
import pathlib
import time

import numpy as np

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.keras.datasets.mnist import load_idx_folder

TRAIN_SHARE = 0.8   # of a lone split, when a folder holds only one


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--mnist", help="mnist.npz or a folder of MNIST IDX files; None: "
                                        "scikit-learn's 8x8 digits, offline")
    parser.add_argument("--epochs", type=int,
                        help="None: 3 on MNIST (the guide's), 30 on the small digits set")
    parser.add_argument("--plot", default="mnist_loss.png", help="where to save the plot")
    return parser.parse_args(argv)


def load(args):
    if args.mnist and pathlib.Path(args.mnist).expanduser().is_dir():
        (x, y), test = load_folder(args.mnist)
    elif args.mnist:
        print(f"Data: MNIST from {args.mnist}")
        (x, y), test = tf.keras.datasets.mnist.load_data(path=args.mnist)
    else:
        print("Data: scikit-learn's 8x8 handwritten digits (offline); pass --mnist for MNIST")
        (x, y), test = load_digits()
    # the guide asserts full batches of 32 (MNIST's 60,000 divide evenly): keep that true
    keep = len(x) // 32 * 32
    return (x[:keep], y[:keep]), test


def load_folder(folder):
    """MNIST's train and test splits from a folder of IDX files; a lone split is shuffled
    (seed 0) and split TRAIN_SHARE : the rest, saying so."""
    splits = load_idx_folder(folder)
    if len(splits) == 2:
        print(f"Data: MNIST from {folder}")
        return splits["train"], splits["test"]
    [(name, (x, y))] = splits.items()
    order = np.random.default_rng(0).permutation(len(x))
    cut = int(len(x) * TRAIN_SHARE)
    train, test = order[:cut], order[cut:]
    print(f"Data: {folder} holds only MNIST's {name} split ({len(x):,} images): training on "
          f"{len(train):,} of them and testing on the other {len(test):,}")
    return (x[train], y[train]), (x[test], y[test])


def evaluate(model, images, labels, batch_size=500) -> float:
    """Accuracy of `model` on `images`, a batch at a time with a progress bar."""
    progress = tf.keras.utils.Progbar(len(images))
    right = 0
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size]
        logits = model(tf.cast(batch[..., tf.newaxis] / 255, tf.float32))
        right += int(np.sum(np.argmax(logits.numpy(), axis=1) == labels[start:start + batch_size]))
        progress.update(start + len(batch))
    return right / len(images)


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

    print(f"Evaluating on {len(test_labels)} held-out images")
    accuracy = evaluate(mnist_model, test_images, test_labels)
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
