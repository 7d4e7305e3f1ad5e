"""What the debugger costs on a PyTorch training loop: the guide's CNN in torch, plain and
under each debugger mode, measured side by side in one run (read the ratios).

The loop is tests/pytorch/digits_cnn.py's (Conv2d 16 3x3 relu x2, global average pool,
Linear 10, Adam, F.cross_entropy; batches of 32), each step as a user writes it: zero_grad,
forward, loss, backward, step, on two inputs, each an honest figure of its own: the offline
8x8 sklearn digits (1.6 ms a step: the debugger's fixed cost a call weighs most) and the
issue's workload, MNIST's 28x28 images (the real t10k images from the shared data folder
when present, else random ones of that shape, said in the header: the speed does not depend
on the values; ~6-7 ms a step, the convolutions' own work weighs more). Modes: plain
(tapeviz.torch imported, nobody listening: the adapter is off); an empty TorchFunctionMode
(one that only calls through: the floor of the mechanism); the Recorder on (every op and
backward step kept, as numpy copies); a breakpoint armed on `log` (an op this loop never
runs), one on a file and line it never reaches, one on any NaN or Inf (`nan=True`), a bare
condition that reads each op's node and never holds; a Runner, never paused, running the
loop in its thread. Rounds alternate the modes; each round times `--steps` steps of every
mode in CPU seconds of the process (all threads: the Runner's too), and the ratio is a
mode's median over rounds of its time over the plain loop's in the same round (range in
brackets). Goals (issue 15): <= 1.1x with a breakpoint armed; the Recorder as cheap,
relative to its own loop, as the numpy engine's Recorder on the same CNN (printed for
comparison, from bench_debugger).

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_torch.py [--rounds 9]
[--steps 40] [--sizes 8 28] [--threads 1] [--only NAME ...] [--no-numpy] [--instructions]

The passes below measured the 8x8 digits (the only input before the sixth).

Figures, December 2026, PyTorch 2.13 CPU, one thread, a 2-core machine at load 6-8 (other
engineers' tests): three runs of 5 rounds x 40 steps, alternated with runs of the version
before `optimizer.step()` became one op per parameter (before -> now, the medians' range);
instructions a step by `--instructions` (before -> now); predicted before measuring in
brackets:
- plain 1.4-1.8 ms a step, 6.23 M instructions;
- an empty TorchFunctionMode 1.18-1.41x, 1.21x by instructions: the floor of a mode that
  sees all ~75 calls of a step (Adam's ~50 in-place ones too);
- break_on(op='log') 1.15-1.39x -> 1.09-1.16x, 1.07x -> 1.07x by instructions (predicted
  unchanged): below the empty mode, as the adapter's mode is off during `optimizer.step()`;
  what is left is torch calling a Python mode for each of ~25 calls (12 of them
  `zero_grad`'s property reads, 4 the profiler's record_function): the mechanism's floor;
- break_on(file, line) 1.17-1.34x -> 1.17-1.38x, 1.08x -> 1.09x: each op's line looked up;
- Runner never paused 1.21-1.39x -> 1.03-1.29x (predicted 1.15x): the mode on its thread,
  and the graph no longer walked for a GradientComputed whose leaves nobody reads (its
  instructions are not counted: the loop runs in the Runner's thread);
- Recorder 3.14-3.40x -> 2.16-2.38x, 2.57x -> 1.68x by instructions (predicted 1.7x),
  against 1.16-1.23x for the numpy engine's Recorder on its CNN: still missed. Adam's ~50
  traced in-place calls became 6 `adam_step` ops (16.05 M -> 10.60 M instructions), one
  post-hook per autograd node and no removal of a freed graph's hooks 10.60 M -> 10.47 M.
  What is left: 7 forward ops, 6 updates and 7 backward steps a step, each with its node,
  numpy copies (copying nothing saved ~0.1x, measured by stubbing them) and hooks, against
  the numpy engine whose tape builds every node in the plain loop already.

Second pass (issue 15), before = the version before it, after = now; one pair of runs of 7
rounds at load ~2 (before -> after), instructions by `--instructions`; predictions first:
- the Recorder 2.36x -> 2.38x (in one process, 9-15 alternating rounds: 2.46x -> 2.26x and
  2.60x -> 2.52x), 1.669x -> 1.652x by instructions (10.39 M -> 10.30 M). A backward step's
  gradient is copied once per tensor: an op's upstream gradient is the copy its consumer's
  step made (predicted 0.1-0.2x; 5 of ~20 gradient copies a step, the large ones). Tried and
  reverted: recording an op's output and autograd's gradients as read-only views of torch's
  memory, copied on a write the mode sees coming (predicted 0.15x; a stub copying nothing
  had saved 0.5x): 2.43x -> 2.55x, 1.70x by instructions, 6.8x -> 7.2x with 28x28 images.
  What is left is mostly not Python: the Recorder keeps ~0.5 MB a step (activations and
  their gradients), and keeping bytes faults as much fresh memory in a step, copied or
  viewed (130-180 minor faults a step; with 28x28 images ~10 MB, ~2,500 faults and a 6-7x
  Recorder), where the numpy engine's plain loop allocates fresh arrays every op already;
- break_on(op='log') 1.15x -> 1.22x (the same runs; 1.18x against 1.17x with the
  failed-step standby stubbed, 21 rounds in one process), 1.072x -> 1.070x by instructions;
  break_on(file, line) 1.18x -> 1.22x, 1.089x -> 1.087x; an empty TorchFunctionMode
  1.25-1.27x, 1.21x. The floor is the mode: ~24 calls a step reach it (11.4 zero_grad's
  `.grad` reads and writes, 4 record_function enters and exits, 9 ops and queries), each one
  dictionary lookup in the adapter, and torch's own cost of calling a Python mode; by
  instructions the goal holds, by CPU time the runs at load ~2 put it at 1.15-1.22x.

Third pass (issue 15): what bounds the Recorder. Predictions first; load 12-20 (seven
sessions' tests), so ranges are wide; one process, alternating rounds:
- fresh memory (predicted about half the cost, from the second pass): 0.43 MB a step copied
  into new arrays costs 175 us of CPU against 13 us into reused ones (a microbenchmark): at
  most ~0.1x of a 1.6 ms step. A pool of host buffers reused after eviction, measured by its
  upper bound (a ring of arrays per shape and dtype, reused with no check) on a Recorder
  whose budget is full: 65 -> 9 faults a step, 2.32x -> 2.44x (9 rounds); with 28x28 images
  1,353 -> 987 faults, 2.12x -> 2.04x (7 rounds): within noise, not built;
- holding torch's memory (found by the first version of the floor row, which kept each
  copied tensor alive and cost 2.1x, against 1.6x with weakrefs): the backward hooks held
  each op's gradients until the pass ended. Let go when the step is announced: minor faults
  a step 122 -> 65, the Recorder 2.46x -> 2.30x (11 rounds; a listener that keeps nothing
  119 -> 6 faults, 2.30x -> 2.01x); with 28x28 images 2,614 -> 1,432 faults, 2.65x -> 2.17x
  (7 rounds); by instructions 10.25 M -> 10.07 M a step (1.652x -> 1.624x: AccumulateGrad
  no longer clones a gradient we hold), the listener alone 9.24 M -> 9.12 M;
- the floor, 'copies and hooks alone' (predicted 2.0x, 1.35x by instructions): 1.66-1.70x
  [0.98-2.04], 1.27x by instructions (7.92 M a step against 6.25 M plain), the same as or
  above the numpy engine's Recorder (1.15x [1.13-1.75] in the same run): the goal cannot be
  met on this mechanism, whatever the adapter does. Above the floor is the debugger's model:
  by instructions (before the gradients were let go) the adapter's nodes, copies, hooks and
  events to a listener that keeps nothing 9.22 M a step, the Recorder 10.30 M (1.65x), with
  its budget full 10.34 M (1.65x);
- the Recorder 2.47x [1.50-3.95], with its budget full 2.27x [1.38-3.16]; break_on(op)
  1.22x (1.08x by instructions), file:line 1.27x (1.09x), the Runner 1.22x, an empty mode
  1.32x (1.21x) (7 rounds, load ~18).

Fourth pass (issue 15): the breakpoints' floor. Predictions first; before -> after in one
process (the change switched off by a monkeypatch, alternating rounds) at load 7-12, and
by instructions (callgrind, one process):
- what the floor is made of: torch calls the mode for each of ~24 calls a step, heard or
  not, and its own glue is most of the cost (an empty mode, measured alone: a `.grad` read
  +4.4 us, `F.relu` +11 us, `x.mean()` +5 us, a profiler range +14.5 us); the adapter's
  lookup adds ~0.1 us;
- `zero_grad()` with `set_to_none=True` (the default) runs no op but sent 14 of the 24
  through the mode (12 `.grad` reads and writes, its profiler range): it now runs without
  the mode, 11 calls a step reach it (predicted -0.065x): break_on(op) 1.074x -> 1.049x by
  instructions, file:line 1.100x -> 1.069x; in CPU time within the noise of load 11
  (op 1.20x -> 1.19x, file:line 1.31x -> 1.29x, medians of 9 rounds; a run of 11 at load 7:
  op 1.13x -> 1.21x, file:line 1.17x -> 1.21x, rounds 0.74-1.83x). What is left: conv2d
  x2, relu x2, mean, linear, cross_entropy, backward, item and the step's profiler range,
  ~70 us of torch's glue a step;
- break_on(nan=True) copied and made a node of every op (1.97x; predicted 1.1-1.15x once
  each output is tested in place first, as dispatch's only_if): 1.62x at load 11, 1.407x ->
  1.242x by instructions (8.74 M -> 7.71 M a step, against 6.21 M plain). Still above the
  goal: it keeps the module hooks (each module call down torch's slow path: they
  also put the mode on other threads that run a module, which a nan breakpoint must hear)
  and copies each parameter and gradient before `optimizer.step()` (the step writes over
  them; a NaN update is shown with what it started from);
- not built, with what each hears of `log` (torch.log(x), x.log(), `from torch import
  log` then log(x), the torch.log inside F.gaussian_nll_loss, the log in pow's VJP,
  Normal.log_prob): the mode hears the first three and log_prob; wrapping only the
  attributes that are the op (`torch.log`, `Tensor.log`: nothing on other ops, ~1.0x) misses
  a function taken before it was wrapped (`from torch import log`; `nn.TransformerEncoderLayer`
  keeps `activation=F.relu` from its definition) and hears gaussian_nll_loss's; a Python
  kernel on `aten::log` (torch.library, AutogradCPU) hears all six, the VJP's too, under
  aten's names (`cross_entropy_loss`, `convolution`). Neither stops where the mode does, so
  an exact breakpoint by op costs a mode: the floor above;
- the Recorder by instructions (callgrind, one process, each part switched off by a
  monkeypatch): 10.13 M a step (1.633x of 6.20 M plain); with no value copied 8.98 M (the
  copies, ~34 a step, 0.5 MB: 0.185x), with no module hooks 10.01 M (0.02x), a listener
  that keeps nothing 9.04 M (1.458x: the Recorder's own step, packing and budget, 0.175x).
  The rest, ~0.26x, is the adapter's model: each op's node, event and hooked backward step.

Fifth pass (issue 15, a researcher's programs: correctness fixes on the traced path, none on
the path of an op nobody hears), by instructions (callgrind, one process each), before ->
after, predictions first:
- an op no pass reached is let go with its autograd node (a `_LetGo` in `grad_fn.metadata`,
  one per taped op; predicted +0.5-1% for the Recorder): 10.18 M -> 10.20 M a step;
- an op's other outputs remembered, one step owning all its heads, and an in-place op's
  input keys taken before it (predicted ~0): 10.20 M -> 10.23 M (1.63x -> 1.64x of plain);
- torch's errors noted (a try around each traced call: free in CPython 3.11 until one
  raises) and a GradScaler's scaled loss recognised (one identity check a taped op)
  (predicted ~0): 10.23 M -> 10.24 M;
- break_on(op) 6.54-6.55 M, break_on(file, line) 6.63-6.65 M, break_on(nan=True) 7.72-7.74
  M, the empty mode 7.56-7.58 M: unchanged. CPU time, 5 rounds x 20 steps at load ~6: the
  Recorder 2.19x [2.06-2.27], break_on(op) 1.18x [1.12-1.22], file:line 1.40x, nan 1.52x.

Sixth pass (issue 15: the breakpoints' goal on both inputs, nan=True's cost, attention masks),
before -> after by instructions (callgrind, one process each, 8x8 digits), predictions first:
- where nan=True's 1.48 M instructions a step over plain went (7.736 M against 6.255 M;
  break_on(op) 6.563 M, 1.049x), each part switched off by a monkeypatch: `optimizer.step()`'s
  updates 0.52 M (12 snapshots, each a copy, a Variable read and a weak reference, and 6 tests
  of the parameters after), the module hooks 0.084 M, the rest ~0.57 M the 9 traced calls
  (each one's line, arguments and output test);
- the updates, under a nan breakpoint alone, keep plain numpy copies of each parameter and
  gradient, made into values only for an update that writes NaN/Inf (predicted -0.3 M), and an
  op heard only by it runs and has its output tested before its line and arguments are read
  (predicted -0.15 M): 7.736 M -> 7.416 M (1.237x -> 1.186x), -0.32 M, short of the -0.45 M
  predicted;
- an attention mask's -inf no longer stops it (masks.py): only an output that fails the test
  is looked at, so nothing on this loop (predicted 0);
- not built: the module hooks kept for a nan breakpoint only to put the mode on other threads
  (0.084 M, 0.013x; a pre-hook alone would keep every module call on torch's slow path);
  the parameters' tests after the step as one foreach norm (~0.13 M predicted), which would
  assume the hearers' test is the nan breakpoint's. What is left above break_on(op) is the
  test of each output (a detached numpy view and its dot product; ~25 k instructions an op,
  estimated, not measured) and the parameters' copies and tests at the step;
- all rows after, by instructions (8x8, a step): plain 6.252 M; an empty mode 7.570 M
  (1.211x); the Recorder 10.347 M (1.655x; 10.24 M, 1.64x, at the fifth pass: the tree moved
  around it), budget full 10.375 M (1.659x); copies and hooks alone 7.776 M (1.244x);
  break_on(op) 6.561 M (1.049x), file:line 6.652 M (1.064x), nan=True 7.416 M (1.186x), a bare
  condition 8.369 M (1.339x: a node, with copies, for every op it is asked about);
- CPU time, 9 rounds x 30 steps, one process, load 8-11 (2026-12-05), median [range]:
  28x28 (the real MNIST t10k images, 6.21 ms a step plain): an empty mode 1.08x [1.01-1.19],
  the Recorder 2.04x [1.97-2.63] (it fills its 256 MiB budget in 25 steps of ~10 MiB and
  evicts), budget full 1.59x [1.44-2.16], copies and hooks alone 2.09x [1.21-3.98],
  break_on(op) 1.08x [0.99-1.15], file:line 1.09x [1.05-1.14], nan=True 1.14x [1.09-1.20], a
  condition 1.29x [1.23-1.35], the Runner 1.06x [1.00-1.23]; the numpy engine's Recorder on
  its CNN 1.34x [1.21-1.55]. 8x8 (1.65 ms plain): an empty mode 1.41x, the Recorder 2.43x
  [2.20-2.99], budget full 2.41x, copies and hooks alone 1.90x, break_on(op) 1.28x
  [1.13-1.59], file:line 1.48x [1.26-2.55], nan=True 1.64x [1.39-2.64], a condition 2.01x,
  the Runner 1.58x [1.06-1.86]: at this load the 8x8 rounds are too far apart to read below
  ~0.2x; instructions are the figure there. At MNIST size, where a step's torch work is 4x
  the 8x8's and the debugger's per-call cost the same, break_on(op) and file:line meet the
  1.1x goal in CPU time, nan=True (1.14x) and a bare condition (1.29x) do not yet. A second
  run at load 1-3: 28x28 (4.31 ms plain) break_on(op) 1.06x [0.92-1.22], file:line 1.09x
  [0.97-1.11], nan=True 1.13x [1.02-1.17], a condition 1.23x, the Runner 1.04x, an empty mode
  1.06x, the Recorder 2.10x (budget full 1.61x) against the numpy engine's 1.44x; 8x8 (1.04
  ms plain) 1.23x, 1.38x, 1.47x, 1.67x, 1.25x, 1.26x, 2.28x (2.15x).
- 28x28 by instructions (callgrind, a step): plain 54.31 M, an empty mode 55.63 M (1.024x), the
  Recorder 68.15 M (1.255x: its CPU time's 2.1x is mostly the ~10 MB a step it keeps faulting
  memory in); the breakpoint rows were not counted by this stop's deadline (the run, started
  under load 10, had reached the Recorder's).

Seventh pass (issue 15: the Recorder's cost, nan=True, a bare condition), predictions first.
The machine ran at load 4 at the start and 13-17 after (other sessions' tests and valgrind
runs): CPU-time rounds then spread 0.9-1.7x, so the instruction counts decide (callgrind,
8x8, a step over 6 steps, the tree before against the tree after, one process each): plain
6.243 -> 6.248 M; a bare condition 8.383 M (1.343x) -> 7.921 M (1.268x); nan=True 7.426 M
(1.190x) -> 7.425 M (1.188x); break_on(op) 6.574 M (1.053x) -> 6.570 M (1.052x); the
Recorder 10.259 M (1.643x) -> 10.276 M (1.645x);
- the Recorder, keeping references to torch's tensors (with their versions) instead of
  copies, copied only before a write (predicted 2.04x -> ~1.8x at 28x28: the memcpy of the
  ~10 MB a step saved), priced first by its upper bound, a stub that records every value as
  a numpy view of torch's memory (keeping the tensor alive) and copies nothing: 28x28 2.07x
  [1.78-3.98] with copies against 2.08x [1.94-5.93] with views (13 alternating rounds, one
  process, load 4-6), minor faults 1,315 -> 1,588 a step; 8x8 2.18x against 2.21x (66 -> 72
  faults). No gain, so not built (the second pass's views: 2.43x -> 2.55x). Why, measured
  alone: a fresh page costs ~2.3 us on this VM (10 MB a step copied into new arrays 5.6 ms and
  2,400 faults, into reused arrays 0.45 ms; MAP_POPULATE 4.2 ms; no transparent huge pages:
  AnonHugePages stays 0 kB), and the tensors a recorder keeps alive make torch fault as many
  fresh pages as the copies did. So the 28x28 Recorder's cost (2.02x at load 4; 1.255x by
  instructions) is the ~10 MB a step it keeps while its budget fills; once the budget is full
  and freed memory is reused it is 1.50x [1.35-1.75], against the numpy engine's Recorder at
  1.45x [1.40-1.76] in the same run: the goal holds there, not while the budget fills;
- a bare `condition=`: its node was built, copied, remembered for backward steps nobody
  hears and walked at each backward pass, for every op. An op heard by listeners alone (no
  tape, nobody hearing its steps: `nodes.LazyNode`) gets a node whose inputs and output are
  copied when first read (all of them when a listener keeps it: `nodes.tell` checks its
  reference count after the call; a value written in place before it was read is refused
  with a MisuseError, never shown changed), is not remembered for autograd, and an update
  heard so keeps its gradient by reference (predicted -0.3 M instructions a step, 1.339x ->
  ~1.29x; measured -0.46 M, 1.343x -> 1.268x). What stays is each output the condition reads:
  this bench's reads `ndim`, which copies it (19 -> 13 copies a step, 5.15 -> 5.14 MB at
  28x28), and the node, line and arguments of each op; toward 1.1x, an output whose shape,
  ndim and dtype are read from torch and whose values are copied only when read (kept in the
  copies' cache by version, copied before any eager reader takes it);
- nan=True, not changed: keeping its gradients by reference at the step (predicted -0.1 M)
  was undone, since an optimizer that writes over a gradient must show the gradient it was
  given (test_torch_nan_updates). Tested and ruled out: numpy's OpenBLAS runs the output
  test's dot product on 2 threads above 10,000 values (a conv output), which CPU time counts
  and the instruction counts (OPENBLAS_NUM_THREADS=1) do not; at 28x28, three pairs of
  processes (5 rounds x 20 steps, load 17) gave nan=True 1.15x, 1.12x, 1.12x with two threads
  against 1.13x, 1.20x, 1.12x with one: no difference. What stays is the break_on(op) floor
  and the test of each output (~9 a step) and of each parameter after the step;
- mode.py split by responsibility (517 -> 242 lines: activation.py, call_arguments.py), no
  path changed;
- CPU time, 28x28, 5 rounds x 20 steps (random images: the runs were of copies of the trees
  outside the project), median [range]. Before, at load 4 (7 rounds x 30 steps, the real
  images): break_on(op) 1.13x [0.86-1.40], file:line 1.14x, nan=True 1.07x [0.98-1.39], a
  condition 1.28x [1.13-1.52], the Runner 1.10x, the Recorder 2.02x (budget full 1.50x)
  against the numpy engine's 1.45x. At load 10-15, the tree before: op 0.92x, file:line
  0.92x, nan 0.99x, condition 1.06x [0.94-1.35], Runner 1.32x, Recorder 1.98x (1.39x) against
  1.46x; the tree after: op 1.05x [0.58-1.14], file:line 1.09x, nan 1.15x [0.63-1.35],
  condition 1.31x [0.65-1.41], Runner 1.60x, Recorder 2.24x (1.57x) against 1.13x. Rows of
  unchanged code moved 0.1-0.3x between the two: at this load the ratios do not read a
  change, only the copy counts and the tests do. The 8x8 condition, processes alternating
  the trees (5 rounds x 30 steps each, load 10-15): before 1.92x, 1.77x, 1.63x, after 1.71x,
  1.82x, 1.60x.

Eighth pass (issue 15: nan=True and a bare condition toward 1.1x; the Recorder), predictions
first. The machine ran at load 17-28 all through (other sessions' suites and valgrind runs):
CPU-time rows of unchanged code moved ~0.05x between runs, so each change was also timed in
one process against the code before it switched back in by a monkeypatch (alternating
rounds), and counted by callgrind (8x8, a step, the tree before against the tree after):
- nan=True: where its cost over break_on(op) went at 28x28, by a stub each (9 rounds, load
  6): the scans of the outputs ~0.05x (relu and conv outputs, ~300k values each, 46-105 us a
  scan in the loop, 16 us hot: they no longer fit the 1 MB L2), `optimizer.step()`'s copies
  and tests ~0 within noise, the rest the traced calls and module hooks. A cheaper scan does
  not exist (a conv output, fresh: np.dot 43-64 us, torch's sum 49-67, np.isfinite().all() and
  np.add.reduce slower, torch.isfinite(t).all() 0.9 ms): the read of the bytes is the floor.
  So fewer scans and less per test (finite.py): an op that keeps finite values finite (relu,
  max-pool, views; KEEPS_FINITE) is not read when its input is the output last found finite
  on the thread (a weak reference and its version: data, a value written where the mode does
  not hear it, `h[0] = nan`, or any other input is read as before, so the stop is still at
  the op that made the NaN, at its line: test_torch_nan_reads), a bool or integer output is
  not read, and the others are read by torch's sum and `math.isfinite` (2.4 us against 4.5
  for numpy's test of a view on a small tensor; a sum that overflows is settled by the exact
  test). Predicted 1.15x -> ~1.12x at 28x28 (2 of 4 large scans a step), 1.188x -> ~1.166x by
  instructions. Measured: by instructions 7.422 M (1.188x; plain 6.249 M) -> 7.246 M (1.158x;
  plain 6.257 M) a step, -0.176 M (predicted -0.14 M), break_on(op) 6.574 M -> 6.579 M
  (1.052x -> 1.051x); CPU at 28x28, one process, 7 rounds x 20 steps, load 21: 1.144x -> 1.106x
  (break_on(op) 1.072x in the same rounds);
- a bare condition (`node.output.ndim > 4`): a LazyNode's output is a `LazyOutput` until its
  values are read, its shape, ndim and dtype read from torch's tensor (a value read copies it
  through the node, refused if written in place since; a kept node is copied whole as
  before). Copies a step at 28x28 13 (5.14 MB) -> 6 (0.01 MB: the parameters before Adam's
  step). Predicted 1.25-1.31x -> ~1.10-1.12x at 28x28 (the copies' ~0.1x); measured, one
  process, the same rounds: 1.239x -> 1.116x; by instructions 7.918 M (1.267x) -> 7.579 M
  (1.213x) a step, -0.34 M. What is left over break_on(op) is the traced call (line,
  arguments, the LazyNode, an OpExecuted through the breakpoint listener's general path: ~6
  us an op in a loop of relu, 9.0 against 2.8 us; next: the listener's node form, which
  dispatch calls and this adapter does not yet);
- CPU time after, the bench itself at 28x28 (real MNIST images, 5 rounds x 20 steps), three
  runs at load 17-21, medians: break_on(op) 1.14x, 1.10x, 1.08x; file:line 1.10x, 1.13x,
  1.07x; nan=True 1.09x, 1.09x, 1.14x; a bare condition 1.13x, 1.12x, 1.13x; the Runner
  1.07x, 1.05x, 1.06x; an empty mode 1.04x, 1.07x, 1.10x; the Recorder 1.85x, 1.85x, 1.74x
  (budget full 1.52x, 1.55x, 1.61x) against the numpy engine's Recorder on its CNN 1.14x,
  1.07x, 1.10x: missed. At this load the breakpoint rows' floor (an empty mode, break_on(op))
  itself read 1.04-1.14x, so nan=True and the condition sit on it within ~0.05x, where the
  one-process comparisons above put them 0.03-0.04x over break_on(op);
- the Recorder, not changed this pass. A pool of recycled numpy buffers was priced by the
  third pass at its upper bound (2.12x -> 2.04x with its budget full, within noise: torch's
  own freed activations fault too); it would not touch the figure while the budget fills
  (nothing dropped yet to recycle), the 1.7-2.1x row. Keeping only shape, dtype and
  statistics per op with full values for the last K steps is a change to the Recorder's
  records (debugger/recorder.py, not this adapter's) and would at best bring the filling
  Recorder to its budget-full figure, 1.5-1.8x, still above the numpy engine's 1.14x. Replay,
  re-running a step's calls from kept inputs when someone looks, was built in the sixteenth
  pass (torch/kept_steps.py): what it cannot run again the same (a module's forward that
  changes state, a random op, a program that changes) it records fully.

Ninth pass (issue 15: nan=True and a bare condition near the mode's floor; the Recorder by
parts; autograd.py split). The machine ran at load 6-12 all through (six sessions' tests and
valgrind runs), so the instruction counts decide (callgrind, 8x8, a step over 20 steps, each
part switched off by a monkeypatch in one process, the tree before: 2745ed5/4e97f18):
- which calls reach the mode while only a breakpoint is armed (op, nan=True or a condition
  alike): 11 a step, the 7 ops (conv2d x2, relu x2, mean, linear, cross_entropy),
  `loss.backward()` (nothing remembered under these: autograd's call as it is),
  `loss.item()` (not an op) and the step's profiler range (`record_function` enter and exit:
  torch opens it before the optimizer's pre-hook takes the mode off and closes it after the
  post-hook puts it back). `zero_grad()` and `optimizer.step()` already run without it (the
  step's updates tested after it: an update is the only writer there, so a NaN it wrote is
  caught at that parameter's update, at the step's line). Every op must be seen (each can
  make a NaN; a condition is asked about each). The four others make no NaN, but leaving
  the mode off for them costs more than it saves: taking it off and putting it back
  rebuilds the thread's stack (what the optimizer's hooks do), and a stand-in for each
  optimizer class's `step` to close the profiler range without it would save the pair's
  glue (~14.5 us in an empty mode, fourth pass) for two rebuilds and a wrapper: not built;
- what each heard call costs, by instructions a step: nan=True 7.239 M (1.156x), +0.646 M
  over break_on(op)'s 6.593 M (1.053x; plain 6.264 M): `optimizer.step()`'s updates 0.334 M
  (the 12 copies before the step 0.147 M, the 6 parameters' tests after 0.156 M), the
  outputs' tests ~0.14 M (5 scans a step, ~28 k each; all tests together 0.295 M), the
  module hooks 0.087 M, the 7 traced calls' own path ~0.09 M (~12 k an op). A bare
  condition 7.585 M (1.211x), +0.99 M: the updates 0.286 M (6 parameters copied before the
  step, 6 LazyNodes told after), the listener's general path and the condition 0.236 M (13
  nodes a step, ~18 k each: `_heard`, `match_admitted`), each op's arguments 0.141 M (~20 k
  an op: names, tensors, params), its LazyNode and its event 0.089 M, its user line 0.040 M
  (~6 k), its layer 0 (the hooks installed: the thread's scope; without them 0.067 M more,
  read off the Python stack), the rest of the call ~0.2 M (the parts overlap a little: the
  updates' conditions are in the general path's figure too);
- kept: an op heard by its route's listeners alone runs first and, when it wrote no input,
  is told as a LazyNode through the listeners' node forms (`route.on_node`, no OpExecuted,
  as dispatch does; the update ops too), its user line found from the op's caller when
  first read or when kept (predicted -0.10 to -0.14 M from the parts above: the line's
  0.040 M and part of the general path's 0.236 M). Measured: a bare condition
  7.572-7.585 M (1.210-1.211x, two runs) -> 7.504 M (1.199x), -0.07 to -0.08 M; nan=True
  7.239 M -> 7.237 M (1.156x), break_on(op) 6.593 M -> 6.568 M (1.049x), plain 6.264 M ->
  6.258 M. In-process, relu under a condition 11.5 -> 10.9-11.1 us a call (break_on(op)
  5.0, plain 1.9);
- tried, not built: `optimizer.step()`'s copies and tests under nan=True as foreach ops
  (`torch._foreach_clone`/`_foreach_mul` of the 12 tensors 5.6-30 us against 15 us for 12
  numpy copies; one `_foreach_norm(p, inf)`, stack and sum 21 us against 14-15 us for 6
  sums): on CPU a foreach op loops over its tensors in C++ through the dispatcher, no gain.
  Not built: a condition's arguments read when first read (0.141 M at most; each input's
  version must still be taken when the op runs, so a node kept after a prompt that wrote
  an input refuses it, so perhaps half of that);
- the Recorder by parts (8x8, a step; 10.289 M, 1.648x of 6.244 M): a listener of every op,
  step and gradient call that keeps nothing 9.184 M (1.471x: the adapter's model, +2.94 M:
  nodes, copies, hooks, events); no backward pass hooks 9.292 M (-0.997 M: the walk, ~17
  hooks, the BackwardSteps and their gradients' copies, VJPApplied), of which the
  Recorder's own `_on_vjp` 0.216 M; its step end (`_on_gradient`: the leaves' walk, 6
  gradients copied, the loss) 0.266 M; packing (`_pack`) and counting bytes
  (`_finish_count`) nothing measurable (10.309 M, 10.355 M with each stubbed), the module
  hooks nothing (10.301 M). So its step end is not the numpy engine's largest cost here;
  the largest part is the backward pass (0.16x), then the forward nodes and their copies.
  At 28x28 (a step, the same tree): the Recorder 68.29 M (1.257x of 54.33 M plain); with
  every copy stubbed by one reused array per shape (no bytes copied) 57.69 M (1.062x): the
  copies are its largest part, 10.6 M (0.195x), and in CPU time more (fresh pages, the
  seventh pass); with no backward pass hooks 62.36 M (1.148x: 5.93 M, its gradients' copies
  included). The next cut is the copies' bytes, not Python;
- what 215ae14 (a pass's hooks let go of its tapes and ops) bought, A/B by worktrees at
  215ae14^ and 215ae14: by instructions nothing (the Recorder 10.365 M -> 10.367 M a step,
  8x8); by minor faults at 28x28 (the Recorder filling its budget, 20 steps a round, 5
  rounds, two processes each, alternated, load ~12) 2,555-2,598 -> 521-984 a step, CPU
  2.30-3.95x -> 1.76-1.84x. The hook <-> pass cycle through C++ kept each step's graph,
  with its saved activations, alive: torch faulted fresh pages for every step's
  activations; freed, it reuses them;
- autograd.py split by responsibility (427 -> 221 lines: backward_pass.py 121, the hooks
  and BackwardSteps; gradient_computed.py 101, a pass's GradientComputed), no path changed;
- CPU time after, the bench itself at 28x28 (real MNIST images, 5 rounds x 20 steps),
  three runs at load 12 -> 10, 8 -> 7, 7 -> 6 (uptime before -> after), medians:
  break_on(op) 1.11x, 1.08x, 1.06x; file:line 1.10x, 1.10x, 1.08x; nan=True 1.16x, 1.12x,
  1.10x; a bare condition 1.18x, 1.14x, 1.12x; the Runner 1.11x, 1.12x, 1.09x; an empty mode
  1.10x, 1.09x, 1.03x; the Recorder 1.78x, 1.78x, 1.84x (budget full 1.57x, 1.60x, 1.61x)
  against the numpy engine's Recorder on its CNN 1.17x, 1.11x, 1.13x: missed. The tree
  before, one run between them (load 10 -> 8): op 1.09x, file:line 1.14x, nan 1.13x,
  condition 1.14x, Recorder 1.74x: at this load the rows of unchanged code move as much as
  the change, so only the instruction counts read it.

Tenth pass (issue 15: nan=True at the optimizer, what a bare condition's CPU is, file:line),
predictions first. The machine ran at load 14-29 all through (seven sessions' suites and
valgrind runs; vmstat: 0% idle, no steal): CPU rows of unchanged code moved ~0.05x, so
instructions decide (callgrind, 8x8, a step over 20 steps, 81c67fe against the change, each
tree alone in one process):
- nan=True at `optimizer.step()`: what the step starts from was 12 numpy copies (6
  parameters, 6 gradients) and the parameters after 6 sums, each its own torch call. Is a
  copy before needed? The step writes over each parameter, and an optimizer may write over
  its gradient (test_torch_nan_updates), so a NaN update can be shown with what it started
  from only if that was kept: no value autograd or the optimizer holds is it (Adam's
  exp_avg is a running mean, not the gradient; a forward under nan=True copies nothing).
  So kept, but joined: one `flatten_dense_tensors` of all 12 (one torch call), read back
  into numpy only for an update that made NaN; the parameters after tested as one joined
  sum, each alone only when that fails (finite.all_finite; a sum overflowing on finite
  values is settled by each one's exact test); a sparse gradient, two dtypes or two devices
  fall back to a copy each. In-process (load 5-11): copies 29.5-30.6 us -> 13.8-16.0 us,
  tests 22.7-30.1 us -> 13.7-16.1 us (a foreach norm 32.8-38.6 us, foreach max 23.1 us: the
  ninth pass's finding holds). Predicted -0.13 to -0.17 M instructions a step (of the
  updates' 0.334 M), ~-0.005x in CPU at 28x28 (invisible at this load). Measured: 7.237 M
  (1.157x) -> 7.131 M (1.140x), -0.106 M, short of the prediction (the join views each
  tensor inside it: 12 dispatched calls in one); unchanged code: plain 6.258 -> 6.256 M,
  break_on(op) 6.619 -> 6.589 M (1.058x -> 1.053x), a condition 7.511 -> 7.518 M (1.200x ->
  1.202x);
- a bare condition's CPU over its instructions (at 28x28 1.11-1.17x in CPU, ~1.02x by
  instructions): not page faults (0 minor faults a step for plain and every breakpoint row,
  getrusage over 5 rounds of 20 steps in one process: the breakpoints keep nothing) and not
  allocation; it is the cost of the debugger's code run cold. Each torch call's handler runs
  right after a kernel that streamed MBs through the caches: one relu (32x16) measured hot
  (back to back) and cold (after an 8 MB sweep), CPU us over plain, median of 7 x 400 calls
  at load 20: break_on(op) 3.2 hot / 7.5 cold, file:line 4.3 / 9.9, nan=True 7.2 / 17.0, a
  condition 8.9 / 20.8 (plain's own call 1.3 / 3.9). Instructions count the hot path;
  CPU in the loop pays ~2.3x it, and more at load, where every context switch refills the
  caches. So what cuts the condition's CPU is touching less per call (fewer functions and
  objects), not fewer instructions alone; its path is the ninth pass's (listener path,
  arguments, LazyNode, event);
- file:line: per call the mode walks to the user's frame (`source_from`: a dict per frame,
  its site cached by code and offset) and asks the line route (`LineRoute.add`), then calls
  through: +1.1 us hot, +2.4 us cold a call over break_on(op) (above), ~17 us a step over 7
  ops, ~0.004x at 28x28; by instructions 1.065x against 1.058x. A by-file decision would
  save the site lookup, not the walk: not built (bench_debugger found the same for the
  numpy engine);
- tried, not kept: nan=True not reading a large conv or linear output when a bound on its
  magnitude, max|input| * |weight|_1 + |bias|_1, is finite and 2**20 below overflow (the
  input's bound carried through relu and views, read from the input only when it is the
  smaller). Hot it is 13 us against 250 us for the output's sum (load 24), but in the loop
  (thread CPU time inside finite.passes, 5 alternating rounds x 20 steps, load 25) the two
  conv tests cost 239 + 308 us a step with it against 273 + 286 us without: after a conv
  kernel the bound's four small torch calls cost what one sum does. The nan test's cost in
  the loop is those two conv outputs (~250 us each, ~90% of its ~580 us a step there;
  mean 14-32 us, linear 13, cross_entropy 10, each relu skipped 8), at any test that reads
  them once;
- CPU time after, the bench itself at 28x28 (real MNIST images, 9 rounds x 40 steps), three
  runs (uptime before -> after; runs 2 and 3 at the same time, each process's CPU time
  counted), medians: load 24 -> 29, 28 -> 25, 28 -> 25: break_on(op) 1.07x, 1.04x, 1.02x;
  file:line 1.10x, 1.10x, 1.09x; nan=True 1.16x, 1.12x, 1.10x; a bare condition 1.15x,
  1.17x, 1.15x; an empty mode 1.08x, 1.07x, 1.06x; the Runner 1.07x, 1.04x, 1.07x; the
  Recorder 1.52x, 1.42x, 1.45x (budget full 1.50x, 1.47x, 1.48x) against the numpy engine's
  1.12x, 1.13x, 1.13x. Rounds spread 0.8-1.4x; the ninth pass's runs (load 6-12) put nan=True
  at 1.10-1.16x and the condition at 1.12-1.18x: this pass's -0.017x by instructions at 8x8
  (less at 28x28) is below what these runs can read.

Tenth pass, the Recorder (issue 15: why its CPU time sits above its instruction ratio, and
its copies). The machine ran at load 5 -> 25 (seven sessions' suites, benches and valgrind
runs), so each decision was made in one process, the variants alternating, and by perf and
getrusage; predictions first:
- why 1.55x in CPU time against 1.257x by instructions (28x28), measured, not guessed:
  (1) the counts run other kernels: valgrind has no AVX-512, and under it
  `torch.backends.cpu.get_cpu_capability()` says AVX2 (AVX512 natively; oneDNN's
  convolutions likewise): the plain loop 4.5-5.3 ms a step natively, 6.95-7.05 ms forced to
  AVX2 (`ATEN_CPU_CAPABILITY=avx2 DNNL_MAX_CPU_ISA=AVX2`, two processes each, load 7-10),
  while the Recorder adds about as much user time to both (+2.6 ms natively, +1.8-2.6 ms on
  AVX2: Python and memcpy): 1.36-1.44x on the AVX2 loop, 1.5-1.7x on the native one. The
  plain count stands for ~1.45x the native work;
  (2) callgrind counts glibc's `rep movsb` once per byte: the copies' 10.6 M instructions are
  their 10.4 MB (34 copies a step, 8 of 1.2-1.4 MB: 4 activations, 4 gradients); natively
  memmove is 5.6% of the Recorder's samples (perf, ~0.5 ms a step);
  (3) page faults (getrusage, 28x28, 40-step rounds, load 5-7): plain 0 a step, the Recorder
  filling its budget 170-400 (system time 0.5-0.8 ms, 0.10-0.15x), budget full 0. The plain
  loop reuses warm memory (glibc keeps freed blocks once its mmap threshold has risen), the
  Recorder faults fresh pages only while its budget fills: a one-off of its first 256 MiB.
  perf, the Recorder minus plain a step (load 11): libpython +1.76 ms, the kernel +1.15 ms
  (exc_page_fault, clear_page, memcg), libc +0.87 ms (memmove 0.6 ms, malloc), libtorch_cpu
  +0.69 ms, the convolutions' JIT code +0.24 ms (cache);
- by parts in CPU time (stubs, one process, 7-9 alternating rounds x 40 steps): at load 5-7,
  plain 4.80 ms; filling 1.573x, copying into reused warm buffers 1.480x (a pre-touched
  ring's upper bound: the faults, 0.09x), copying nothing 1.332x; budget full 1.491x,
  copying nothing 1.333x. At load 12, budget full: 1.444x, no copies 1.351x, no backward
  pass hooks 1.462x, neither 1.279x, an empty mode 1.046x. So the copies are the largest
  single part (0.15x, 0.24x with the faults while filling); the rest is the model's Python
  (each op's node and event, the backward steps, the Recorder's own step: ~0.23-0.28x over
  the mode's floor, no part of it above ~0.07x). The backward pass hooks (9 a step: conv x2,
  relu x2, mean, linear's addmm and its weight's transpose, cross_entropy's nll_loss and
  log_softmax) are each needed: the head's gives the op's upstream gradient and its step,
  the others the input gradients made inside the op (linear's weight);
- priced, not built: a pre-touched ring of the budget removes the faults only while it
  fills (0.09x), by faulting the whole budget first (MAP_POPULATE ~25% cheaper a page) or
  keeping 256 MiB after the Recorder goes; huge pages for the copies (THP is `madvise` here:
  copies carved from >= 4 MiB numpy slabs, which numpy madvises): 2,479 -> 262 faults a step
  in a microbenchmark, but system time swung 1-20 ms a step with the kernel's compaction
  (defrag=madvise): not something to rely on. Keeping forward outputs as references with
  their `_version` (copied only if written later): the user holds them and can write them
  where the mode does not hear (`.data`, which has its own version counter; numpy views;
  `optimizer.step()` runs without the mode), and a packed step holds arrays, not tensors,
  so no version could be checked when the inspector reads it;
- views re-priced (a new reason: the seventh pass's upper bound ran while each step's graph
  leaked, fixed by 215ae14), 28x28, 7 alternating rounds, load 17-20: filling, copies
  1.666x, the backward pass's large gradients by reference 1.538x, every value by
  reference 1.556x, no copies 1.279x; budget full 1.438x, 1.381x, 1.337x, 1.267x (faults
  while filling unchanged: torch then allocates fresh memory instead). Kept: a backward
  pass's large gradients (>= 64 KiB, on the CPU, all of their memory, not flowing to a
  leaf, whose AccumulateGrad would clone one we hold) as read-only views of torch's memory
  (`values.gradient_snapshot`): autograd hands them on and lets them go, so at the pass's
  end nothing else holds them; one that something else holds then (`autograd.grad`'s
  result, a `gradient=` given, a hook that kept it: Python's reference count and the
  TensorImpl's use count say) is copied then, one written in place during the pass (a hook
  that wrote its argument, which torch forbids) has no values, saying so: never shown
  changed (test_torch_gradient_views). Predicted -0.06x budget full, -0.12x filling, by
  instructions -5 M a step at 28x28 (4 of the 8 large copies, ~1 instruction a byte).
  Measured in one process against the copies switched back in (9 alternating rounds x 40
  steps, load 22-25): filling 1.627x -> 1.559x, budget full 1.565x -> 1.514x; again at
  load 4-6: filling 1.714x -> 1.683x (faults 367 -> 318 a step), budget full 1.642x ->
  1.559x (user time 8.10 -> 7.56 ms a step against 5.11 ms plain); by
  instructions (8x8, a step, bef0857 against the change) 10.344 M (1.652x of 6.264 M plain)
  -> 10.299 M (1.646x of 6.258 M), -0.045 M (at 8x8 only two gradients a step reach 64 KiB;
  predicted -0.1 M); at 28x28 (c7eeb34 against it with the two files before 0f3aeaa)
  68.291 M (1.257x of 54.328 M plain) -> 63.264 M (1.165x of 54.324 M), -5.03 M
  (predicted -5 M: callgrind counts the copies per byte, see (2) above);
- CPU time after, the bench itself at 28x28 (real MNIST images, 9 rounds x 40 steps), three
  runs at load 24 -> 25, 25 -> ~10, 25 -> 9 (the last two overlapping), medians: the Recorder
  1.48x, 1.58x, 1.53x (budget full 1.52x, 1.60x, 1.47x) against the numpy engine's Recorder
  on its CNN 1.12x, 1.12x, 1.23x: missed; copies and hooks alone 1.39x, 1.52x, 1.38x; an
  empty mode 1.05x, 1.07x, 1.07x. The stop before (load ~1): 1.63x, 1.55x, 1.54x (1.61x,
  1.56x, 1.57x). At this load a run's rows move ~0.1x; the alternating comparison above is
  the figure for the change. Toward the numpy engine's 1.1-1.2x, what is left is the
  forward copies (~0.08x; a view would need a version checked when the inspector reads a
  packed step) and the model's Python, each part of it small: a Recorder that holds values
  it can derive (relu's output from its input, relu's input gradient from its output and
  upstream: half the bytes) needs the Recorder's records to hold values made when read.

Eleventh pass (issue 15: nan=True and a bare condition toward <= 1.08x at 28x28),
predictions first. The machine ran at load 1 -> 21 -> 5 (several sessions' suites and
valgrind runs): each change was timed in one process against the code before it (alternating
rounds) and counted by callgrind (8x8, a step over 20 steps, the tree before against the
tree after, one process each):
- where nan=True's cost over break_on(op) is now, by stubs in one process (28x28, 9 rounds x
  30 steps, load 1-2, plain 4.39 ms): nan 1.121x, the two conv outputs not read (their
  finiteness assumed) 1.094x, no output read at all 1.075x, break_on(op) 1.066x, a condition
  1.097x. In the loop (thread time inside the tests, alternating, load 5-8) the tests cost
  ~205 us a step: conv2d's two sums ~120, the parameters after the step (join and sum) ~50,
  mean ~12, linear ~13, the loss ~10, the two relus (no read) ~10. The conv reads are ~55%
  of the tests, not ~90%; a torch call run just after a conv kernel costs ~10-60 us in the
  loop (hot: 4-10), whatever its bytes;
- one reduction instead of a sum, priced hot (one thread, float32): at 32x16x26x26 torch's
  sum 39 us, aminmax 93, abs().amax() 109, linalg.vector_norm(x, inf) 1,754; at 32x16
  3.7 / 4.3 / 7.2 / 6.7 us; at 32x1x28x28 (the images) sum 8.7, aminmax 10.8, amax 7.0. A
  sum stays the read of an output;
- built, measured, undone (bd2f01b, 201bd9e, 2e375f3; fe8300e): a large conv or linear
  output (>= 65,536 values) not read when its inputs' largest magnitudes are known and bound
  it far below overflow (|input| * |weight| * terms + |bias| < finfo.max / 2**40): relu and
  views carrying the bound of the output last found finite, a parameter's remembered at its
  version and memory address by the optimizer step's joined test (aminmax), an unknown input
  smaller than the output read instead of it (the images, 25k values against conv1's 346k),
  a parameter whose `.data` was taken never bounded again. Predicted: -0.01 to -0.02x CPU at
  28x28 (two sums of ~620k values a step replaced by one aminmax of 25k), ~0 by instructions
  at 8x8. Measured: the tests' thread time in the loop 462 -> 397 us a step at load 21
  (conv2d 281 -> 185, but mean 22 -> 42: the first reduction after a conv now ran cold
  there) and 206 -> 203 us at load 5; the nan row in one process, old against new, 1.119x
  against 1.214x, then 1.119x against 1.094x (9 and 11 rounds, ranges 0.87-1.47); by instructions
  at 8x8 +0.047 to +0.056 M a step (7.137 M -> 7.184-7.193 M; a bound's Python costs more
  than the sum of a few thousand values). No win, so undone: the bytes a sum reads are not
  this loop's cost, the torch calls after a conv kernel are;
- kept (24df0e9): a bare condition's node takes the call's tensors and their versions only;
  its params and the op's input names are read from the call when first read (or when the
  node is kept). Predicted -0.08 to -0.10 M a step (the ninth pass priced each op's
  arguments at 0.141 M); measured 7.498 M (1.1996x) -> 7.470-7.473 M (1.193x), -0.028 M
  (two runs after): most of that price was finding the tensors, which the node still needs;
- CPU time, the bench itself at 28x28 (real MNIST images, 9 rounds x 40 steps, --no-numpy),
  the tree as kept (fe8300e), two runs at load 4.8 -> 4.9 and 4.9 -> 5.7: break_on(op)
  1.06x, 1.08x; file:line 1.11x, 1.09x; nan=True 1.20x [0.77-1.41], 1.03x [0.98-1.39]; a
  bare condition 1.13x [0.75-1.42], 1.08x [0.91-1.53]; an empty mode 1.07x, 1.08x; the
  Runner 1.09x, 1.09x; the Recorder 1.45x, 1.49x (budget full 1.49x, 1.52x). Runs with the
  bounds in (24df0e9, load 15 -> 10; 2e375f3, load 4-6): nan 1.14x, 1.16x, 1.12x; condition
  1.11x, 1.20x, 1.12x; break_on(op) 1.02x, 1.09x, 1.08x. Rounds spread +-0.3x at this load:
  the goal is neither shown met nor missed by them; by instructions (8x8) nan=True 1.142x,
  a condition 1.193x, break_on(op) 1.056x;
- what is left: nan=True's torch call per output read (conv x2, mean, linear, the loss) and
  the parameters' joined copy and test at the step, each ~10-60 us after a conv kernel; a
  bare condition's node, told and asked about each of 7 ops (~11 us hot) and 6 update nodes
  with 6 parameter copies before the step (updates.py: 0.286 M of its ~0.87 M over
  break_on(op) at the ninth pass). Next: the condition's update copies joined as nan's are
  (one torch call, read into an update's Variable only when read).

Eleventh pass, the Recorder (issue 15: the debugger's Python per op, the forward copies).
The machine ran at load 8-20 all through (seven sessions' suites and valgrind runs), so
decisions were read from deterministic counts: Python calls a step (cProfile's call counts,
28x28, 30 steps, the tree before 1ee00e0 and after da74763, each alone) and instructions
(callgrind, 28x28, a step: the difference between 7 and 2 steps over 5, plain and the
Recorder filling, each tree alone in one process); predictions first:
- where a step's Python goes, by the module whose code makes the call (a builtin's call
  counted to its caller's module; the Recorder filling its budget, after this pass, 3,658
  calls a step): the Recorder's byte counting (debugger/footprint.py: `allocated`,
  `getsizeof`, each op's params and arrays, ~3 counts a step) 872 (24%), its records and
  steps (recorder.py, history.py) ~300; the adapter 1,660 (45%): values.py 447 (32 copies,
  each ~12 calls), autograd.py 379 (the graph's walk and each op's nodes, mostly C calls on
  autograd nodes at ~50-80 ns), call_arguments.py 196, backward_pass.py 151, mode.py 117,
  nodes.py 104, steps.py 77, sourceinfo.py 52 (7 walks to the user's line); torch's own
  Python (the optimizer, module calls) 496;
- what one op pays, a relu (32x16, requires grad) called 2,000 times under the Recorder,
  each part stubbed in turn (thread CPU, medians of 7-9 alternating rounds at load 9-19,
  where a stub that changes nothing read 3 us: only the large parts are read): 22.6-28.0 us
  a call against 2.0-2.1 us plain; its values (the output's copy, its Tensor and cache
  entry) 8-11 us (the copy itself, detach + numpy + copy, 1.5 us hot); the Recorder's record
  with its byte counting 5-10 us (a 1 MiB budget, counted every 8 ops; 4.8 us with 1 GB);
  its arguments, autograd's remember and its user line each below ~5 us, within the noise
  (source_from's walk: ~4 frames, one dict read each, the site cached by code and offset);
- kept: an op only a Recorder hears (its sink on the thread: `route.sunk_only`, no layer or
  line listener) is added to the Recorder's list by the mode itself (`node.record`), as
  dispatch does, with no OpExecuted and no call into the Recorder; `snapshot` reads the
  version inline; a gradient under 64 KiB goes straight to `snapshot` (one cache lookup,
  not two); Later and HostCopies iterate without abc's `__getitem__` walk; list
  comprehensions for an op's inputs, their ids and a step's gradients. Predicted ~250
  calls and -0.08 to -0.12 M instructions a step (of 63.26 M). Measured: Python calls a step
  3,887.5 -> 3,660.5 filling, 4,028.6 -> 3,801.6 budget full (-227); instructions a step
  (28x28, plain 54.330 M and 54.343 M) the Recorder 63.322 M (1.1655x) -> 63.217 M
  (1.1633x), -0.105 M. In CPU time below what a run reads (~0.2%; a step is ~5.7 ms here);
- priced, not built: the user's line as a frame reference resolved on a look. The frame
  that called the op is torch's (conv.py's `_conv_forward`); the user's is ~4 frames up
  and its `f_lineno` moves as it runs, so a lazy line needs (code, lasti) of the user's
  frame, found by the same walk: what laziness would save is the site's cached lookup
  (~0.1 us), not the walk (1.6-4.9 us, the measure above's noise);
- forward outputs kept as references with their `_version` (copied only when the version
  moved), priced again, not built. Honest is possible only where the Recorder can change a
  value it holds: its record takes `output._value` (the array) when the op runs, and its
  byte count, packing and every look read that array, so a view cannot be swapped for a
  copy or for "no values" at the step's end as the gradient views' Tensors are
  (`settle_views`): a write the mode does not hear (`.data`, a numpy view) would then show
  a changed value. Its price, from the tenth pass's upper bound (every value a view): 1.556x
  against 1.538x while the budget fills (torch then faults fresh pages for the activations
  held), 1.337x against 1.381x once full (-0.04x, the memcpy of ~5 MB a step). It needs
  the Recorder's records to hold a value it can settle (the rebuild under way);
- what is left, toward the numpy engine's 1.1-1.2x: the Recorder's own counting and
  records (~32% of the Python calls a step, in its files), the adapter's values and
  autograd bookkeeping (~22%), the copies (~0.15x, ~0.24x while filling), none of it one
  part above ~0.07x;
- CPU time after, the bench itself at 28x28 (real MNIST images, 9 rounds x 40 steps), two
  runs, medians (load before -> after): 20 -> 19, the Recorder 1.46x (budget full 1.49x)
  against the numpy engine's Recorder on its CNN 1.12x, copies and hooks alone 1.29x, an
  empty mode 1.07x; 14 -> 7, the Recorder 1.54x (1.63x) against 1.10x, copies and hooks
  alone 1.53x, an empty mode 1.10x: missed. Rows of unchanged code moved up to 0.24x between
  the two (copies and hooks alone 1.29x -> 1.53x): the change is read by the counts above.

Twelfth pass (issue 15: the breakpoints' floor, then nan=True and a bare condition), load
9-15 all through (other sessions' suites and valgrind), so the counts decide; predictions in
the commits (963f6e8, d9c28e0):
- what the floor is, per call by callgrind (200 calls each of the CNN's pieces, f0fedb8),
  torch's mode machinery (an empty mode over plain) + the adapter's handler: the profiler
  range of `optimizer.step()` (record_function's enter and exit, torch.ops calls)
  47.6k + 7.5k a step; F.relu (Python's handle_torch_function) 23.9k + 3.2k; conv2d (C++)
  38.2k + 1.1k; mean 11.0k + 2.9k; linear 8.4k + 2.6k; F.cross_entropy 4.0k + 17.2k (not
  explained: the handler runs no more Python for it than for relu, by sys.setprofile);
  `(w * 2).sum().backward()` 44.1k + 12.1k; item 8.5k + 0.9k. Of the ~0.3 M
  a step, ~80% is torch calling a Python mode at all (11 calls a step: 7 ops, backward,
  item, the profiler pair), not the handler;
- cut: the profiler pair (a stand-in for the optimizer class's `step` takes the mode off
  before torch's wrapper opens the range: activation.py), `torch.compiler.is_compiling()`'s
  two Python calls per call (its flag read), a LazyNode's unread output as a tested None,
  not an AttributeError per read, versions read inline; finite.join's `torch.no_grad()`
  (six Python calls, twice a step) as two C calls. Python calls a step (sys.setprofile,
  8x8, cd95bc8 -> now): break_on(op) 565 -> 516, nan=True 831 -> 744, a condition 1,234 ->
  1,168. Instructions a step (8x8, callgrind, f0fedb8 -> the change; plain 6.26 / 6.24 M):
  break_on(op) 6.580 M (1.051x) -> 6.505 M (1.042x), file:line 6.675 M (1.066x) -> 6.612 M
  (1.059x), nan=True 7.143 M (1.141x) -> 7.084 M (1.134x), a condition 7.470 M (1.193x) ->
  7.352 M (1.178x) (predicted -0.06 M for each); an empty mode 7.58 M / 7.59 M, untouched.
  With d9c28e0 too (a second count): break_on(op) 6.503 M (1.039x), file:line 6.610 M
  (1.056x), nan=True 7.042 M (1.125x; -0.041 M for finite.join, predicted -0.01 M), a
  condition 7.455 M (1.191x), though nothing on its path changed: its count moves ~0.1 M
  between runs (a collection of its many small objects falling in the 5- or the 25-step
  window), so its change is read from its Python calls (-66 a step), not its count;
- not cut: the other ~0.23 M of the floor is torch's (the mode must see each op); the module
  hooks under nan/condition (~0.087 M: they put the mode on other threads, which those
  breakpoints must hear); nan's reads (the conv outputs' sums, ~55% of its tests) and the
  condition's update nodes (6 parameters copied a step: values.snapshot, another owner's);
- CPU time, the bench at 28x28 (9 rounds x 40 steps, --no-numpy), runs alternating the tree
  before (cd95bc8) and after (963f6e8), load 9-15 (random images: the worktrees lack the
  shared data), medians before / after / before / after: break_on(op) 1.10x / 1.08x / 1.04x
  / 1.06x; file:line 1.08x / 1.12x / 1.07x / 1.07x; nan=True 1.15x / 1.17x / 1.10x / 1.12x; a
  condition 1.14x / 1.13x / 1.13x / 1.15x; an empty mode 1.09x / 1.08x / 1.07x / 1.07x; the
  Runner 1.15x / 1.17x / 1.17x / 1.13x. At this load rows of unchanged code move ~0.05x
  between runs: a change of ~1% is read by the counts, not by these. The tree after
  (d9c28e0) twice more, load 10 -> 8: break_on(op) 1.03x, 1.08x; file:line 1.06x, 1.08x;
  nan=True 1.08x, 1.19x; a condition 1.08x, 1.16x; an empty mode 1.05x, 1.10x.

Thirteenth pass (issue 15: the Recorder toward the numpy engine's; predictions first). Load
0 -> 18 -> 10 (seven sessions); decisions by counts (callgrind, 8x8, a step over 20 steps after
10, each part stubbed by a monkeypatch in one process, HEAD 4e3d126 against the change) and by
getrusage in one process (28x28, rounds alternated):
- the budget: 256 MiB by default; a 28x28 step counts 9.9 MiB (5.27 MB of numpy copies, 30 a
  step, and 5.1 MB of torch memory kept as the four large gradients' views), so 25 steps fill
  it (an 8x8 step 0.49 MiB: 526 steps). 97% of the copied bytes are the four activations
  (conv1, relu1, conv2, relu2: 5.13 MB); each is an op's output the inspector shows, no value
  is copied twice (a parameter read twice, a view: one copy per tensor and version), and the
  six gradients copied again at `optimizer.step()` (10.6 KB: AccumulateGrad's tensor is a new
  Python object) are 0.2% of the bytes;
- user/system split and faults a step (28x28, three runs of 5-9 rounds x 40 steps, load 4-18):
  plain 5.1-6.3 ms user, 0 faults; filling 7.6-9.3 ms user + 0.65-0.88 ms system, 296-406
  faults; budget full (the same Recorder each round, evicting) 7.8-9.2 ms user, 0.0-0.1 ms
  system, 0 faults;
- a buffer pool (the dropped steps' arrays reused by np.copyto): predicted ~0 once full
  (faults are 0 there already: glibc hands freed blocks back), nothing while filling (nothing
  dropped yet). Its upper bound (a ring of 64 arrays per shape reused with no check, which
  overwrites kept values): full 1.501x -> 1.449x, user 9.18 -> 9.23 ms, system 0.10 -> 0.00
  ms (7 rounds, load 8-12): within noise, not built. An arena per step faults the same pages
  (huge pages only past numpy's 4 MiB madvise, with compaction stalls: the tenth pass);
- copying fewer bytes: the upper bound of deriving relu's output from its input's copy when
  read (relu outputs not copied, stubbed): filling 1.656x -> 1.427x (faults 296 -> 0 a step,
  system 0.78 -> 0.01 ms), full 1.495x -> 1.446x, against no copies at all 1.353x (9 rounds,
  load 17-18). The largest lever left, and not the adapter's alone: the Recorder's records
  take `output._value` (an array) when the op runs, and packing, byte counts and every look
  read it, so a value made on read needs records that hold one (debugger/packed.py,
  footprint.py, recorder.py);
- what the Recorder is, by instructions at 8x8 (a step, 55808db, one process, each part
  stubbed by a monkeypatch, a throwaway Recorder first: the first one counted also paid a
  one-off 0.28 M a step, steps.py's scan of the calling code at a new offset): plain 6.223 M;
  the Recorder 9.915 M (1.593x); no copies (each copy one reused array per shape) 9.302 M
  (1.495x): the copies 0.61 M (numpy's array_copy 0.43 M); no byte counting (Footprint's
  counts stubbed to 0, which also spares the budget checks they plan) 9.309 M (1.496x): the
  counting 0.61 M, as much as the copies; the backward pass's hooks (PyFunctionPostHook,
  inclusive: BackwardSteps, their gradients' copies (0.28 M) and views, the Recorder's
  `_on_vjp`) 1.28 M; the rest, ~1.5 M, the mode's floor (an empty mode is ~1.3 M, though the
  adapter's is off in `optimizer.step()`), each op's node, arguments, line and record, the
  updates and the step's end. By CPU at 28x28 (thread time, budget full): the copies 1.0-1.3
  ms a step (5.27 MB), dropping a step 0.2-0.37 ms (most of it `_held()` counting the step
  in progress: count_ops 0.13 ms, count_gradients 0.03 ms; releasing the dropped step's
  memory 28 us when done outside the loop), the backward pass's Recorder part `_on_vjp` 0.16
  ms;
- kept (55808db): a params dict's bytes counted in one list (footprint._params_bytes, ~80
  values a step of a torch loop: conv and Adam update params), values.snapshot and
  gradient_snapshot make their Tensor inline and read a gradient's version once. Predicted
  ~-250 Python calls and ~-1% of the Recorder's instructions; measured 3,784 -> 3,543 calls a
  step (cProfile counts, 28x28, filling; footprint.py 877 -> 664), 10.232 M -> 10.190 M a step
  (1.648x -> 1.638x; plain 6.208 / 6.219 M), -0.042 M (-0.4%, short of -1%: a call in
  3.11 is ~175 instructions); the counting's share 0.88 M -> 0.84 M;
- CPU time, the bench at 28x28 (9 rounds x 40 steps), before (4e3d126; load 0.2 -> 2.2 and
  2.4 -> ~5): the Recorder 1.46x, 1.44x (budget full 1.41x, 1.39x) against the numpy engine's
  1.21x, 1.24x; after (55808db; load 14 -> 15 and ~10 -> 11): 1.46x, 1.43x (budget full 1.51x,
  1.48x) against 1.13x, 1.16x: missed; the change (-0.4% by instructions) is below what these
  runs read. The bench's "budget full" row at 28x28 keeps 4 MiB, less than one 9.9 MiB step:
  every step there is also told it exceeds the budget (a warning made and filtered each step);
- next: the byte count of a step that repeats the last one's ops, shapes and reads (a
  training loop's) taken from the last step's, as `count_packed` already does for the packed
  columns (0.10x by instructions at 8x8; by CPU ~0.04x at 8x8, ~0.03x at 28x28), and values
  derived when read (relu's output, relu's input gradient: half the bytes), both in the
  Recorder's records.

Fourteenth pass, the Recorder (issue 15, toward the numpy engine's; predictions in the commits
a9ebe24, 5c74897). Load 13-20 all through (seven sessions), so counts decide: callgrind, 8x8,
a step over 20 steps after 10, one torch thread, parts stubbed by a monkeypatch in one process:
- the parts (cc4aa48): plain 6.216 M; the Recorder 9.489 M (1.527x); no copies 9.166 M (the
  copies 0.32 M); no byte counting 9.241 M (the counting 0.25 M: 0.04x of plain at 8x8,
  ~0.005x at 28x28, where plain is 54 M). Stubbing the Recorder's `_on_vjp` or the hooks reads
  higher (10.44 M, 9.37 M): a step without backward steps is packed, which costs more than it
  saves, so those stubs price nothing;
- the backward hooks (PyFunctionPostHook inclusive 1.29 M a step, 9 calls): torch's hook
  machinery ~17 k, `register_hook` 0.10 M (a Python RemovableHandle a node), the rest our
  Python, most of it the Recorder's settle in a step's first hook (the forward's records
  sorted, the step before finished and counted: work done anyway). One hook a pass cannot
  give the steps: autograd frees each intermediate gradient, which only a hook on its node
  sees (register_multi_grad_hook is one tensor hook a tensor; saved-tensor hooks see saved
  activations, not gradients; the leaves' `.grad` are read once at the step already);
- kept: a pass the Recorder alone hears gives it its steps in one call as it ends (a9ebe24,
  predicted -0.02 to -0.05 M: Python calls a step 3,252 -> 3,216); a CPU tensor that requires
  grad copied through `numpy(force=True)` (5c74897: 13.47 k -> 10.29 k instructions a copy,
  ~13 a step; predicted -0.03 to -0.05 M). A step, the first Recorder after plain in a
  process (2775ccd's tree): with a9ebe24 9.460 M / 9.484 M (two processes; cc4aa48 9.489 M),
  with 5c74897 too 9.416 M (1.516x of 6.210 M). A later Recorder in the same process read
  9.806 M and 10.177 M for the same code, and still 9.796 M (against 9.408 M first) with
  gc.collect() and gc.freeze() before each window: not the collector; something a process's
  earlier Recorders leave (not found) adds ~0.4-0.8 M to a later one, more than either change,
  so only first-Recorder counts are compared. So the stubs above, counted 3rd-6th in their
  process, understate: the copies 0.32-0.71 M, the counting 0.25-0.64 M. In one such process
  (gc frozen; positions 2-5): both changes 9.408 M, a9ebe24 undone 10.244 M, 5c74897 undone
  9.833 M, both again 9.796 M; counted first in its own process, a9ebe24 undone reads 9.450 M:
  a9ebe24 buys -0.034 to -0.042 M (9.450 -> 9.408 / 9.416 M), 5c74897 -0.044 to -0.076 M
  (9.460 / 9.484 -> 9.408 / 9.416 M), each within its prediction;
- the budget full (4 MiB at 8x8, evicting each step) 10.214 M against 9.460 M filling in one
  process, though the Python opcodes a step differ by ~600 (sys.settrace opcode counts): not
  the Recorder's Python; not found;
- CPU at 28x28 in one process (stubs alternated, 9 rounds x 40 steps, load 10-15): the
  Recorder 1.505x, no copies 1.357x (the copies ~0.15x), no hooks 1.430x; a fresh Recorder a
  round faults its copies in while filling (~260 faults, ~0.47 ms system a step);
- priced, not built: a step's byte count reused when it repeats (0.25 M at 8x8; the
  0.03-0.04x CPU predicted is ~0.005x at 28x28 by instructions; an honest reuse needs a
  signature of the step's ops, shapes, dtypes, wiring and params' sizes, in footprint.py and
  history.py, split this session by their owner); relu's output derived on read (the
  Recorder's records take each output's array when the op runs: packed.py, footprint.py,
  history.py would hold a value made on read);
- CPU, the bench at 28x28 (9 rounds x 40 steps), trees alternated: cc4aa48 (load 1-4) the
  Recorder 1.45x (budget full 1.45x) against the numpy engine's 1.20x; then at load 13-19:
  cc4aa48 1.45x (1.52x) vs 1.14x; a9ebe24's change 1.43x (1.47x) vs 1.12x; cc4aa48 1.57x
  (1.38x) vs 1.22x; both changes 1.52x (1.45x) vs 1.15x: still missed. Rows of unchanged code
  move ~0.15x between runs at this load; the changes (~1% by instructions) are below that.

Thirteenth pass, the breakpoints (issue 15: a margin under 1.1x for a bare condition and
nan=True, and the floor every row pays), predictions in the commits (ae1f752, 9f86f29). The
machine ran at load 5 -> 18 (seven sessions' suites and valgrind runs; CPU rounds of
unchanged code spread +-0.2x), so the counts decide: instructions by callgrind (8x8, a step
over 20 steps, each tree alone in one process: 267f3f8, ae1f752, 9f86f29) and Python calls a
step (cProfile, 8x8, 20 steps):
- a bare condition's updates (ae1f752): the parameters before `optimizer.step()` kept as one
  joined copy on torch's side (finite.join, as nan=True's), read into an update's input only
  when read; an update's output, the parameter, a LazyRead (shape, ndim, dtype from torch,
  its Variable with its copy): numpy copies a step 6 -> 0. Predicted -0.06 to -0.09 M;
  measured 7.350 M (1.177x) -> 7.234 M (1.161x), -0.116 M (this row's count moves ~0.1 M
  between runs, the twelfth pass: its Python calls, 1,168 -> 1,061 a step, are the steadier
  figure); op 6.510 -> 6.502 M, nan 7.041 -> 7.026 M, plain 6.247 -> 6.233 M;
- the floor (9f86f29): `loss.backward()` nobody hears (no tape, no op waiting for its
  steps, no GradientComputed listener) runs with the mode lifted by a stand-in for
  `Tensor.backward` (unheard_backward.py), not through torch's Python `handle_torch_function`
  and the handler; the optimizer step's stand-in puts back the mode it lifted (no new mode
  a step) and pops and pushes it directly when it is alone on the stack. Predicted -0.04 to
  -0.05 M a step for every row; Python calls a step op 516 -> 425, nan 744 -> 653, condition
  1,061 -> 970. Measured: a `(w * 2).sum().backward()` under break_on(op) 253.1 k -> 227.4 k
  instructions (-25.7 k: less than the twelfth pass's 44 + 12 k, of which torch's C++ part
  stays with the ops it runs); a step, ae1f752 -> 9f86f29: op 6.502 M (1.043x) -> 6.436 M
  (1.031x), file:line 6.596 M (1.058x) -> 6.523 M (1.045x), nan=True 7.026 M (1.127x) ->
  6.956 M (1.114x), a condition 7.234 M (1.161x) -> 7.168 M (1.148x), -0.066 to -0.073 M
  each; plain 6.233 -> 6.243 M, an empty mode 7.536 -> 7.574 M (untouched). The pass over
  267f3f8: op 1.042x -> 1.031x, file:line 1.059x -> 1.045x, nan 1.127x -> 1.114x, a
  condition 1.177x -> 1.148x;
- tried, not kept: torch's Python `handle_torch_function` (named by torch.nn.functional,
  torch._tensor, torch.functional) replaced, while the adapter's mode is alone on the stack,
  by one that lifts it and calls the handler (no overloaded-argument scan, no generator
  context). Predicted ~-10 k a call from the twelfth pass's 23.9 k of mode machinery for
  F.relu; measured F.relu under break_on(op) 25.58 k -> 24.54 k instructions a call (-1.0
  k): that machinery is torch's C++ (the handler's call back into torch), not the Python
  path. ~3 k a step: not worth a module patching torch's;
- not cut: nan=True's joined copy and test at the step and its output sums (the twelfth
  pass), the module hooks under nan/condition (they put the mode on other threads);
- CPU time, the bench at 28x28 (real MNIST images, 9 rounds x 40 steps, --no-numpy), one run
  of each tree one after the other: 267f3f8 (load 14 -> 15): break_on(op) 0.96x, file:line
  0.99x, nan=True 1.04x [0.96-1.48], a condition 1.12x [0.94-1.29], an empty mode 1.07x;
  9f86f29 (load 15 -> 12): 1.12x, 1.11x, 1.13x [1.07-1.20], 1.14x [1.07-1.25], 1.08x; then
  267f3f8 (load 9 -> 5): 1.01x, 0.96x, 1.04x [0.84-1.19], 1.04x [0.83-1.20], 1.09x; 9f86f29
  (load 5 -> 4.6): 1.05x, 1.02x, 1.12x [0.87-1.27], 1.12x [0.94-1.32], 1.07x. At load 5
  before this pass (267f3f8, the project's tree): op 1.04x, file:line 1.07x, nan 1.07x,
  condition 1.12x [0.99-1.37], an empty mode 1.06x.
  Rows of unchanged code move 0.05-0.1x between runs at this load (the empty mode, no code
  of ours, 1.07-1.09x): the -0.011 to -0.029x by instructions (8x8; a step's torch work is ~9x
  that at 28x28, so ~0.1-0.3% there) is below what they read; no CPU margin is shown.

Fourteenth pass (issue 15: the breakpoint rows' CPU margin at 28x28; the bench's own noise),
load 3 -> 22 all through (seven sessions); predictions in the commits:
- the bench: each mode's run now sits between two runs of the plain loop and its ratio is
  taken to their mean (was: to one plain run a round, up to ten modes away), and a 'plain
  again' row reads the noise itself (74746d4). Two runs, load 5 -> 11 and 11 -> 19: plain
  again 1.01x [0.91-1.05] / 1.02x [0.90-1.10], an empty mode 1.08x / 1.07x, break_on(op)
  1.03x / 1.06x, file:line 1.05x / 1.06x, nan=True 1.09x / 1.11x, a condition 1.08x /
  1.11x: unchanged rows within 0.03x of each other (the old layout's two runs of the last
  session disagreed by up to 0.07x); not the ~0.02x asked: at load 10-20 a run's own rounds
  spread +-0.1x, and the load itself raises the instrumented rows (cold code, the tenth
  pass), so two runs agree only at like loads;
- where nan=True and a condition stand over break_on(op), by stubs in one process (28x28,
  11 rounds x 30 steps, each between plain runs, load ~15): op 1.056x, nan 1.115x; nan with
  no output tested 1.092x, with no module hooks 1.098x, with no `optimizer.step()` copy and
  test 1.087x; a condition 1.130x, with no module hooks 1.108x. So nan's cost over op is
  three parts of ~0.02-0.03x each (the outputs' sums, the step's joined copy and test, the
  module hooks), none alone a margin;
- kept (6b82710): under a nan breakpoint or a bare condition alone, the global module
  pre-hook only (it puts the mode on other threads), no forward hook keeping layer paths;
  a stop's layer and parameter names, and a condition's `node.scope`, are read off the
  Python stack (LazyNode.scope, from the op's caller while its listeners run). Predicted
  -0.05 M instructions a step at 8x8 (a module call hot 4.07 -> 2.22 us, none 0.91),
  ~-0.003x CPU at 28x28. Measured: nan=True at 8x8 by callgrind 131.34 M -> 130.11 M over 19
  steps (-0.065 M a step; both runs cut at the 20th step by the counting script's batches);
  in one process against the paths forced back on (13 rounds x 30 steps, load 13-22): nan
  1.095x -> 1.097x (not read), a condition 1.140x -> 1.115x (break_on(op) 1.065x);
- not built: one fused finiteness check of a step's outputs, each op tested again only when
  it fails. A breakpoint stops while the op's call is on the stack (pdb at the user's frame,
  `action="raise"` raising from the op's line, ops after it not run): a check that fails
  later can name op k and its line but stops at a later op, after ops that may raise on the
  NaN (torch.multinomial) or overwrite it; and it reads the same bytes (each output once),
  saving only each test's call (~2.5 us hot). A sum under `_set_grad_enabled(False)` in
  place of `detach().sum()`: 2.38 against 2.55 us small, 20.5 against 21.0 us at
  32x16x26x26 (hot): nothing;
- the parameters an update reads under a condition or a nan stop (no forward node made them)
  are named as the model names them ('conv1.weight'), not 'leaf:0' (d21595b): read only when
  an unnamed parameter is read, no cost a step;
- CPU time after, the bench at 28x28 (real MNIST images, 9 rounds x 40 steps, --no-numpy),
  two runs (6b82710, load 19 -> 12 and 12 -> 6.5): plain again 1.04x [0.93-1.12] / 1.06x
  [0.93-1.27], an empty mode 1.09x / 1.09x, break_on(op) 1.06x / 1.04x, file:line 1.02x /
  1.06x, nan=True 1.09x [1.00-1.18] / 1.10x [0.99-1.20], a condition 1.06x [0.95-1.15] /
  1.12x [1.07-1.31], the Runner 1.10x / 1.10x, the Recorder 1.51x / 1.47x (budget full
  1.54x / 1.55x). The 'plain again' row reading 1.04-1.06x says what these runs can read:
  nan=True and a condition sit at the 1.1x goal, not shown below it with a margin; by
  instructions they are ~1.10x and ~1.14x at 8x8 (the thirteenth pass, less this pass's
  -0.065 M), where a step's torch work weighs ~9x less than at 28x28.

Fifteenth pass, the Recorder (issue 15: replay on a look, priced before building). Load
3 -> 21 all through (eight sessions); one process, stubs alternating with the real rows, each
run between two plain runs (28x28, 9 rounds x 40 steps); predictions first:
- the design the numpy engine has: keep per step only what cannot be computed again (the
  batch and labels, the parameters' values at the step's start: 6 small tensors here,
  copied since `optimizer.step()` writes over them), the calls once per program (function,
  non-tensor arguments, each tensor's producer: an earlier call, a parameter, outside),
  checked each step by a key (function, user line, layer, producers, other arguments); on a
  look run the calls again under autograd (the activations, and the backward steps'
  gradients by torch.autograd.grad over the rebuilt graph): no backward hook, no node, no
  activation copy while training. Priced by two stubs (monkeypatches, not kept):
  (a) its floor, a mode that checks each call's key and copies the inputs from outside,
  and copies the parameters at the optimizer's post-hook, nothing else (predicted
  1.08-1.12x): 1.088x [1.03-1.13], in the same rounds an empty mode 1.051x, the Recorder
  1.574x, budget full 1.446x (load 9 -> 11);
  (b) faithful: the real adapter and Recorder (module hooks, steps.py, GradientComputed with
  the step's gradients and loss, the Recorder's step end), with only each op's node, copies,
  record and `autograd.remember` replaced by (a)'s key check (so no backward hook is
  registered) and the updates' nodes by the parameters' copies (predicted 1.12-1.15x, (a)
  plus the step's machinery): 1.204x [1.13-1.27], in the
  same rounds an empty mode 1.062x, the Recorder 1.573x, budget full 1.440x (load 13 -> 15);
  Python calls a step (cProfile, 8x8) 1,492 against the Recorder's 3,312. So replay would put
  the torch Recorder at ~1.2x, the numpy engine's Recorder's 1.12-1.23x in the bench runs
  below: the one direction left that comes near the goal (the copies and hooks alone are
  1.36x), what stays above (a) being the step's machinery, not per op;
- its premise holds: tests/pytorch/test_torch_recorder_rerun.py runs a recorded CNN step
  again from its batch, labels and the parameters at its start (a TorchFunctionMode's
  capture of the calls on a twin model; torch.autograd.grad, one VJP per op for the input
  gradients) and finds every value the Recorder shows equal bitwise, on one and on two torch
  threads: each op's inputs and output, each backward step's upstream and input gradients,
  each parameter's gradient and its value before and after Adam. A look pays the step
  again, once per step looked at: the calls under `record()` and `TorchTape.run_backward`
  13.9 ms at 28x28 against a plain step's 6.5 ms (best of 15, load 18);
- built in the sixteenth pass (below);
- by instructions (callgrind, 8x8, one process, each row warmed, then fresh runs of 5 and 25
  steps, the difference over 20): plain 6.26 M, the Recorder 9.91 M (1.584x), (b) 7.39 M
  (1.182x);
- the later-Recorder drift of the fourteenth pass, read again (three processes, 8x8, fresh
  Recorders over the same 25 steps): the 2nd, 5th, 9th Recorder of a process and one after
  every row warmed 248.7-250.1 M; (25 - 5 steps) / 20 reads 9.88-9.91 M a step for those,
  the position the bench's --instructions counts every row at (each mode warmed first). The
  first Recorder of a process pays ~44 M of one-offs (imports, caches: 293.4 M over its 25
  steps), which a 5-step window holding them turns into an understatement (7.80 M a step),
  and glibc's malloc is not it (_int_malloc, _int_free, consolidation ~1.08 M a step alike
  for the first and later Recorders and for plain: torch's allocations). So the bench's
  rows are not skewed; the 9.41 M a first Recorder read after 10 warm steps is the outlier
  (not explained), and changes are compared at like positions in a process. Likewise the
  fourteenth pass's budget-full +0.75 M (against a filling Recorder counted first): at like
  positions, 25 steps each, filling 250.2 M and 249.6 M, budget full 249.1 M and 249.3 M;
- CPU time, the bench at 28x28 (random images: a worktree, 9 rounds x 40 steps, --only
  recorder), HEAD 8ad9bdc, two runs at load 3 -> 9 and 18 -> 19: the Recorder 1.50x, 1.46x
  (budget full 1.45x, 1.48x) against the numpy engine's Recorder on its CNN 1.23x, 1.12x;
  copies and hooks alone 1.36x, 1.36x: missed, unchanged this pass (no code changed).

Sixteenth pass, the Recorder (issue 15: replay on a look, built). Load 6 -> 17 all through
(seven sessions); predictions first (the fifteenth pass's stubs: ~1.2x):
- built (0aeb598, d17eba6): for a Recorder alone on the thread, a segment (the calls from
  one training step's end to the next's GradientComputed) recorded fully is learned as a
  program (each call's function, user line, layer, grad mode, other arguments and each
  tensor's producer; each plain `loss.backward()`); a segment that follows it is checked
  call by call by one key and keeps the values from outside (the batch and labels, the
  copies a full recording makes; the parameters' VariableReads, shared with the updates
  that wrote them: no parameter copied for it) and each call's duration: no node, no
  activation copy, no backward hook. One record (debugger/kept_forward.py) stands for it
  in its step; the first look runs its calls and backward passes again under autograd,
  torch's function handling off and torch's threads as in training (torch/step_again.py):
  tests/pytorch/test_torch_kept_steps.py finds every op's inputs, output, gradient, line,
  layer and params, every backward step, the parameters' values and gradients, the loss
  of the CNN's steps equal bitwise to a full recording's. Gradient accumulation (two
  passes a step) is kept, and dropout (torch's generator state kept before its draws, 5 KB,
  set for the look inside `fork_rng`). Recorded fully instead (the segment leaves its
  program: calls since its last backward recorded as they would have been, the rest as they
  run): an in-place op, `out=`,
  `inplace=True`, a call that wrote an input (batch norm's running statistics, by
  versions), a tensor not a contiguous CPU one of a numpy dtype, autocast, an evaluation
  under no_grad that reads a parameter, a GradScaler's scaling, a backward that is not a
  plain `loss.backward()`, a second optimizer's step inside the training step (a GAN), a
  call that differs from the program, someone else listening from the middle of a step;
- not learned from kept steps (b774027): the numpy engine's `learn()` walked a torch
  segment's records every step for programs nothing follows: 1.31x -> 1.27x (one process,
  11 rounds, within the noise; kept as it only skips work);
- by instructions (callgrind, 8x8, one process, each mode warmed, (25 - 5 steps) / 20, at
  0aeb598 with the switch on and off): plain 6.199 M, recording fully 9.893 M (1.596x), kept
  8.638 M (1.394x), against the faithful stub's 7.39 M (1.182x): the stub replaced the
  updates' nodes by parameter copies; kept here, the 6 update nodes, their copies and
  events and the Recorder's step end are most of what stays (cProfile, 8x8: the step end
  0.6 of 3.65 ms profiled, `updates.finish` 0.27, the key check ~0.2);
- a look at a kept step (its 13 ops and 7 backward steps made, 28x28, one thread, load 6):
  best 5.5 ms, median 14.2 ms, against a plain step's 4.1 / 8.3 ms, once per step looked at;
- CPU time, 28x28 (real MNIST images, 9 rounds x 40 steps), in one process with the
  Recorder recording fully beside it (load 14 -> 11): the Recorder 1.29x [1.19-1.41], budget
  full 1.27x, recording fully 1.51x / 1.49x, the numpy engine's Recorder 1.22x [1.13-1.61],
  copies and hooks alone 1.40x, an empty mode 1.05x, plain again 1.03x; the bench itself at
  b774027, two runs (load 6 -> 6): the Recorder 1.24x [1.18-1.32] / 1.21x [1.18-1.26], budget
  full 1.26x / 1.22x, against the numpy engine's Recorder 1.22x [1.19-1.64] / 1.24x
  [1.20-1.61] (missed by 0.02-0.04x, then met); copies and hooks alone 1.48x / 1.43x, an
  empty mode 1.05x / 1.07x, plain again 1.00x / 1.00x; the breakpoint rows unchanged (op
  1.04x / 1.03x, nan=True 1.08x / 1.08x, a condition 1.07x / 1.08x). At the goal within these
  runs' noise, no margin: what is left over the mode's floor is the step's machinery (the
  updates' nodes, the Recorder's step end), not per op.

Seventeenth pass, the Recorder's kept steps' gaps (636780e: a step left after its backward
joined as one graph, a look mid-step, a stopped Recorder let go, a call whose output is off
the CPU recorded fully). Per followed step it adds a `result.is_cpu` read a call and the
sink's `follows` set and cleared; predicted +2k to +4k instructions a step (+0.03-0.05%).
Measured (callgrind, 8x8, the "recorder on" mode, (25 - 5 steps) / 20, warmed, the tree
before 636780e against 636780e, each alone, load 15): 8.379 M -> 8.367 M a step (-0.14%:
below the counts' run-to-run variation, so no change measured). No CPU-time run this pass.

Fifteenth pass, the breakpoints (issue 15: nan=True and a bare condition toward a margin under
1.1x at 28x28), load 10 -> 20 all through (eight sessions; valgrind runs got ~4% of a core and
did not finish by the deadline, so no instruction counts this pass); predictions first:
- a conv output's test, priced (one thread, float32 32x16x26x26, timed right after the conv
  that made it / hot, medians of 7 rounds x 40): torch's sum then `math.isfinite` 76 / 20 us
  (62 / 19 under no grad), a dot with itself 87 / 38 (`v @ v` 85 / 33, numpy's sdot of a
  host view 75 / 21), amax and amin 92 / 40, aminmax 91 / 41, numpy's sum 128 / 68,
  `isfinite().all()` 901 / 715. The sum stays: after a conv the test pays for reading 1.4 MB
  the conv's kernel left outside the core's caches (the same sum hot: 20 us), as any exact
  test would. test_torch_nan_conv_outputs holds it exact: one NaN, one +Inf, one -Inf (the
  relu after it makes 0) and a +Inf/-Inf pair (sum NaN), each found at the conv and its line
  (all four fail with conv outputs assumed finite);
- the parts, by stubs in one process (28x28, 9 rounds x 30 steps, each between plain runs,
  load 12 -> 17): op 1.036x, nan 1.107x; nan with no conv read 1.069x, no output read 1.105x,
  no step copy and test 1.093x, no module pre-hook 1.095x; a condition 1.092x, no pre-hook
  1.105x, no updates 1.086x; an empty mode 1.082x; plain again 0.980x. 'No output read'
  above 'no conv read' says the noise (~0.03x) is the size of each part: only the conv reads
  (~0.03-0.04x, the eleventh pass's 0.027x) stand out, and they are the exact test's floor;
- the module pre-hook under nan/condition alone keeps no layer path (6b82710: a stop reads it
  off the stack); it stays to put the mode on a thread that runs a module. Its price: 6
  Python calls a module call (torch's slow path, `_before`, `_on_thread`), 4 a step, ~0.002x
  at 28x28 by its hot cost: not cut;
- the optimizer step's check, not changed: a foreach norm or max of the 6 parameters was
  priced at 21-39 us against 14-16 for the joined sum (ninth, tenth passes), and testing only
  the parameters after, with no copy before, would show a NaN update without what it started
  from (test_torch_nan_updates): the copy is what the stop shows;
- kept (5899e54), the path every op takes under nan/condition: the call, its first tensor and
  its test inlined, a scalar output (the loss) read by `math.isfinite` of its detached value
  with no sum (3.6 -> 1.3 us hot), `tensors_of` with no generator (conv2d's stride, padding,
  dilation; keywords), a LazyNode's versions by attrgetter. Predicted -20 to -50 Python calls
  a step, ~0.2% of the instructions, invisible in CPU; measured (sys.setprofile, 8x8, a
  step): nan=True 312.9 -> 291.9 Python calls (over break_on(op)'s 227.2: 86 -> 65), a
  condition 469.9 -> 422.9 (243 -> 196); hot per call (F.linear) within noise;
- the bench's noise: `--only` takes several names (4dce63c). Two runs of 4 rows x 15 rounds x
  30 steps (load 14-19) agreed within 0.005-0.023x (plain again 0.997x / 0.992x, op 1.039x /
  1.062x, nan 1.101x / 1.117x, condition 1.112x / 1.097x); pinned to one core (taskset -c 1)
  they spread wider (op 1.084x / 1.061x, condition 1.156x / 1.075x): not adopted;
- CPU time, the bench at 28x28 (real MNIST images, 9 rounds x 40 steps, --no-numpy), before
  (8ad9bdc, load 10 -> 11; 82340d3, load ~15 -> 14) / after (aa13801 with 5899e54, load ~12
  -> 10.6 and 8 -> 5): plain again 0.98x, 0.99x / 0.97x, 1.04x; break_on(op) 1.04x, 1.07x /
  1.04x, 1.05x; file:line 1.05x, 1.05x / 1.04x, 1.09x; nan=True 1.13x, 1.11x / 1.12x, 1.11x;
  a condition 1.10x, 1.11x / 1.13x, 1.08x; an empty mode 1.07x, 1.09x / 1.09x, 1.06x; the
  Runner 1.07x, 1.04x / 1.10x, 1.05x; the Recorder 1.40x, 1.47x / 1.51x, 1.47x (budget full
  1.43x, 1.53x / 1.50x, 1.51x). The two trees side by side (--only break_on, 15 rounds x 30
  steps, one process each at once, load 12 -> 9): before op 1.04x, file:line 1.08x, nan 1.12x,
  a condition 1.09x; after 1.06x, 1.03x, 1.09x, 1.11x. nan=True and a condition sit at the
  1.1x goal, as before, no margin shown: nan's cost over break_on(op) is the conv outputs'
  read (the exact test's floor) and the step's joined copy and test; the condition's the node
  of each of 7 ops and 6 updates, no part of it above ~0.01x.

Sixteenth pass, the breakpoints (issue 15: nan=True and a bare condition at <= 1.1x on the
28x28 CNN). Load 0.4 at the start, then 12-26 all through (seven sessions' browser suites,
notebooks and valgrind runs; a plain step 7.4-11.4 ms against 4.3 at load 1), so rounds of
unchanged code spread +-0.1x and counts were to decide (the Python calls a step did; the
instruction counts drifted, below); predictions first:
- the bench at the start (b473c32's tree, 9 rounds x 40 steps, --no-numpy, load 3.6 -> 15):
  plain again 1.01x [0.96-1.06], an empty mode 1.08x, break_on(op) 1.05x, file:line 1.08x,
  nan=True 1.08x [1.06-1.20], a bare condition 1.11x [1.07-1.23]: met and missed by 0.01x,
  inside the noise of the row that changes nothing;
- nan=True's parts by stubs in one process (28x28, 11 rounds x 30 steps, each run between
  two plain runs, load 16 -> 26): op 1.04x, nan 1.12x, no output read 1.09x, no step copy or
  test 1.15x, no module pre-hook 1.14x, a condition 1.16x, plain again 1.03x [0.95-1.13]:
  at this load a stub that removes work reads above the row it stubs, so no part is read;
- tried, not kept: a conv output read from its end back (the bytes the conv wrote last are
  the ones still in the core's 2 MiB L2; a forward sum evicts them before it reaches them),
  as k slices summed last first. A loop of conv, test, relu twice (the CNN's two layers,
  28x28, one thread, 40 rounds x 10, thread time, load 14): the forward sum +229 us over no
  test, halves from the end +303, quarters +266, eighths +392. No gain. The same loop with
  a sum of the output's first 64 values alone: +155 us (the whole +227; again: 179 against
  169), numpy's sum of its first 16 +188, `detach()` or `torch.empty(1)` ~0: what costs
  after a conv is touching its output at all, not the bytes a test reads (this loop faulted
  ~980 pages an iteration, the bench's 0: its figures are indicative only);
- kept (e6c2c78): under a nan breakpoint or a bare condition alone, the global module
  pre-hook (it puts the mode on another thread at that thread's first module call, and
  sends every module call down torch's slow path: the CNN's 4 a step, `_call_impl`'s hook
  loop, `_before`, `_on_thread`) is installed only once a second thread exists: with one
  thread, `threading.setprofile` waits for the next thread started, whose first call
  installs it as before (test_torch_break_layers_off_stack: the NaN born on another thread
  still stops there, at its layer and line). A thread alive when the breakpoint is armed (a
  notebook kernel's) or another profiler set keeps the pre-hook from the start. Predicted
  -20 to -40 k instructions a step, CPU -0.002 to -0.01x at 28x28 (the fifteenth pass's
  hot price ~0.002x; its stubs read 0.012-0.017x within their noise). Measured: Python
  calls a step (sys.setprofile, 8x8, 20 steps) nan=True 292.05 -> 268.05, a condition
  423.05 -> 399.05 (break_on(op) 227.05); by instructions not read: callgrind in one
  process (50 forward passes of the 8x8 CNN under nan=True, no grad, the pre-hook forced
  back and not, ABBA) drifted with position, 2.493, 2.472, 2.384, 2.344 M a pass (pairs'
  means 2.419 M with it, 2.428 M without), and a training-step count (8x8, each row
  twice) moved 7.7-11.8 M a step for plain alone: more than the ~20-40 k predicted, so no
  instruction figure is claimed for it; CPU in one process, the
  pre-hook forced back alternating with the change (28x28, 30 steps a run, each between
  plain runs): at load 21 -> 9, 13 rounds (a plain step 11.4 ms): nan 1.13x [0.99-1.25] ->
  1.13x [1.08-1.72], a condition 1.17x [0.99-1.87] -> 1.11x [1.06-1.34], op 1.07x, plain
  again 1.02x [0.87-1.17]; at load 9 -> 5, 11 rounds (plain 7.15 ms): nan 1.10x [0.94-1.20]
  -> 1.10x [0.92-1.25] (8.05 -> 7.79 ms a step), a condition 1.11x [1.07-1.19] -> 1.09x
  [1.00-1.19] (8.39 -> 8.09 ms), op 1.05x, plain again 0.99x [0.94-1.23]. Within the noise
  of either run; the Python calls a step are the figure;
- CPU time after, the bench at 28x28 (real MNIST images, 9 rounds x 40 steps, --no-numpy,
  --only break_on empty 'plain again'), two runs at load 3.7 -> 5.5 and 5.3 -> 5.3: plain
  again 1.00x [0.84-1.11] / 1.01x [0.89-1.09], an empty mode 1.05x / 1.10x, break_on(op)
  1.03x / 1.05x, file:line 1.05x / 1.07x, nan=True 1.07x [1.04-1.15] / 1.14x [1.00-1.24], a
  condition 1.15x [0.92-1.21] / 1.11x [1.00-1.18]. nan=True and a condition still sit at the
  1.1x goal, one run each side of it: not shown met;
- what is left over break_on(op), by the calls a step it adds (8x8, after): nan=True 41
  Python calls (7 traced calls, `_writes_no_input`, `passes`, 6 `finite`, the updates'
  start and finish) and ~90 C calls (5 sums with their detach and read, 2 joins, 14
  perf_counter reads); a condition 172 (each op's and update's LazyNode, its `tell`, the
  condition). None of them is a part above ~0.01x in CPU at 28x28; the conv outputs' reads
  stay the exact test's floor (the fifteenth pass).

Seventeenth pass, the breakpoints (issue 15's last miss: nan=True at <= 1.1x at 28x28, read
1.11x / 1.11x at the last runs). Load 1.6 at the start, then 7-12 all through (seven
sessions); each idea predicted, then priced by a microbenchmark or by stubs in one process
(monkeypatches, 28x28, 30 steps a run, each run between two plain runs), no tree changed:
- the start (4eae7c0, 9 rounds x 40 steps, --no-numpy, --only break_on empty 'plain again',
  load 1.6 -> 3.8): plain again 1.01x [0.98-1.07], an empty mode 1.08x, break_on(op) 1.05x,
  file:line 1.06x, nan=True 1.10x [1.07-1.15] (printed MISSED: a ratio just above 1.1), a
  condition 1.11x [1.08-1.14];
- torch's own behaviour the ideas rest on (checked): relu of NaN is NaN, of +Inf +Inf, of
  -Inf 0; max-pool keeps a NaN; the mean of float32 [3e38, 3e38] is inf (CPU accumulates
  in float32: a mean makes an Inf of finite values, so its output stays tested);
- the consumer check (a conv's output not read; the relu after it read instead, and on a
  hit the producers walked back): not exact. A -Inf born in the conv is 0 after the relu
  (test_torch_nan_conv_outputs' "one -Inf"), so the conv's output still needs its own read
  for -Inf; and a hit found at the relu stops after the conv's call has returned. Priced
  anyway, as its upper bound; predicted ~-0.02x (a hot read of the relu's output, ~20 us,
  in place of the conv output's cold one, ~76 us, twice a step). Measured: (1) the CNN's two
  layers and backward, 28x28, 400 iterations alternating, perf_counter around each call
  (load 7): conv1's output summed right after the conv 82 us, the relu after it then 119
  us; not summed, the relu 140 us, then the conv's output summed 71 us or the relu's output
  51 us (conv2: 59 / 46 / 37 us). Whichever reads the conv's output first pays its cold
  read (the relu runs 20 us faster after a test), so the move saves ~10 us a layer, not
  ~56; (2) in the loop (15 rounds, load 7 -> 10): nan 1.109x, the conv tests moved to the
  relus' outputs 1.114x, no conv test at all 1.108x, break_on(op) 1.047x, plain again
  1.008x. Not built;
- nan's parts again, by stubs (25 rounds, load 9 -> 12): break_on(op) 1.055x, nan 1.103x;
  no step copy or test 1.069x, no output test 1.062x, no conv test 1.074x, plain again
  1.000x [0.94-1.10]; an earlier run (21 rounds, load 10 -> 10): op 1.055x, nan 1.100x, no
  step copy or test 1.083x, no output test 1.069x. The output tests read ~0.03-0.04x in
  both (the conv reads ~0.03x of it: the exact test's floor), the step 0.02-0.03x;
- the step's copy and test (start and finish hot: 27 us a step, `flatten_dense_tensors`
  twice ~20 us of it; predicted -0.005 to -0.01x for a cheaper form), priced hot (the CNN's
  6 parameters and 6 gradients, best of 7 x 2000 calls): the joined copy by one flatten
  15.7-19.9 us, by numpy (each tensor's `numpy(force=True)`, 1.6 us each, then one
  concatenate) 24.8-33.0 us; the test after, the joined sum 14.6-15.1 us, numpy's 18.4-18.7
  us, `_foreach_norm(p, inf)` stacked and summed 59.9 us (the ninth and tenth passes' finding
  holds). In the loop (21 rounds, load 9 -> 9): nan 1.111x, the step by numpy views of the
  parameters cached with no validity check (an upper bound) 1.104x, the test alone with no
  copy before 1.107x, break_on(op) 1.035x: within the noise, ~0.01x at most. The copy is
  what a NaN update shows (test_torch_nan_updates); reusing the last step's joined copy of
  the parameters as the next step's "before" would show a stale value after a write
  through `.data` (a WGAN's clipping: `.data` has its own version counter). Not built;
- is the mode needed for nan=True: the CNN's 7 ops are 3 module calls (conv x2, linear: a
  forward hook sees them, after their forward) and 4 functional calls (F.relu x2,
  `x.mean`, F.cross_entropy) that only a mode hears; so the mode stays, and with it the
  floor (an empty mode 1.08x; break_on(op) 1.04-1.05x, the mode being off in zero_grad,
  backward and the step);
- `loss.item()`, the one call a step that reaches the mode and is no op: 0.15 us plain,
  2.45 us under break_on(op) (hot). A stand-in for `Tensor.item` lifting the mode (as for
  `backward`) would save ~2 us there and cost ~0.3 us (estimated: a Python call) on every
  item() off the mode, Adam's 6 `step_t.item()` a step inside `optimizer.step()` among them:
  net ~0. Not built;
- CPU time, the bench at 28x28 (real MNIST images, 9 rounds x 40 steps, every row, niced),
  two runs at load 8.7 -> 9.0 and 9.0 -> 9.4: plain again 1.02x [0.95-1.11] / 1.01x
  [0.95-1.13], an empty mode 1.10x / 1.07x, break_on(op) 1.04x / 1.04x, file:line 1.08x /
  1.04x, nan=True 1.09x [1.06-1.21] / 1.09x [1.06-1.14], a condition 1.09x [1.06-1.25] /
  1.08x [1.05-1.15], the Runner 1.06x / 1.05x, the Recorder 1.29x / 1.27x (budget full
  1.28x / 1.27x) against the numpy engine's Recorder on its CNN 1.20x / 1.25x, copies and
  hooks alone 1.59x / 1.63x. No code changed this pass: nan=True read 1.09-1.11x across
  these runs and the start's, at the goal, no margin shown; what it pays over break_on(op)
  is the conv outputs' reads (the exact test's floor: no read moved or skipped saves more
  than the noise) and the step's joined copy and test (the copy is what a NaN update shows).
- by instructions (callgrind, 8x8, a step, `--instructions` on 069a1c6's tree): plain
  6.25 M, an empty mode 7.58 M (1.213x), break_on(op) 6.42 M (1.028x), file:line 6.51 M
  (1.042x), nan=True 6.81 M (1.089x; 6.956 M, 1.114x, at the thirteenth pass), a condition
  7.00 M (1.121x), the Recorder 8.37 M (1.340x; 8.367 M at its seventeenth pass, so its CPU
  rows above, 1.27-1.29x against 1.21-1.23x at load 0.1-1 the session before, moved with
  the load, not the code), budget full 8.44 M, copies and hooks alone 7.74 M. The same run's
  CPU rows at 8x8 (load 8.6 -> 4.2): plain again 1.00x [0.85-1.26], an empty mode 1.19x,
  break_on(op) 1.10x, file:line 1.16x, nan=True 1.26x, a condition 1.32x: at 8x8 a step's
  torch work is ~4x smaller, the debugger's per-call cost the same.

Eighteenth pass, the breakpoints (issue 15: nan=True with a margin, <= 1.06x, at 28x28), load
2.7 at the start, then 5-11 all through (seven sessions' suites, notebooks and valgrind
runs); no change to the nan path was kept. Predictions first; each idea priced in one process
(monkeypatches, 28x28, 40 steps a run, each run between two plain runs, rounds alternated),
by thread time inside the parts, and hot:
- the start (6bbb76a, 9 rounds x 40 steps, --no-numpy, load 2.7 -> 4.3): plain again 0.99x
  [0.97-1.04], break_on(op) 1.07x [1.03-1.10], nan=True 1.11x [1.06-1.15];
- where nan's time goes in the loop (thread time a step inside each part, six alternating
  runs, load ~5): the mode's handler 1,715-1,886 us under break_on(op) (the ops' own work
  inside it), 1,999-2,271 us under nan (+~300); inside it the output tests 227-247 us (the
  two conv2d outputs 166-201, mean 18-25, the two relus' skip 15-20, linear 10-15, the loss
  4-6); `optimizer.step()`'s copy before 79-103 us (its join of 12 tensors 56-65: 12 small
  tensors, ~15 us hot, paying the caches the backward pass left) and its test after 38-59;
- predicted: the copy before and the traced call's Python ~0.01x each, the conv reads ~0.02x.
  Measured by stubs (medians of 11-21 rounds): op 1.059x / nan 1.102x / no output test 1.098x
  / no step copy or test 1.097x (load 5); op 1.049x / nan 1.124x / the traced call a bare
  call-through with the step kept 1.085x / no output test 1.075x (load 6); op 1.083x / nan
  1.107x / no copy before the step (the parameters tested after, nothing kept) 1.109x (load
  5-9); op 1.074x / nan 1.103x / the floor, every op heard by a call-through and no step copy
  or test, 1.048x (load 8-9); op 1.058x / nan 1.131x / the traced path kept with no test and no
  step copy 1.100x / the floor 1.064x (load 9-11); plain again 0.99-1.01x in each. So nan's
  ~0.04-0.07x over the floor is spread over the traced call's Python (~0.03x), the tests and
  the step, and no part removed alone reads outside the noise (~0.03x at these loads),
  consistent with what runs between torch's kernels paying the caches they left, one part
  removed handing its misses to the next (the seventeenth pass's relu that runs faster after
  a test). Hot, relu 32x16 requiring grad (best of 5 x 20,000, load 9): plain 12.1 us,
  break_on(op) 33.3, nan 64.8, nan with the test stubbed 46.7, the floor 40.6;
- tried, not kept: the tests and the step's copies on numpy views of torch's memory
  (`t.data.numpy()`, np.dot, np.concatenate: no torch dispatch at all) 1.130x against nan's
  1.094x (13 rounds, process time: numpy's dot runs on two threads above 10,000 values), its
  copy before the step 93-109 us in the loop against flatten_dense_tensors' 56-65;
- not built, the fused check (one finiteness test over a step's outputs kept by reference,
  answered per op only when it fails, the first non-finite one then located among them): it
  removes the per-op work the stubs say is the cost, but cannot stop where a nan breakpoint
  stops. A stop today comes while the op's call is on the stack: pdb at the user's frame on
  the op's line, `action="raise"` raising from it, no op after it run (`model(images)` alone
  hits at the linear: test_torch_breakpoints). A fused check answers at a later call (the
  backward, the step, `item()`), after the ops that follow have run on the NaN (an index or
  `torch.multinomial` raising on it first, an in-place op overwriting it) and with the op's
  frame returned (a module's forward) or moved past its line: it can name the op and its
  line, not stop at them. Also not built: a stand-in forward for leaf modules (conv, linear)
  that lifts the mode around them (torch's machinery for calling a mode costs ~38 k
  instructions a conv2d call, the twelfth pass): it lowers the floor, not nan's ~0.05x over
  it;
- so nan=True stays at the goal without the margin asked: 1.09-1.13x in these runs against
  break_on(op)'s 1.05-1.08x, on this mechanism; what would clear it is a check that does
  nearly nothing per op, which the stop forbids;
- the end (9 rounds x 40 steps, --no-numpy, --only break_on empty 'plain again', 28x28), two
  runs at load 7.5 -> 10.8 and 10.8 -> 6.9: plain again 1.04x [0.92-1.12] / 1.01x
  [0.94-1.07], an empty mode 1.07x / 1.09x, break_on(op) 1.08x / 1.05x, file:line 1.10x /
  1.07x, nan=True 1.18x [1.08-1.34] / 1.14x [1.02-1.24], a condition 1.11x / 1.12x (the
  load, not the code: no breakpoint path changed); by instructions (callgrind, 8x8, a step,
  `--instructions`, ca5417f's tree, load ~9): plain 6.25 M, an empty mode 7.59 M (1.213x),
  break_on(op) 6.43 M (1.028x), file:line 6.53 M (1.043x), nan=True 6.81 M (1.089x), a
  condition 7.01 M (1.120x), the Recorder 8.33 M (1.332x), budget full 8.39 M, copies and
  hooks alone 7.74 M: the seventeenth pass's counts, within 0.01 M.

Kept steps for clipped and micro-batched loops, RNN calls kept, `model.forward(x)` named by
its path (dc618a6, 0cd9c78, ca0faca, ad0040d): by instructions (callgrind, 8x8, a step, one
process each, the tree before against it with only tapeviz/torch changed; predicted: the
Recorder +0.01 M, one thread-local read a module call and one frame check a root call,
the rest unchanged): plain 6.252 -> 6.252 M, the Recorder 8.392 -> 8.403 M (1.342x ->
1.344x), budget full 8.387 -> 8.384 M, copies and hooks alone 7.754 -> 7.745 M,
break_on(op) 6.430 -> 6.413 M, file:line 6.531 -> 6.515 M, nan=True 6.823 -> 6.804 M, a
condition 7.026 -> 7.000 M: the breakpoint rows, whose path did not change, moved by
-0.02 M, so the Recorder's +0.011 M is within what the heap layout moves.

Kept steps where they were never kept (7b857a2, 5aaa85b, b86f92a): steps alternating between
two programs (a program is found at the call where they part, or learned from there),
the step after an evaluation under no_grad (the evaluation recorded fully beside it), a
GAN's two optimizers in one step (the record in two parts around the first one's updates),
`clip_grad_value_` as one op (was 8 in-place `_foreach_clamp` heads: never kept).
Predicted: each such loop's Recorder from its full-recording cost to about the kept CNN's
(~1.3-1.4x by instructions at 8x8), the evaluation loop less (its evaluations stay recorded
fully). Instruction counts were not made: at load 18 (eight sessions) one callgrind run of
3 steps had not finished after 21 minutes. CPU instead, one process, rounds alternating
plain / the Recorder recording every step fully (kept_steps.ON off: what 994651b did on
these loops) / keeping steps (this tree), 8x8 digits, one torch thread, 60 steps a round
(the first step or two of each Recorder recorded fully and learned), 5 rounds, medians, load
18-19 (the debugger's Python weighs more at this load: the CNN's own kept row reads 2.05x
here against ~1.3x at load 1): the CNN (reference, kept before too) full 2.68x, kept 2.05x;
a loss alternating every other step 2.67x -> 2.21x; an evaluation of a held-out batch every
other step 2.74x -> 2.59x (half its steps carry an evaluation's forward recorded fully);
a GAN (Linear 4-64-2 generator, 2-64-1 critic, batch 64) 4.68x -> 3.28x; at 20 steps a round
(7 rounds, load 18) clip_grad_value_ 2.72x -> 2.38x.

Nineteenth pass, the breakpoints (issue 15: a margin for nan=True and a bare condition),
load 14-18 all through (eight sessions' suites and valgrind runs: a plain 28x28 step 7.7 ms
against 4.3 at load 1). Predictions first:
- the bench (this pass's change in, 28x28, 9 rounds x 40 steps, --no-numpy, --only break_on
  empty 'plain again', load 18): plain again 1.00x [0.97-1.09], an empty mode 1.06x, break_on(op)
  1.07x, file:line 1.07x, nan=True 1.11x [1.08-1.19], a condition 1.12x [1.08-1.16]: both
  still on the line, as the eighteenth pass left them;
- what each does per step beyond break_on(op) (sys.setprofile, 8x8, 20 steps): Python calls
  a step op 227, nan=True 268, a condition 399. The condition's 172 are 13 node forms a step
  (7 ops, 6 updates), each a LazyNode, `tell`, the breakpoints' `conditions_asked`, the
  user's lambda, then `node.output` (a `LazyOutput` made by its `__init__`), `.ndim` and its
  `_source`; and 7 `_traced`/`_told`/`by_form`/`tensors_of`/`keeps_paths` a step;
- kept: `node.output` makes its LazyOutput with no `__init__` frame, and `.ndim` reads the
  tensor's with no `_source` call while its version has not moved (what a condition on
  shapes reads of every op). Predicted -20 Python calls a step (7 outputs, 13 reads; an
  update's output is a parameter's LazyRead, unchanged), -25 to -40 k instructions a step of
  ~7.0 M (~0.5%: invisible in CPU time at this load). Measured: a condition 399 -> 379
  Python calls a step; nan=True 268, break_on(op) 227, unchanged. By instructions
  (callgrind, 8x8, the tree with and without the change side by side, two processes, 5
  steps counted after 2, hash seed 0): plain 6.261 / 6.265 M, a condition 7.054 -> 7.037 M
  (1.127x -> 1.123x, -17 k), nan=True 6.840 -> 6.855 M (+15 k: its path did not change), so
  the -17 k sits inside what this short count moves; the Python calls are the figure;
- the bench again once the load fell (the change in, 28x28, 7 rounds x 30 steps, load 0.8 ->
  0.4, a plain step 5.35 ms): plain again 1.01x [0.96-1.05], an empty mode 1.06x,
  break_on(op) 1.03x, file:line 1.05x, nan=True 1.08x [1.05-1.11], a condition 1.09x
  [1.06-1.11]: under the goal at a calm machine, by 0.01-0.02x, not the margin asked;
- not built, priced from the passes before: the conv outputs' sums (removing them read
  1.108x against 1.109x, the seventeenth pass: a relu after pays the same cold read), the
  step's joined copy of gradients as well as parameters (the gradients are not written by
  torch's optimizers but for foreach Adam with maximize and weight decay; ~10-20 us hot of a
  7 ms step, below the noise), an isfinite().all() per output (~10x a sum, the fifteenth
  pass). So nan=True and a condition stay on the 1.1x line, 0.04-0.05x over break_on(op), on
  this mechanism; what would give them a margin is a check that does nearly nothing per op,
  which a stop at the op forbids (the eighteenth pass).

Twentieth pass, nan=True (issue 15: a margin), load 16-22 all through (eight sessions' suites):
no CPU row could be read, so ideas were priced hot and cold in one process, predictions first:
- trusting an op's output unread where it cannot make NaN/Inf from finite inputs: exact only
  for finite.KEEPS_FINITE's (relu, max-pool, views: skipped since the eighth pass); every
  other op of the CNN can overflow from finite inputs (conv2d, linear and mean sum, the loss
  exponentiates), so its output is read unless a bound says it cannot overflow. The only
  exact bound is interval arithmetic, |out| <= max_o sum|w_o| * max|x| + max|b| well under
  float32's max (any summation order, a Winograd transform's too, with a 1e8 margin): at 28x28
  for the second conv2d (32x16x24x24 out), cold caches (a 16 MB sweep between calls), medians
  of 9 x 50 calls: the output's scan (finite.finite) 78 us, the bound reading its input 248
  us, the bound from the parameters alone with the input's bound carried from the op before
  (a new per-tensor record through every op) 47 us. Predicted at most -2 x 31 us of a ~7 ms
  step (<= 0.009x), against the seventeenth pass's measure that dropping the conv scans
  altogether moved nan=True 1.109x -> 1.108x (the relu after pays the cold read instead):
  not built;
- a joined test of several outputs, or one at the backward boundary walked back on failure,
  cannot stop at the op (the eighteenth pass), and views of checked tensors are KEEPS_FINITE's
  already. So nan=True stays where the nineteenth pass left it (1.08x calm, 1.11x at load):
  on this mechanism the margin is the floor's (break_on(op) 1.03-1.07x), not the test's.

Twenty-first pass, the floor by parts (issue 15: a margin for nan=True and a condition from a
lower floor). Load 1.5 at the start, then 10-18 (eight sessions' suites and valgrind runs).
The start (28x28, 9 rounds x 40 steps, --no-numpy, load 1.5): plain again 1.01x, an empty
mode 1.08x, break_on(op) 1.05x, file:line 1.04x, nan=True 1.07x [1.02-1.26], a condition
1.10x. Predictions first:
- what a step sends to the mode with only a breakpoint armed (sys.setprofile, 8x8, 20
  steps): 228 Python calls a step against plain's 159, +69: the handler 8 times (conv2d x2,
  relu x2, mean, linear, cross_entropy, item), the optimizer's stand-in lifting and putting
  back the mode (2 `_remove`, 2 `_push_under_users`), and ~45 of torch's own: F.relu x2 and
  F.cross_entropy are Python functions that reach a mode through torch's Python
  `handle_torch_function` (`_get_overloaded_args`, `_is_torch_function_mode_enabled`, the
  generator context manager `_pop_mode_temporarily` with `_pop_mode`/`_push_mode`), 15 calls
  each. No user-line lookup, node or module hook runs for an op nobody hears: those are
  paid only by what is heard (nan, a condition, file:line; the passes before);
- hot, one relu (32x16) a call (best of 9 x 5000, load ~1.5): plain 2.1-2.5 us, under a
  mode that only calls through 10.7-12.9 us, our handler +0-2 us over it; `torch.relu`
  (C, no Python way) under the same mode 5.2 us. Torch's Python way alone: its context
  manager 2.6 us against 0.17 us for a raw pop and push; F.relu with the mode popped and
  pushed around the handler directly 3.5 us against 10.7. By callgrind (2000 F.relu calls
  under a call-through mode): 33.8 k -> 15.2 k instructions a call. (The thirteenth pass
  priced the same idea at -1.0 k a call: its stand-in cannot have reached the calls);
- kept (python_calls.py): while anyone listens, torch.nn.functional's and torch.functional's
  `handle_torch_function` is a stand-in that pops the adapter's mode and calls its handler
  when it is alone on the stack and the arguments are plain tensors, Parameters or None
  (torch's way would find no override either); torch's own otherwise (a user's mode, a
  subclass, another thread). Predicted -55 k instructions a step under break_on(op) and
  nan=True (2 F.relu, 1 F.cross_entropy; 6.42 M -> ~6.37 M at 8x8, 1.028x -> ~1.019x), and
  ~-0.005x CPU at 28x28, below what a run reads. Measured in one process, the stand-in
  swapped for torch's own in alternating rounds (28x28, 9 rounds x 30 steps, each run
  between two plain runs, load 14 -> 18): break_on(op) 1.075x [1.00-1.22] -> 1.036x
  [0.97-1.11], nan=True 1.119x [0.96-1.16] -> 1.109x [1.04-1.14]; hot at that load (2000
  calls, 15 alternating rounds) F.relu under break_on(op) 54.1 -> 28.2 us, F.cross_entropy
  132.6 -> 85.4 us. The step's instruction counts (callgrind, 8x8, both ways, one process
  each) had not finished at load 18 by this pass's stop;
- left: the modes' C++ way for conv2d, mean, linear and item (~4-5 us hot each, torch's);
  `loss.item()` lifted by a stand-in for `Tensor.item` (~2 us a step; Adam's six
  `step_t.item()` would pay its Python call: net ~0, the seventeenth pass); leaf modules
  run with the mode lifted when nobody hears their ops (conv2d +4.5 us hot under a mode,
  linear +0.9): a stand-in `forward` per module class, and a route check per module call;
  not built this pass;
- the end (58584ba's tree, the same command as the start, load 5.3 -> 4.9): plain again 1.00x
  [0.92-1.09], an empty mode 1.10x, break_on(op) 1.05x, file:line 1.03x, nan=True 1.13x
  [1.00-1.21], a condition 1.11x [1.03-1.21]. Rows of no code of ours moved as much (the
  empty mode 1.08x -> 1.10x): the whole-bench runs at unlike loads do not read a change of
  this size; the alternating rounds above are the figure, and no margin for nan=True or a
  condition is shown by them.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import glob
import operator
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import weakref

import numpy as np

import tapeviz.torch as tvt   # first: without torch it says how to install it
from tapeviz.debugger import Recorder, Runner
from tapeviz.debugger.recorder import StepsDroppedWarning

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "pytorch"))   # one definition of the torch CNN
sys.path.insert(0, str(ROOT / "bench"))
import instructions  # noqa: E402
from digits_cnn import digit_batches, make_training  # noqa: E402
from tapeviz.keras.datasets.mnist import load_idx_folder  # noqa: E402
from torch.optim.optimizer import (register_optimizer_step_post_hook,  # noqa: E402
                                   register_optimizer_step_pre_hook)
from torch.overrides import TorchFunctionMode  # noqa: E402

BREAKPOINT_GOAL = 1.1
MNIST = ROOT.parent / "shared" / "data" / "mnist"   # the real t10k files, beside the project
BATCH = 32


def mnist_batches(count: int) -> tuple[list, str]:
    """(`count` batches of 32 images (B, 1, 28, 28) in 0-1 with labels, where they came
    from): the real MNIST test images when the shared data folder holds them, else random
    ones of that shape (the speed does not depend on the values)."""
    needed = count * BATCH
    if MNIST.is_dir():
        images, labels = load_idx_folder(MNIST)["test"]
        images, labels, source = images[:needed], labels[:needed], "the real MNIST test images"
    else:
        generator = np.random.default_rng(0)
        images = generator.integers(0, 256, (needed, 28, 28), dtype=np.uint8)
        labels = generator.integers(0, 10, needed)
        source = f"random 28x28 images ({MNIST} is absent)"
    images = tvt.torch.tensor(images, dtype=tvt.torch.float32).unsqueeze(1) / 255
    labels = tvt.torch.tensor(labels, dtype=tvt.torch.int64)
    return [(images[i:i + BATCH], labels[i:i + BATCH]) for i in range(0, needed, BATCH)], source


def batches_of(size: int, count: int) -> tuple[list, str]:
    """(`count` batches of the guide's CNN input at `size` x `size`, what they are)."""
    if size == 28:
        return mnist_batches(count)
    return digit_batches(count=count), "the offline 8x8 sklearn digits"
OWN_ZERO_GRAD = tvt.torch.optim.Optimizer.zero_grad   # torch's, imported before anyone listens


@contextlib.contextmanager
def plain():
    yield


class EmptyMode(TorchFunctionMode):
    """A TorchFunctionMode that only calls through: the floor of any mode on this loop."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def empty_mode():
    with EmptyMode():
        yield


class CopyingMode(TorchFunctionMode):
    """The least any recorder built on this mechanism does, and nothing more: a
    TorchFunctionMode (off during `optimizer.step()` and `zero_grad()`, as the adapter's) that
    keeps a numpy copy of each differentiable op's inputs and output, a post-hook on each
    output's autograd node that keeps a copy of the gradients flowing through it, and a copy of
    each parameter and its gradient after the step; one copy per tensor and version. No node,
    event, step or budget: what the Recorder costs above this row is the debugger's own model."""

    def __init__(self):
        super().__init__()
        self.kept = []
        self.copies = {}   # id(tensor) -> (weakref to it, version, copy): no tensor kept alive
        self.hooks = []

    def copy(self, tensor):
        entry = self.copies.get(id(tensor))
        if entry is None or entry[0]() is not tensor or entry[1] != tensor._version:
            entry = self.copies[id(tensor)] = (weakref.ref(tensor), tensor._version,
                                               tensor.detach().numpy().copy())
        self.kept.append(entry[2])

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if isinstance(result, tvt.torch.Tensor) and result.grad_fn is not None:
            for arg in args:
                if isinstance(arg, tvt.torch.Tensor):
                    self.copy(arg)
            self.copy(result)
            result.grad_fn.register_hook(self.gradients_flowed)
        return result

    def gradients_flowed(self, grad_inputs, grad_outputs):
        for grad in grad_inputs + grad_outputs:
            if grad is not None:
                self.copy(grad)

    def step_starts(self, optimizer, args, kwargs):
        tvt.torch._C._pop_torch_function_stack()   # this mode, the only one on the stack

    def step_ends(self, optimizer, args, kwargs):
        for group in optimizer.param_groups:
            for parameter in group["params"]:
                self.copy(parameter)
                if parameter.grad is not None:
                    self.copy(parameter.grad)
        tvt.torch._C._push_on_torch_function_stack(self)

    def __enter__(self):
        self.hooks = [register_optimizer_step_pre_hook(self.step_starts),
                      register_optimizer_step_post_hook(self.step_ends)]

        def zero_grad_without_mode(optimizer, set_to_none=True):   # it runs no op
            tvt.torch._C._pop_torch_function_stack()
            try:
                return OWN_ZERO_GRAD(optimizer, set_to_none)
            finally:
                tvt.torch._C._push_on_torch_function_stack(self)
        tvt.torch.optim.Optimizer.zero_grad = zero_grad_without_mode
        return super().__enter__()

    def __exit__(self, *exc_info):
        while self.hooks:
            self.hooks.pop().remove()
        tvt.torch.optim.Optimizer.zero_grad = OWN_ZERO_GRAD
        return super().__exit__(*exc_info)


@contextlib.contextmanager
def copying_mode():
    with CopyingMode():
        yield


@contextlib.contextmanager
def recorder_on():
    with Recorder():
        yield


FULL_BUDGET = 4 * 2**20   # ~8 of the CNN's steps: each round evicts as it records
_full_recorder = Recorder(max_bytes=FULL_BUDGET)


@contextlib.contextmanager
def recorder_full():
    """The Recorder whose budget is full (a long loop's steady state): the same one each
    round, filled by the warm-up, each step evicting the oldest (its warning silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepsDroppedWarning)
        with _full_recorder:
            yield


def _never_run(x):
    return x * 2   # the file:line rows' breakpoint: a line of this file that runs an op, never run


NEVER_RUN_LINE = _never_run.__code__.co_firstlineno + 1


def armed(**criteria):
    @contextlib.contextmanager
    def mode():
        bp = tvt.break_on(**criteria)
        try:
            yield
        finally:
            bp.clear()
    return mode


UNDER_RUNNER = object()   # the steps run as a Runner's training function
MODES = {
    "plain": (plain, None),
    "plain again (what noise reads)": (plain, None),
    "an empty TorchFunctionMode (the floor)": (empty_mode, None),
    "recorder on": (recorder_on, "numpy"),
    "recorder, budget full (evicting)": (recorder_full, "numpy"),
    "copies and hooks alone (a recorder's floor)": (copying_mode, None),
    "break_on(op='log'), never hit": (armed(op="log"), BREAKPOINT_GOAL),
    "break_on(file, line), never hit": (armed(file=__file__, line=NEVER_RUN_LINE),
                                        BREAKPOINT_GOAL),
    "break_on(nan=True), never hit": (armed(nan=True), BREAKPOINT_GOAL),
    "break_on(condition=...), never hit": (armed(condition=lambda node: node.output.ndim > 4),
                                           BREAKPOINT_GOAL),
    "runner, never paused": (UNDER_RUNNER, None),
}


def run(mode, train_step, batches, threads: int) -> None:
    """One pass of `train_step` over `batches` under `mode`."""
    def loop():
        tvt.torch.set_num_threads(threads)   # OpenMP's count is per thread: the Runner's too
        for images, labels in batches:
            train_step(images, labels)
    if mode is UNDER_RUNNER:
        Runner(loop).start().join()
    else:
        with mode():
            loop()


def timed(mode, train_step, batches, threads: int) -> float:
    """CPU seconds of the process for one pass of `train_step` over `batches` under `mode`."""
    gc.collect()
    start = time.process_time()
    run(mode, train_step, batches, threads)
    return time.process_time() - start


COUNTED_STEPS = (5, 25)   # instructions a step: the difference over the 20 steps between


def count_worker(size: int) -> None:
    """Under valgrind (see `instructions_a_step`): each mode warmed up, then run for each of
    COUNTED_STEPS steps inside `operator.call`, which collects and dumps its count."""
    _, _, train_step = make_training()
    batches, _ = batches_of(size, COUNTED_STEPS[1])
    for mode, _ in MODES.values():
        run(mode, train_step, batches[:5], 1)
    for mode, _ in MODES.values():
        for steps in COUNTED_STEPS:
            operator.call(run, mode, train_step, batches[:steps], 1)


def instructions_a_step(size: int) -> dict:
    """{mode: instructions a step} on `size` x `size` images, by valgrind's callgrind in one
    process (the torch import under valgrind takes minutes): one dump per counted run, in
    MODES' order. Only the calling thread is counted: the Runner's loop runs in its own
    thread, so its row is not."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.out")
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--collect-atstart=no",
             f"--toggle-collect={instructions.TOGGLE}", "--dump-after=_operator_call",
             f"--callgrind-out-file={out}", sys.executable, __file__,
             f"--count-worker={size}"],
            capture_output=True, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        if done.returncode:
            raise SystemExit(f"valgrind failed: {done.stderr[-2000:]}")
        dumps = sorted(glob.glob(out + ".*"),   # one per counted run; the one at exit: no suffix
                       key=lambda name: int(name.rsplit(".", 1)[1]))
        counts = [int(re.search(r"^summary: (\d+)", pathlib.Path(dump).read_text(),
                                re.M).group(1)) for dump in dumps]
    steps = COUNTED_STEPS[1] - COUNTED_STEPS[0]
    return {name: (counts[2 * i + 1] - counts[2 * i]) / steps
            for i, name in enumerate(MODES) if MODES[name][0] is not UNDER_RUNNER}


def numpy_recorder_ratio(rounds: int, steps: int) -> tuple[float, float, float]:
    """(median, min, max) over rounds of the numpy engine's Recorder on the guide's CNN
    (bench_debugger's cnn_loop) over the same loop plain."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_debugger import armed as numpy_armed, cnn_loop, recorder_on as numpy_recorder
    from bench_debugger import run
    loop = lambda: cnn_loop(steps)   # noqa: E731
    loop()
    ratios = []
    for _ in range(rounds):
        base = run(numpy_armed(), loop)
        ratios.append(run(numpy_recorder, loop) / base)
    return statistics.median(ratios), min(ratios), max(ratios)


def cpu_seconds(size: int, args) -> tuple[dict, dict, str]:
    """({mode: CPU seconds of each of its runs}, {mode: its ratio in each round}, what the
    images are): `args.rounds` rounds of `args.steps` steps of each mode, each mode's run
    followed by one of the plain loop (plain, mode 1, plain, mode 2, plain, ...; the modes'
    order reversed every other round). A mode's ratio is its time over the mean of the two
    plain runs beside it: a load that changes over the ~0.2 s between them cancels, where
    one plain run a round, up to ten modes away, moved rows of unchanged code ~0.07x between
    two runs."""
    _, _, train_step = make_training()
    batches, source = batches_of(size, args.steps)
    names = [name for name in MODES
             if name != "plain" and any(only in name for only in args.only)]
    for name in ("plain", *names):
        timed(MODES[name][0], train_step, batches[:5], args.threads)   # warm up: routes, Adam
    seconds = {name: [] for name in ("plain", *names)}
    ratios = {name: [] for name in names}
    for round_ in range(args.rounds):
        before = timed(plain, train_step, batches, args.threads)
        seconds["plain"].append(before)
        for name in names if round_ % 2 == 0 else reversed(names):
            spent = timed(MODES[name][0], train_step, batches, args.threads)
            after = timed(plain, train_step, batches, args.threads)
            seconds[name].append(spent)
            seconds["plain"].append(after)
            ratios[name].append(spent / ((before + after) / 2))
            before = after
    return seconds, ratios, source


def print_seconds(size: int, seconds: dict, ratios: dict, source: str, args,
                  numpy_ratio) -> None:
    print(f"{size}x{size} images ({source}), batches of {BATCH}: torch {tvt.torch.__version__},"
          f" {args.threads} thread(s), {args.steps} steps a run, {args.rounds} rounds, each "
          f"mode's run between two of the plain loop; CPU ms a step (median), ratio to the "
          f"plain runs beside it (median [min-max] over rounds)")
    for name, (_, goal) in MODES.items():
        if name not in seconds:
            continue
        ms = statistics.median(seconds[name]) / args.steps * 1e3
        if name == "plain":
            print(f"  {name:<44}{ms:7.2f} ms")
            continue
        median = statistics.median(ratios[name])
        line = (f"  {name:<44}{ms:7.2f} ms {median:6.2f}x "
                f"[{min(ratios[name]):.2f}-{max(ratios[name]):.2f}]")
        if goal == "numpy" and numpy_ratio is not None:
            numpy_median, low, high = numpy_ratio
            verdict = "met" if median <= numpy_median else "MISSED"
            line += (f"  goal <= the numpy engine's Recorder on its CNN, {numpy_median:.2f}x "
                     f"[{low:.2f}-{high:.2f}]: {verdict}")
        elif isinstance(goal, float):
            verdict = "met" if median <= goal else "MISSED"
            line += f"  goal <= {goal}x: {verdict}"
        print(line)


def print_instructions(size: int) -> None:
    counts = instructions_a_step(size)
    print(f"{size}x{size} images: instructions a step (valgrind callgrind, one torch thread, "
          f"the difference between {COUNTED_STEPS[1]} and {COUNTED_STEPS[0]} steps), ratio "
          f"to plain:")
    for name in MODES:
        count = counts.get(name)
        print(f"  {name:<44}" + ("not counted: the loop runs in the Runner's thread"
                                 if count is None else
                                 f"{count / 1e6:7.2f} M {count / counts['plain']:6.3f}x"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 28], choices=(8, 28),
                        help="the image sizes to run: 8 (the offline digits), 28 (MNIST)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch's intra-op threads (default 1: the work each mode does; "
                             "an idle OpenMP thread spins, and CPU time counts it)")
    parser.add_argument("--only", nargs="+", default=[""],
                        help="time only the modes whose name holds one of these texts (and "
                             "plain): fewer rows, more rounds in the same time")
    parser.add_argument("--no-numpy", action="store_true",
                        help="skip the numpy engine's Recorder ratio")
    parser.add_argument("--instructions", action="store_true",
                        help="also count each mode's instructions a step with valgrind "
                             "(one process a size, ~5 minutes each)")
    parser.add_argument("--count-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_worker:
        return count_worker(args.count_worker)
    if args.instructions and not instructions.available():
        sys.exit("valgrind is not installed (apt-get install valgrind) to count instructions")
    numpy_ratio = None if args.no_numpy else numpy_recorder_ratio(max(3, args.rounds // 2),
                                                                  steps=5)
    for size in args.sizes:
        seconds, ratios, source = cpu_seconds(size, args)
        print_seconds(size, seconds, ratios, source, args, numpy_ratio)
        if args.instructions:
            print_instructions(size)


if __name__ == "__main__":
    main()
