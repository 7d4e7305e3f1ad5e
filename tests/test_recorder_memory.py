"""The Recorder's byte count against what it really holds: object by object for a small
recording, and against the process's resident memory for a long one."""
from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
import types
import weakref

import numpy as np

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.debugger.footprint import allocated
from tapeviz.debugger.recorded_op import KeptBytes
from tapeviz.node import Node
from tapeviz.ops.registry import Op
from tapeviz.sourceinfo import SourceInfo
from tapeviz.variable import Variable

LEAVES_SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, str,
                 Op, SourceInfo, Variable, Recorder, KeptBytes)


def held_objects(step, shared_ids: set) -> list:
    """Every object reachable from `step` but the shared ones: not the ops, source lines,
    strings, variables or the recorder, and none of `shared_ids`."""
    found, stack = {}, [step]
    while stack:
        obj = stack.pop()
        if id(obj) in found or id(obj) in shared_ids or isinstance(obj, LEAVES_SHARED):
            continue
        found[id(obj)] = obj
        stack.extend(gc.get_referents(obj))
    return list(found.values())


def held_bytes(objects) -> int:
    return sum(allocated(sys.getsizeof(obj)) for obj in objects)


def test_the_count_of_a_small_recording_covers_every_object_it_holds():
    x = tf.constant(np.ones(1000, np.float64))   # made before, but the step keeps it too
    shared = {id(None), id(True), id(False)}
    with Recorder() as rec:
        y = x + 1.0
        _ = y * y
    step = rec.last_step
    before_look = held_objects(step, shared)
    arrays = [obj for obj in before_look if isinstance(obj, np.ndarray)]
    assert sorted(array.nbytes for array in arrays) == [8000] * 3   # x, y and y * y
    assert any(isinstance(obj, np.float64) for obj in before_look)     # the constant 1.0
    counted = step.nbytes
    assert held_bytes(before_look) <= counted <= 1.25 * held_bytes(before_look)
    assert rec.nbytes == counted

    # final and held by nothing else, the step keeps its ops as columns: no node, and of the
    # tensors only those from outside the step (x and the constant 1.0), not y or y * y
    assert not any(isinstance(obj, Node) for obj in before_look)
    tensors = [obj for obj in before_look if isinstance(obj, tf.Tensor)]
    assert len(tensors) == 2 and any(t is x for t in tensors) and not any(t is y for t in tensors)
    ops = step.ops                      # the nodes are made again, and the records, now
    after_look = held_objects(step, shared)
    held_ids = {id(obj) for obj in after_look}
    assert all(id(rop) in held_ids and id(rop.node) in held_ids for rop in ops)
    assert held_bytes(after_look) <= step.nbytes <= 1.25 * held_bytes(after_look)
    assert step.nbytes != counted and rec.nbytes == step.nbytes  # the recorder was told


def test_a_recorder_let_go_frees_what_it_held_at_once():
    """No reference cycle through the steps: the memory goes back without the cycle collector."""
    w = tf.Variable(np.ones(1000, np.float32))
    gc.disable()
    try:
        with Recorder() as rec:
            for _ in range(3):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(w * w)
                w.assign_sub(0.01 * tape.gradient(loss, w))
        assert len(rec) == 3 and rec.last_step.ops   # records made, so counted in the recorder
        output = weakref.ref(rec.last_step.ops[0].node.output)
        recorder = weakref.ref(rec)
        del rec, loss, tape
        assert recorder() is None and output() is None
    finally:
        gc.enable()


def test_a_count_grows_with_the_arrays_it_holds_each_once():
    x = tf.constant(np.ones(1000, np.float64))
    with Recorder() as rec:
        y = x + 1.0
        _ = y * y          # y is the second op's input twice and the first one's output
    with Recorder() as alone:
        _ = x + 1.0
    assert 8000 < rec.last_step.nbytes - alone.last_step.nbytes < 8000 + 2000


LONG_RECORDING = textwrap.dedent("""
    import gc, json, warnings
    import psutil
    import tapeviz as tf
    from tapeviz.datasets import synthetic_birth_life
    from tapeviz.debugger import Recorder

    data, n = synthetic_birth_life()
    examples = [(tf.constant(x), tf.constant(y)) for x, y in data]
    w, b = tf.Variable(0.0), tf.Variable(0.0)

    def huber_loss(y, y_predicted, m=1.0):
        t = y - y_predicted
        return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)

    def step(i):
        x, y = examples[i % n]
        with tf.GradientTape() as tape:
            loss = huber_loss(y, x * w + b)
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(0.001 * dw)
        b.assign_sub(0.001 * db)

    for i in range(200):
        step(i)
    process = psutil.Process()
    gc.collect()
    before = process.memory_info().rss
    warnings.simplefilter("ignore")
    with Recorder(max_bytes=BUDGET) as rec:
        for i in range(STEPS):
            step(i)
    gc.collect()
    noted = process.memory_info().rss - before   # the steps as the recording left them
    counted = rec.nbytes   # (a look: every step made)
    gc.collect()
    print(json.dumps({"noted": noted, "grown": process.memory_info().rss - before,
                      "counted": counted, "dropped": rec.dropped.steps, "kept": len(rec)}))
""")


def test_a_long_recording_grows_the_process_by_what_it_counts_and_within_budget(tmp_path):
    """The lecture's per-example loop, 6,000 steps at an 8 MiB budget (about 2,400 steps
    fit, each kept as the inputs its program read from outside: program.py), in a fresh
    process: resident memory grows by at most 1.1x the count, before a look (the steps
    only noted: noted.py) and after one (every step made)."""
    budget, steps = 8 * 2**20, 6000
    script = tmp_path / "long_recording.py"
    script.write_text(LONG_RECORDING.replace("BUDGET", str(budget)).replace("STEPS", str(steps)))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout.splitlines()[-1])
    grown, counted = measured["grown"], measured["counted"]
    assert measured["dropped"] > 0 and measured["kept"] + measured["dropped"] == steps
    assert counted <= budget
    assert measured["noted"] <= 1.1 * counted, measured
    assert grown <= 1.1 * counted, measured
    assert grown < budget, measured
    assert grown > 0.5 * counted, measured    # the growth is the recording, far above noise
