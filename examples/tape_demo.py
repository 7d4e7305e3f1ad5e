"""Build a tape, print what it recorded and the gradients it gives.

A two-layer computation (matmul, add, tanh, a mean squared error) under a GradientTape:
each recorded op with its input shapes and the user line that ran it, then the backward
pass one vector-Jacobian product at a time, then the gradients. Offline, no options.

Run: python examples/tape_demo.py
"""
import argparse

import tapeviz as tf


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
    for index, node in enumerate(tape.nodes):
        inputs = ", ".join(str(t.shape) for t in node.inputs)
        print(f"  #{index:<2} {node.op.name:<12} ({inputs}) -> {node.output.shape}"
              f"   line {node.source.lineno}: {node.source.line}")

    print("\nbackward, one VJP per step:")
    for step in tape.backward(loss, [w, b]):
        grads = ", ".join("-" if g is None else str(g.shape) for g in step.input_grads)
        print(f"  step at #{step.index:<2} {step.node.op.name:<12} upstream "
              f"{step.upstream.shape} -> input grads ({grads})")

    grad_w, grad_b = tape.gradient(loss, [w, b])
    print(f"\nd loss / d {w.name} =\n{grad_w.numpy()}")
    print(f"d loss / d {b.name} = {grad_b.numpy()}")


if __name__ == "__main__":
    main()
