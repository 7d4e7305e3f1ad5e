"""`python -m tapeviz`: what is installed, a tape recorded and differentiated to show it
works, and where to go next (`--help` lists the options)."""
from __future__ import annotations

import argparse
import importlib.util
import sys

import numpy as np

import tapeviz as tf

WHERE_NEXT = """\
Where to go next:
  import tapeviz as tf                 TF2 eager code: tf.GradientTape, tf.keras, tf.data, ...
  tf.debugger.break_on(op="matmul")    stop in pdb/ipdb at your line when an op runs
  tf.debugger.find_nan_origin(tape)    where a NaN was born; why_none(tape, loss, w): why no grad
  tf.debugger.Recorder()               every op of each training step, to travel back through
  %load_ext tapeviz                    in Jupyter: %%tapeviz draws a cell's tape as a widget,
                                       %tapeviz_train trains with a live dashboard
  import tapeviz.torch as tvt          PyTorch loops: tvt.record(), the same debugger and widget
  Examples and notebooks: examples/ and notebooks/ in the source repository
  (tape_demo.py, regression.py, mnist.py; python examples/demo.py opens the notebooks)."""

# what each optional part needs (a module it imports), and the extra that brings it
PARTS = [("the Jupyter widgets and magics", "anywidget", "jupyter"),
         ("the examples' data and plots", "sklearn", "demo"),
         ("the PyTorch adapter, tapeviz.torch", "torch", "torch")]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tapeviz", description=__doc__.split("(`--help`")[0].strip(),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--svg", metavar="FILE",
                        help="also draw the tape as an SVG picture in FILE (needs Graphviz: "
                             'pip install "tapeviz[jupyter]")')
    return parser.parse_args(argv)


def record_a_tape():
    """A one-layer network's loss under a tape, and its gradients: the install works."""
    w = tf.Variable([[0.5, -1.0], [2.0, 0.25]], name="w")
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2)
    nodes = list(tape.nodes)
    return tape, nodes, loss, tape.gradient(loss, w)


def main(argv=None) -> int:
    args = parse_args(argv)
    print(f"tapeviz {tf.__version__} (Python {sys.version.split()[0]})")
    from .viz.render import PIP_HINT, find_layout_binary   # no widget imported
    for what, module, extra in PARTS:
        found = importlib.util.find_spec(module) is not None
        print(f"  {what}: " + ("installed" if found else f'pip install "tapeviz[{extra}]"'))
    graphviz = find_layout_binary()
    print("  Graphviz, to draw graphs: " + (graphviz or f"not found; {PIP_HINT}"))
    tape, nodes, loss, grad = record_a_tape()
    print(f"\nA tape of {len(nodes)} ops, loss = {loss.numpy():.4f}:")
    for index, node in enumerate(nodes):
        shapes = ", ".join(str(list(t.shape)) for t in node.inputs)
        print(f"  op {index + 1} {node.op.name}({shapes}) -> {list(node.output.shape)}")
    print(f"d loss / d w = {np.round(grad.numpy().astype(float), 4).tolist()}\n")
    if args.svg:
        from .viz.export import to_svg
        with open(args.svg, "w", encoding="utf-8") as out:
            out.write(to_svg(nodes))
        print(f"The tape drawn: {args.svg}\n")
    print(WHERE_NEXT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
