"""The CS20 lecture's per-example linear regression (Lecture 04, eager), run on tapeviz.

Birth rate -> life expectancy, one example at a time, with the Huber loss written with
Python control flow, `tfe.implicit_value_and_gradients` and
`tf.train.GradientDescentOptimizer(0.01)`, for 100 epochs. Only the import changed
from the lecture's code. Without --data it runs on a generated, clearly labelled
synthetic stand-in for the lecture's file (no network needed).

The lecture's published figures (w = -6.07, b = 84.93, mean loss 30.04) come from the
squared loss at learning rate 0.001 on the real file:

    python examples/regression.py --data birth_life_2010.txt --loss squared --learning-rate 0.001

Run: python examples/regression.py [--data birth_life_2010.txt] [--loss huber|squared]
"""
import argparse
import time

import tapeviz as tf
import tapeviz.contrib.eager as tfe
from tapeviz.datasets import load_birth_life, synthetic_birth_life


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="The lecture's published figures: --data birth_life_2010.txt --loss squared "
               "--learning-rate 0.001",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", help="the lecture's birth_life_2010.txt; None: a synthetic "
                                       "stand-in")
    parser.add_argument("--loss", choices=["huber", "squared"], default="huber",
                        help="the lecture's code uses huber, its figures squared")
    parser.add_argument("--learning-rate", type=float, default=0.01,
                        help="the lecture's code uses 0.01, its figures 0.001")
    parser.add_argument("--epochs", type=int, default=100, help="passes over the data")
    parser.add_argument("--plot", default="regression.png", help="where to save the plot")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    tfe.enable_eager_execution()

    # Read the data into a dataset.
    if args.data:
        data, n_samples = load_birth_life(args.data)
        print(f"Data: {args.data} ({n_samples} countries)")
    else:
        data, n_samples = synthetic_birth_life()
        print(f"Data: SYNTHETIC stand-in for birth_life_2010.txt ({n_samples} rows); "
              f"pass --data for the real file")
    dataset = tf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1]))

    # Create variables.
    w = tfe.Variable(0.0)
    b = tfe.Variable(0.0)

    # Define the linear predictor.
    def prediction(x):
        return x * w + b

    # Define loss functions of the form: L(y, y_predicted)
    def squared_loss(y, y_predicted):
        return (y - y_predicted) ** 2

    def huber_loss(y, y_predicted, m=1.0):
        """Huber loss."""
        t = y - y_predicted
        # Eager execution lets you use Python control flow instead of tf.cond.
        return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)

    def train(loss_fn):
        """Train a regression model evaluated using `loss_fn`."""
        print('Training; loss function: ' + loss_fn.__name__)
        optimizer = tf.train.GradientDescentOptimizer(learning_rate=args.learning_rate)

        # Define the function through which to differentiate.
        def loss_for_example(x, y):
            return loss_fn(y, prediction(x))

        # `grad_fn(x_i, y_i)` returns (1) the value of `loss_for_example` evaluated at
        # `x_i`, `y_i` and (2) the gradients of any variables used in calculating it.
        grad_fn = tfe.implicit_value_and_gradients(loss_for_example)

        start = time.time()
        for epoch in range(args.epochs):
            total_loss = 0.0
            for x_i, y_i in tfe.Iterator(dataset):
                loss, gradients = grad_fn(x_i, y_i)
                # Take an optimization step and update variables.
                optimizer.apply_gradients(gradients)
                total_loss += loss
            if epoch % 10 == 0:
                print('Epoch {0}: {1}'.format(epoch, total_loss / n_samples))
        print('Took: %f seconds' % (time.time() - start))
        return float(total_loss / n_samples)

    mean_loss = train(huber_loss if args.loss == "huber" else squared_loss)
    print(f"w = {w.numpy():.4f}, b = {b.numpy():.4f}, mean loss of the last epoch {mean_loss:.4f}")

    import matplotlib
    matplotlib.use("Agg")  # write a file; no display needed
    import matplotlib.pyplot as plt
    plt.plot(data[:, 0], data[:, 1], 'bo')
    plt.plot(data[:, 0], data[:, 0] * w.numpy() + b.numpy(), 'r',
             label=f"{args.loss} regression")
    plt.xlabel("birth rate (births per woman)")
    plt.ylabel("life expectancy (years)")
    plt.title("synthetic stand-in data" if not args.data else "World Bank 2010")
    plt.legend()
    plt.savefig(args.plot)
    print(f"Plot saved to {args.plot}")
    return w.numpy(), b.numpy(), mean_loss


if __name__ == "__main__":
    main()
