"""An evaluation on the examples the model trained on: `model(train_x[:64])` reported as the
test accuracy. It measures how well the model remembers, not how it does on data it has not
seen, and overfitting hides behind it. Read from the recorded steps: the last step ran no
backward pass after steps that trained (an evaluation), and nearly all the examples its
first layer's op read (rows of its data, as bytes) were read by the first layer's op of the
training steps recorded, one whose output got a gradient. A correct program ends at its last
step, which trained, or at one comparison of rows.
"""
from __future__ import annotations

import numpy as np

from ..model_calls import called_at
from .findings import Finding
from .numerics import _where
from .op_index import WEIGHING, role

SHARE = 0.9   # of the evaluated examples seen in training: a split that leaks does not reach it
MIN_EXAMPLES = 8


def evaluated_on_training_data(steps) -> list:
    """A Finding when the last of `steps` is an evaluation whose examples are (SHARE or more)
    among those the recorded training steps trained on: judged call by call (each run of its
    first layer's op; `model(train_x)` then `model(test_x)` is one call of each), a call's
    followers at its line (`model.evaluate`'s batches) said with it."""
    if not steps or steps[-1].variable_gradients:
        return []
    trained = [step for step in steps[:-1] if step.variable_gradients]
    evaluation = _first_layer(steps[-1])
    if not trained or evaluation is None:
        return []
    shape = evaluation.inputs[0]._value.shape[1:]
    calls = [node for node in steps[-1].nodes if node.phase == "forward" and node.inputs
             and node.op is evaluation.op and node.scope == evaluation.scope
             and node.inputs[0]._value.shape[1:] == shape]
    read = []   # (step number, the examples its first layer read)
    for step in trained:
        layer = first_trained_layer(step)
        if layer is not None and layer.inputs[0]._value.shape[1:] == shape:
            read.append((step.number, set(_rows(layer))))
    seen = set().union(*(rows for _, rows in read))
    said, examples = [], []
    for call in calls:
        rows = _rows(call)
        if len(rows) < MIN_EXAMPLES or sum(row in seen for row in rows) < SHARE * len(rows):
            if said:
                break   # (the calls after it: another evaluation)
            continue
        if said and call.source != said[0].source:
            break
        said.append(call)
        examples += rows
    if not said:
        return []
    return [_finding(steps[-1], said, examples, seen, read)]


def _finding(step, calls: list, examples: list, seen: set, read: list) -> Finding:
    evaluation = calls[0]
    shared = sum(row in seen for row in examples)
    numbers = [number for number, rows in read if not rows.isdisjoint(examples)]
    steps_said = f"step {numbers[0]}" if len(numbers) == 1 else \
        f"steps {numbers[0]}-{numbers[-1]}"
    # the loop's `model(x)` that gave these examples, not a line of forward()
    called = called_at(evaluation.scope, evaluation.inputs[0]._value)
    where = f"of the model called at {_where(called)}" if called is not None else \
        f"at {_where(evaluation.source)}"
    batches = f" in {len(calls)} batches" if len(calls) > 1 else ""
    message = (f"step {step.number} evaluates the model (it computed no gradient) on "
               f"{len(examples)} examples{batches}, {shared} of which it trained on "
               f"({steps_said} read them), by {evaluation.op.name} {where}: a score "
               f"there measures how well the model remembers its training data, not how it "
               f"does on data it has not seen; if it is meant as the test score, fix: evaluate on "
               f"held-out data, split off before training (the test set)")
    return Finding("evaluated_on_training_data", message, evaluation, called)


def _first_layer(step):
    """The first layer's op (a matmul or conv) of `step`'s forward pass, or None."""
    return next((node for node in step.nodes if node.phase == "forward"
                 and role(node.op) in WEIGHING and node.inputs), None)


def first_trained_layer(step):
    """The first layer's op of `step` whose output got a gradient: what trained (a torch
    step also holds the forward passes run since the last one, an evaluation's)."""
    return next((rop.node for rop in step.ops if rop.phase == "forward"
                 and rop.grad is not None and role(rop.node.op) in WEIGHING
                 and rop.node.inputs), None)


def _rows(node) -> list:
    """The examples `node`'s data input holds, each as bytes (its first axis: the batch)."""
    value = np.ascontiguousarray(node.inputs[0]._value)
    if value.ndim < 2 or not value.size:   # (an empty batch: `test_x[1500:]` past its end)
        return []
    return [row.tobytes() for row in value.reshape(value.shape[0], -1)]
