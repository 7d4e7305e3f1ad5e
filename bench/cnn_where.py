"""Where the guide's held CNN step spends its CPU by library code, tapeviz and PyTorch: perf's
samples of each library's steady steps, grouped by the shared object they fall in (the BLAS
kernels, the interpreter, numpy's loops and calls, libc's copies and malloc, libtorch and the
kernels oneDNN writes at run time, which perf names [JIT]).

cnn_phases.py splits a step by phase and bench_cnn.py times whole steps; neither says how
much of a step is the interpreter's, which cProfile inflates (it times every Python call)
and instruction counts on tiny images understate (at 28x28 each op's megabytes leave the
interpreter's code and objects out of the caches). Each library runs in a child under
`perf record` whose sampling is switched on (perf's control fifo) only after the model is
built and 20 steps have run, with malloc holding freed memory (bench_cnn.HELD, PyTorch not
faulting) and one thread; each group's share of the samples times the child's own median
step time gives ms a step.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/cnn_where.py [--steps 400]
[--small] (needs Linux perf; says so and stops where it is missing or not allowed).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import cnn_twin
from bench_cnn import HELD

# (group, pattern of the shared object's name), first match wins
GROUPS = (("BLAS (OpenBLAS)", r"openblas"), ("the interpreter", r"libpython|^python"),
          ("numpy", r"_multiarray_umath|_umath|numpy"), ("libc (copies, malloc)", r"libc[.-]"),
          ("libtorch (ATen)", r"libtorch|libc10|mkl|dnnl|gomp"),
          ("oneDNN's JIT kernels", r"^\[JIT\]"),
          ("the kernel", r"kernel"), ("ctypes, libffi", r"ctypes|libffi"))
WARM_STEPS = 20


def worker(library: str, steps: int, small: bool) -> None:
    """In the child: build `library`'s step, warm it up, then sample `steps` steps (perf's
    control fifos named by the environment) and print the median ms a step."""
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(1)
    threadpool_limits(1, user_api="blas")
    import tapeviz as tf
    if small:
        cnn_twin.BATCH, cnn_twin.SIZE = 1, 5
    keras_model = cnn_twin.tapeviz_model()
    if library == "tapeviz":
        step = cnn_twin.tapeviz_step(keras_model, tf.keras.optimizers.Adam(),
                                     tf.keras.losses.SparseCategoricalCrossentropy(
                                         from_logits=True))
        data = [(tf.constant(x), tf.constant(y)) for x, y in cnn_twin.batches(20)]
    else:
        step = cnn_twin.torch_step(torch, cnn_twin.torch_model(torch, keras_model))
        data = [(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y))
                for x, y in cnn_twin.batches(20)]
    for i in range(WARM_STEPS):
        step(*data[i % len(data)])
    with open(os.environ["CNN_WHERE_CTL"], "w") as control, \
            open(os.environ["CNN_WHERE_ACK"]) as ack:
        control.write("enable\n")
        control.flush()
        ack.readline()
        times = []
        for i in range(steps):
            start = time.thread_time()
            step(*data[i % len(data)])
            times.append(time.thread_time() - start)
        control.write("disable\n")
        control.flush()
        ack.readline()
    print(f"ms a step {statistics.median(times) * 1e3:.4f}")


def sampled(library: str, steps: int, small: bool, folder: str) -> tuple:
    """(median ms a step, {group: share of the samples}, [(share, name) of each shared object
    no group took]) of `library`'s child under perf."""
    control, ack, data = (os.path.join(folder, name) for name in ("ctl", "ack", "perf.data"))
    for fifo in (control, ack):
        if os.path.exists(fifo):
            os.unlink(fifo)
        os.mkfifo(fifo)
    done = subprocess.run(
        ["perf", "record", "-F", "4999", "-D", "-1", f"--control=fifo:{control},{ack}", "-o",
         data, "--", sys.executable, __file__, "--worker", library, "--steps", str(steps)]
        + (["--small"] if small else []),
        env=dict(os.environ, GLIBC_TUNABLES=HELD, CNN_WHERE_CTL=control, CNN_WHERE_ACK=ack),
        capture_output=True, text=True)
    found = re.search(r"ms a step ([\d.]+)", done.stdout)
    if done.returncode or found is None:
        raise SystemExit(f"perf record of {library}'s steps failed: {done.stderr[-2000:]}")
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso",
                             "--stdio"], capture_output=True, text=True)
    shares: dict = {}
    others = []
    for share, name in re.findall(r"^\s+([\d.]+)%\s+(\S+)", report.stdout, re.M):
        group = next((group for group, pattern in GROUPS if re.search(pattern, name)), "other")
        shares[group] = shares.get(group, 0.0) + float(share) / 100
        if group == "other":
            others.append((float(share) / 100, name))
    return float(found.group(1)), shares, others


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="sampled steps per library")
    parser.add_argument("--small", action="store_true",
                        help="1x5x5 images: the same Python, its code and objects kept in cache")
    parser.add_argument("--worker", choices=("tapeviz", "pytorch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.steps, args.small)
    if shutil.which("perf") is None:
        raise SystemExit("Linux perf is not installed: nothing to sample with")
    with tempfile.TemporaryDirectory() as folder:
        results = {library: sampled(library, args.steps, args.small, folder)
                   for library in ("tapeviz", "pytorch")}
    groups = [group for group, _ in GROUPS] + ["other"]
    batch, size = (1, 5) if args.small else (cnn_twin.BATCH, cnn_twin.SIZE)
    print(f"{args.steps} steps sampled a library, batch {batch}, {size}x{size}x1, one thread, "
          f"malloc held; ms a step (share)")
    print(f"  {'':<26}" + "".join(f"{library:>22}" for library in results))
    for group in groups:
        cells = [f"{ms * shares.get(group, 0.0):8.3f} ({shares.get(group, 0.0):6.1%})"
                 for ms, shares, _ in results.values()]
        if any(shares.get(group) for _, shares, _ in results.values()):
            print(f"  {group:<26}" + "".join(f"{cell:>22}" for cell in cells))
    print(f"  {'step':<26}" + "".join(f"{ms:>13.3f}{'':9}" for ms, _, _ in results.values()))
    for library, (_, _, others) in results.items():
        if others:
            print(f"  {library}'s other: " + ", ".join(
                f"{name} {share:.1%}" for share, name in sorted(others, reverse=True)[:4]))


if __name__ == "__main__":
    main()
