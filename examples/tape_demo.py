"""Build a tape, print what it recorded and the gradients it gives.

A two-layer computation (matmul, add, tanh, a mean squared error) under a GradientTape:
each recorded op with its input shapes and the user line that ran it, then the backward
pass one op's gradient at a time (as the widget's Step button takes it), then the
gradients. Offline, no options.

Run: python examples/tape_demo.py
"""
import argparse

import tapeviz as tf
from tapeviz.backward import stepped_through


def main(argv=None):
    argparse.ArgumentParser(description=__doc__.split("\n\nRun:")[0]).parse_args(argv)
    w = tf.Variable([[0.5, -1.0], [2.0, 0.25]], name="w")
    b = tf.Variable([0.1, -0.2], name="b")
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])

    with tf.GradientTape() as tape:
        h = tf.matmul(x, w) + b
        y = tf.tanh(h)
        loss = tf.reduce_mean(tf.square(y - 0.5))

    print(f"loss = {loss.numpy():.6f}\n")
    print(f"the tape recorded {len(tape.nodes)} ops:")
    shapes = [f"({', '.join(str(t.shape) for t in node.inputs)}) -> {node.output.shape}"
              for node in tape.nodes]
    width = max(map(len, shapes))   # the lines in one column
    for index, (node, shape) in enumerate(zip(tape.nodes, shapes)):
        print(f"  op {index + 1:<2} {node.op.name:<12} {shape:<{width}}"
              f"   line {node.source.lineno}: {node.source.line}")

    print("\nbackward, one op's gradient per step (last op first):")
    for step in tape.backward(loss, [w, b]):
        grads = ", ".join("none flows" if g is None else str(g.shape)
                          for g in step.input_grads)
        upstream = str(step.upstream.shape)
        print(f"  stepped through {stepped_through(step):<30} upstream {upstream:<6}"
              f" -> grad of each input: {grads}")

    grad_w, grad_b = tape.gradient(loss, [w, b])
    print(f"\nd loss / d {w.name} =\n{grad_w.numpy()}")
    print(f"d loss / d {b.name} = {grad_b.numpy()}")


if __name__ == "__main__":
    main()
