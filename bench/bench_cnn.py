"""The guide's CNN training step (batch 32, 28x28x1) in tapeviz against PyTorch, side by side.

Conv2D(16, 3x3, relu) -> Conv2D(16, 3x3, relu) -> GlobalAveragePooling2D -> Dense(10), Adam,
sparse categorical cross-entropy from logits: forward, backward and the Adam update, in one
process. Both models start from the same weights; one step is checked to give the same loss
and gradients (to 1e-4) before anything is timed. Then rounds alternate (tapeviz first in
even rounds, PyTorch first in odd ones), each timing `--steps` steps of both; the ratio is
the median over rounds of tapeviz's median step time over PyTorch's. Goal (issue 14): <= 1.0x.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_cnn.py [--rounds 15]
[--threads 2] (those two variables force numpy's OpenBLAS onto an older kernel; a user's
machine has none).

A Keras layer's call asks whether it is given KerasTensors (the functional API): predicted
~0 (one type check a call); a step of three Dense layers under a tape, with SGD (callgrind, 200
steps): 2,556.5k instructions before, 2,562.6k with a look into every input (+0.24%), 2,556.4k
with a tensor told apart first (kept).

Figures, 2026-12-07, fifteenth round (base 994651b; load 6-19 all round, the others' suites
and valgrind beside: processes of the two trees alternated read noise, 1.06-1.18x for either,
so each change is measured on and off alternated in one process, one BLAS thread, 20 steps a
round). Ops in the step at the start (forwards wrapped, load ~6, ms a step): both fused
convs 1.55, the filter gradients 1.26, conv2d_backprop_input 1.05, relu_grad 0.49 (two),
reduce_sum 0.16 (the bias sums), reduce_mean 0.10; the step 5.54, so 0.7 ms is Python
outside the ops (at load 9: forward 0.45, loss 0.10, gradient 0.39, update 0.20 ms; on 1x5x5
images 0.12, 0.04, 0.17, 0.07).
Kept:
- relu's gradient folded into the next conv's input gradient (tapeviz/ops/relu_fold.py): the
  first layer's relu output is the second conv's input, so its gradient is that conv's input
  gradient and relu_grad of it at once; the taps' blocks are masked by relu's output while in
  cache (conv_taps.input_gradient's store), written once. The same bits (relu_grad's integer
  product, block by block); conv2d_backprop_input's own value a LazyTensor made by its op when
  read (a debugger stepping the pass sees it), and only while nobody can tell: no recording
  tape, Recorder, layer listener or trace, no one hearing either op (tests/test_relu_fold.py).
  Predicted -0.1 to -0.2 ms; measured on/off (12 rounds, load 6.4): gradient 3.771 -> 3.514,
  step 6.367 -> 6.063 ms (0.980x, rounds 0.855-1.014); relu_grad 0.486 -> 0.337 ms a step;
- the fused store's runs at most one image (16,384 values), not five: its tiled bias and zeros
  36 KB each, not 184 KB. Predicted -0.03 to -0.08; the second conv fused, cold (100 calls a
  variant alternated, load 17): 1.658, 1.621 -> 1.541, 1.547 ms; in the step (12 rounds, load
  18): forward+loss 2.738 -> 2.581, step 7.325 -> 7.112 ms (0.976x, rounds 0.936-1.005);
- both on/off together (16 rounds, load 17): gradient 4.548 -> 4.359, forward+loss 2.962 ->
  2.709, step 7.769 -> 7.452 ms (0.966x, rounds 0.872-0.993).
  The fold's Python, callgrind on 1x5x5 images (10 steps): 3,433.9k -> 3,464.1k instructions
  a step with ndarray.ctypes finding a block's place (3.6 us a call), 3,442.2k with
  blas.address (+0.24% over the base).
This file --threads 1 --rounds 9 with the fold alone (load 10): held 1.09x (rounds
0.90-1.14x; 6.35 against 5.78 ms), faulting 0.86x. Processes of 994651b and this round's
tree alternated, held (--summary, 7 rounds): at load 14-15 1.14x, 1.18x -> 1.10x, 1.15x (the
fold alone); at load 18-19 1.07x, 0.99x -> 0.94x, 1.01x (both), PyTorch's own step moving
7.0-8.4 ms between runs. cnn_phases --held at load 18: both trees' gaps +0.39 and +0.78 ms,
the load's noise, not a figure. At the end (05e983b), this file --threads 1 --rounds 9,
three runs alternated at load 16-21: held 1.00x (0.96-1.05x), 994651b's 1.04x (0.99-1.17x),
then 1.11x (1.07-1.16x; PyTorch 7.77, 7.75, 6.78 ms): no figure of a calm machine this round.
Measured and not kept:
- reduce_sum's ones-matmul as 2-D, not 3-D (the same bits): 18.1 against 18.7 us hot on the
  second conv's 32x24x24x16, 22.4 against 23.2 on the first's 32x26x26x16: nothing; its
  errstate and finite check cost ~6 us a call (3 a step);
- the store's runs capped by gcd(pixels, 256) or 64 (not whole images): 1.217-1.233 against
  1.249 ms for the second conv, one run at load 7: whole images kept (above).
Not done, with what each would buy:
- the second layer's relu_grad (~0.24 ms a step, its upstream the pool's broadcast
  gradient): its output feeds the bias sum before the conv's VJP runs, so the fold above
  has no place for it; written into the input gradient's grid it would be a strided view,
  whose sum leaves the ones-matmul (numpy's loop: 1.6 ms) or changes the bias gradient's
  bits;
- the bias sums inside a block loop (the input gradient's store, the filter gradient's
  rows): the sum's bits would follow the blocks, not reduce_sum's one product, so a
  debugger running the ops one by one would show other bits;
- the taps' Python (a tiny image: the fused second conv 61 us, 24 of them the three
  ctypes products of a block; the input gradient 61, the filter gradient 29): a plan per
  geometry would save ~10 us an op call, ~0.5% of a step.
Left (the held goal stays missed: ~1.05x at load 1 by the README's 1.09x less the 0.966x
above, unmeasured at a calm load this round): the second relu_grad's pass (~0.1 over
threshold_backward's share), the bias sums (0.16, inside oneDNN's backward), the filter
gradient's 17% of zero rows (~0.15), and the Python outside the ops (~1.1 ms a step at
28x28 under load against ~0.4 on 1x5x5 images: the interpreter's code and objects cold
after each op's megabytes), less the update (-0.3 to -0.4).
Sixteenth round (base 0ed2922, load 6-20, the fixed cost alone: 1x5x5 images). A step by
function (cProfile, 200 steps, cumulative ms a step, inflated by the profiler): gradient()
1.07 (Backward's walk and the VJPs 0.97), the model's call 0.89 (the two fused convs 0.57),
apply_gradients 0.40 (Adam's values 0.14, the pairs' checks 0.13), the loss 0.22. Counted a
step: 24 dispatches, 11 tape records, 5 LazyTensors, 5 Layer.__call__, 14 name scopes, 7
source-line walks, Adam's 24 numpy forwards (4 a variable). Instructions a step (callgrind,
steps 30 less steps 10, gc frozen and off, one BLAS thread, hash seed 0): 3,439.9k at
0ed2922 (with BLAS's threads left on, five runs of these trees read 3.12-3.67M a step:
their spinning counts).
Kept:
- name_scope a class, not a contextlib generator (dispatch.py): every Layer.__call__ and
  optimizer apply enters one; 3.7 -> 1.5 us an entry (alternated, load ~20). Predicted
  -20k to -40k instructions a step (14 entries); measured 3,439.9k -> 3,399.4k
  (-1.2%, 985a1bb); bench_dispatch's scalar chain 362.0k -> 361.8k an iteration.
Measured and not kept:
- Adam's unheard update over all six variables laid end to end (one concatenation each of
  the gradients, values, m and v, four forwards, the results cut and copied back: PyTorch's
  fused Adam's way, the same bits). Predicted -40k to -60k instructions a step; the apply
  alone (callgrind, 100 applies, gc off; no BLAS in it): 709.9k -> 757.6k instructions
  (+6.7%); the six variables' values alternated in one process (10 rounds, load 5.7): 70.0
  against 70.9 us.
  At the guide's sizes (10 to 2,304 values) numpy's call costs, not its loops: the 24
  ravels, 4 concatenations and 18 copies back cost what the 20 forwards left out saved. It
  pays only with m, v and the variables living in one flat buffer (each a view), which
  every assign and checkpoint load would have to keep, and which the debugger's footprint
  would count otherwise (a view counts no buffer of its own).
Left: the fixed cost is the gradient's walk and the layers' Python (Layer.__call__'s own
code about half of a pooling layer's call on a 1x5x5x16 input: 98-101 against 38-59 us for
its call() alone, load ~20), not the optimizer (its gap -0.09 ms on 1x5x5, fourteenth round).
Seventeenth round (base b8c57424, load 2 at 14:29 rising to 12-22 from 14:35 on: eight
engineers' suites and valgrind beside; each change measured on and off in one process, one
BLAS thread, 20 steps a round). At the start (load 1.9-5), this file --threads 1 --rounds 9:
held 1.14x (rounds 1.09-1.25x; 7.12 against 6.07 ms), faulting 0.94x; cnn_phases --held
(load 6.2): forward +0.31, loss +0.07, gradient +0.25, update -0.36, step +0.19 ms (6.23
against 6.04); --small: forward +0.12, loss +0.04, gradient +0.13, update -0.12, step +0.16.
Kept:
- the filter gradient image by image (conv_taps._filter_gradient_by_images, 5fe5e61): an
  image's taps over its grid rows from its first output pixel to its last (622 of the
  guide's 676: the rows under its last output row, where g is laid as zeros, left out), all
  images in one batched matmul, image-major (an image's 40 KB of rows and g hot for its nine
  taps), the products summed; other bits than the blocks' (the op's own: fused and unfused
  alike). Predicted -0.1 ms a step; isolated, hot (load 12): 1.26-1.41 -> 1.16-1.30 ms; in
  the step, alternated: 12 rounds at load 12.4 7.132 -> 6.931 ms (0.992x, rounds
  0.948-1.154), 16 rounds at load 15.9 8.151 -> 7.838 ms (0.980x, 0.918-1.035);
- the Keras call path (d1cbd5e): Dense and Conv2D check an input shape (any batch) once per
  kernel shape (Conv2D checked its channels on every call), the global pools call reduce_mean
  and reduce_max's rows (the public functions' checks of the axes ~10 us a call: 29 against
  18 us on 1x3x3x16), Layer.__call__ reads its thread-local context once. Predicted -30k to
  -50k instructions a step on 1x5x5 images; counted (callgrind, 20 steps after 60, gc frozen
  and off, one BLAS thread, hash seed 0, the same tree with the four layer files at b8c5742):
  3,404.2k -> 3,344.1k (-60.1k, -1.8%).
Checked: no step makes a reference cycle (gc.collect() finds 0 unreachable objects after 10
steps; no collection runs in 20 steps with gc on), so no activation waits for the collector.
At the end (load 17-18), this file --threads 1 --rounds 9: held 1.09x (rounds 1.04-1.16x;
6.42 against 5.89 ms), faulting 0.92x (0.80-0.96x); cnn_phases --held (load 17-20): forward
+0.43, loss +0.09, gradient +0.47, update -0.35, step +0.66 ms: at this load a run moves by
more than this round's ~0.15-0.2 ms, so no held ratio of a calm machine this round.
Not done, with what each would buy:
- the pool's sums taken while the fused second conv's blocks are in cache (numpy's per-image
  ones product, called on a block's whole images, gives reduce_mean's very bits): one read
  of 1.18 MB less (~0.05-0.1 ms), but reduce_mean's forward (ops/reduce.py, another
  engineer's file, in flight) would have to take sums kept by the layer's output;
- reduce_mean's and reduce_sum's errstate and finite check (~6 us a call, 5 a step) and
  the taps' Python (~16-27 us an op call on a tiny image; `_tap_offsets` worked out 3 times
  a step): ~0.5% of a step together.
Left: the held goal stays missed at these loads (1.09-1.14x this round, 0.99-1.09x the last):
the second relu_grad's pass, the bias sums, the loss (+0.07-0.09: ops/nn.py's), the forward's
stores, and the Python outside the ops, less the update.
Eighteenth round (base 72e5d0e, load 11-19: the others' suites and valgrind beside; each change
counted on and off by callgrind on the guide's CNN at 1x5x5 images, 20 steps after 70, gc
frozen and off, one BLAS thread, hash seed 0: these count ~1,640k a step where the
seventeenth's method read ~3,340k; its on/off difference is the figure).
Kept:
- the sparse cross-entropy's VJP in numpy while nobody can tell (6ace568): the logits
  gradient g[..., None] * (softmax - one_hot) computed straight, its softmax the forward's own
  exponentials and sums (kept per thread while a tape records, let go once used): four
  dispatches and a softmax less, the same bits; the ops run as before under a recording outer
  tape, a Recorder, a layer listener, a trace or anyone hearing softmax, reshape, subtract or
  multiply (relu_fold.unheard). Predicted -20k to -30k; counted 1,667.6k -> 1,637.4k a step
  (-30.2k, -1.8%); the loss and its gradient alone ((32, 10), 16 rounds alternated, load 18):
  122.9 -> 107.6 us; the step alternated (12 rounds, load 16): 7.191 -> 7.127 ms (0.996x,
  rounds 0.902-1.056);
- reduce_sum's and reduce_mean's VJPs likewise (ca2d337): g laid back over the reduced axes
  by the reshape, truediv and broadcast_to rows' own forwards, wrapped once (the loss's mean
  and the pool's: two calls a step). Predicted -15k to -25k; counted 1,641.3k -> 1,620.1k a
  step (-21.3k, -1.3%); the step alternated (12 rounds, load 12): 7.013 -> 7.117 ms, rounds'
  median ratio 0.999x (0.954-1.050): a fixed cost under the load's noise at 28x28.
Measured and not kept:
- reduce_sum/mean's errstate (the ones-matmul's): np.errstate costs 4.4-5.3 us an entry hot
  (load 16; its __init__ and _make_extobj are Python, and an instance cannot be entered twice,
  so none is reused); but np.matmul and np.dot both
  warn on an overflow or inf - inf ('overflow encountered in matmul'), so without errstate an
  overflowing sum would warn twice (matmul's, then the fallback's own) and, under
  np.seterr(all='raise'), raise naming matmul: the errstate stays. Bounding the input first
  (max |x| against finfo.max / count) costs a pass the size of the sum.
- the finite check by np.add.reduce(total, axis=None), not total.sum(): 4.04 -> 3.65 us on
  the pool's (32, 16) sums, 3.29 -> 2.96 on a bias gradient's (1, 16) (9 rounds, load 10):
  0.3-0.4 us a call, not the ~2 guessed;
Not done, with what each would buy:
- the taps' Python (~16-27 us an op call on a tiny image, 24 of the second conv's 61 us the
  three ctypes products of a block; `_tap_offsets` a 9-item comprehension, <1 us): a plan per
  geometry, ~10 us an op call;
- the pool's sums inside the fused second conv's block loop (~0.05-0.1 ms at 28x28): needs
  reduce_mean's forward to take sums the layer's output carries, with the pool's LazyTensor
  made by reduce_mean's forward when read, and nobody hearing reduce_mean; not started this
  round for want of time.
At the end (ca2d337, load 11-12), this file --threads 1 --rounds 7: held 1.05x (rounds
1.01-1.13x; 6.65 against 6.40 ms), faulting 0.86x (0.82-0.96x): one run at a load between
the seventeenth's start and end (1.14x, 1.09x), so not a before/after; the held goal stays
missed. Left: the second relu_grad's pass, the bias sums, the pool's read, the forward's
stores and the Python outside the ops (Keras's loss checks, keras/losses.py: its labels' min
and max and the logits check, 21.8 us a call against the row's 10.0, load 9), less the update.
Nineteenth round (base e971ae4, 17:52-18:40; load 0.2-1.6 at the start, 10-24 from 17:54 on:
the others' suites and valgrind beside). At the start (load 1.6), this file --threads 1
--rounds 9: held 1.09x (rounds 1.04-1.12x; 5.58 against 5.13 ms), faulting 0.92x. Where the
held step goes (each row's forward and the fused paths timed in the step by thread CPU, 100
steps, one BLAS thread, load ~5; ms a step): the two fused convs 1.59, the folded input
gradient 1.38, the filter gradients 1.28, the second relu_grad 0.23, reduce_sum 0.18 (the
three bias sums), reduce_mean 0.10 (the pool, the loss's mean), nn_fused._record 0.07, Adam's
forwards 0.09, the other rows 0.12: 4.95 of a 5.67 ms step, so 0.72 is Python outside the
rows (at load 15, apply_gradients 0.45 of it: the pairs' checks 0.05, the step size 0.04,
Adam's values 0.24; everything Python costs 2-5x its 1x5x5 time after each op's megabytes).
No collection runs (gc callbacks: one generation-0 collection in 100 steps, 0.14 ms).
Kept:
- SparseCategoricalCrossentropy(from_logits=True)'s checks of shapes and dtypes once per kind
  of call (4ecd89c, keras/sparse_ce_checked.py): a later call of the same shapes and dtypes
  checks the values alone (the labels' range in one pass for integer labels, the logits'
  look) and runs the same ops, reduce_mean by its row. Predicted -10 us a call; the loss
  alone ((32, 10), alternated in one process, 16 rounds, load 18) 41.9 -> 25.8 us a call;
  instructions (callgrind, e971ae4's tree and this round's side by side, 20 calls) 232.9k ->
  187.6k a call (188.1k with the range check's two passes); the guide's CNN on 1x5x5 images
  (20 steps after 80, gc frozen and off, one BLAS thread, hash seed 0) 3,245.3k -> 3,193.6k a
  step (-51.7k, -1.6%); the 28x28 step
  alternated on/off in one process (12 rounds, load 15.5): 7.705 -> 7.697 ms (0.992x, rounds
  0.913-1.097): ~0.3% of a step, under the load's noise.
Processes of e971ae4's tree and this round's alternated, held (this file --threads 1 --rounds
7, load 15-20): 1.04x, 1.05x -> 1.09x, 1.03x (tapeviz 7.49, 6.06 -> 6.97, 6.28 ms): the load's
noise, no figure of a calm machine after the change.
Not done, with what each would buy (none closes the 9%: the held goal stays MISSED):
- the pool's sums inside the fused second conv's block loop (~0.05-0.1 ms): the pooling layer
  would have to make reduce_mean's node itself (as nn_fused does) from sums the fused output
  carries, while nobody hears reduce_mean: not started (time);
- the taps' Python as one plan per geometry (~10 us an op call, 4-5 calls a step: ~1%): the
  Products are cached already; the per-call addresses, offsets and closures are what is left;
- the second relu_grad with the bias sum (0.23 + 0.06 ms): a blocked sum changes the bias
  gradient's bits against the unfused path, which tests/test_conv_fused.py pins bitwise.
Twentieth round (base 7d67786, 18:26-19:05; load 14-17 at the start, 5-9 later). Three
cuts named by issue 14's brief; one built.
Kept:
- Adam's unheard update of all an apply's variables as one array each for m, v and the
  values (keras/optimizers/joined.py): 12 ufunc calls an apply, not 72; the new values are
  views of the joined results, read back as they are the next apply while every variable
  and slot still holds its view (only the gradients joined), the same bits per element
  (tests/test_optimizer_unheard.py: unheard against the update ops bitwise, a variable
  assigned between applies). Predicted from the parts' counts (the six variables' numpy
  450.7k of a 683.5k apply; 100.9k for the formula on one joined array): -250k an apply.
  Counted (callgrind, the guide CNN's six float32 variables, 100 applies after 5):
  683.5k -> 520.4k an apply (-163k, -24%: joining and the views' slices took the rest);
  the apply alone alternated on/off in one process (16 rounds x 300, thread CPU, load 7):
  80.5 -> 65.5 us (0.813x); the 28x28 step alternated on/off (20 rounds x 20 steps, one
  BLAS thread, load 5.5): 5.084 -> 5.089 ms (1.001x): 15 us of a 5 ms step, under the noise.
Not built (time), with what was found:
- warnings_raised() costs 25.4k instructions an apply (np.geterr's dict remade each call,
  np.errstate 0.9 us of its 5.9): one kwargs dict kept per np.geterr() would save ~4 us;
- iterations.assign_add is a full dispatch, 58.9k instructions (16.7 us) an apply: computed
  by assign_add's forward while nobody hears assign_add, as the update is, ~12 us;
- the pairs' checks, 52.9k (14.8 us) for six pairs: keyed once per kind of apply would
  still read each pair's types, shapes and dtypes, ~5 us at most;
- the second relu_grad with the bias sum, and the pool's sums in the fused conv: not
  started. The held CNN row stays MISSED.
Twenty-first round (base 0aad82b, 21:19-22:40; load 0.4-2 at the start, 9-13 from 21:24).
At the start (load 0.4-2), this file --threads 1 --rounds 9: held 1.12x (rounds 1.04-1.28x;
5.43 against 4.67 ms), faulting 0.88x; cnn_phases --held (load 2-3): forward +0.38, loss
+0.07, gradient +0.49, update -0.23, step +0.67 ms (5.65 against 4.98). The ops in the held
step (forwards wrapped, thread CPU, 100 steps, load 3): both fused convs 1.68, the second
conv's filter gradient 1.32 (the first's 0.25 at load 9), relu_grad 0.21, the bias sums
0.18, reduce_mean 0.10, nn_fused._record 0.07, the folded input gradient ~1.4: ~0.75 ms of
Python outside them.
Kept:
- an unheard apply counts its step by assign_add's forward (12849a8): iterations.assign_add(1)
  was a full dispatch whose 1 became an int64 array and took assign_add's array path, ~13 us
  an apply; 0.7 us now, taken only while nobody hears assign_add either. Predicted -59k a
  step (the twentieth's price); counted (callgrind, the guide CNN on 1x5x5 images, 20 steps
  after 80, gc frozen, one BLAS thread, hash seed 0: this method reads ~2,990k a step where
  the eighteenth's read ~1,640k) 2,997.1k -> 2,936.9k (-60.2k, -2.0%); the 28x28 step on/off
  alternated (16 rounds, held malloc, load 9.3): 5.915 -> 5.747 ms, median ratio 1.000
  (0.896-1.068): under the noise.
Measured, not built:
- warnings_raised(): 4.4 us a call, of which np.geterr 1.3 and np.errstate's enter and exit
  2.6 (an errstate cannot be entered twice, so none is kept): a kwargs dict kept per
  np.geterr() saves its comprehension alone, ~0.5 us, not the ~4 priced; only numpy's
  private context variable (_ufunc_config._extobj_contextvar) would save the rest;
- the bias sums' bits: the one test that pins them is tests/test_conv_fused.py, fused
  against op by op (the debugger's path) bitwise; no reference does: against a float64
  PyTorch twin, tapeviz's ones-matmul bias gradients are off 6.3e-7 and 2.9e-6 of their
  largest value, PyTorch's float32 3.5e-6 and 1.2e-5, the two agreeing bit for bit on 6% of
  the entries. So relu_grad with the bias sum needs reduce_sum's one product in both paths
  (its block order everywhere, reduce.py's; the fourteenth round measured that chunking:
  the step 0.999x);
- the pool's sums in the fused second conv: its blocks hold at most one image, so a sum
  there is 32 ones-products a step (~1 us of numpy call each) against the pool's one
  batched product over 1.18 MB (0.10 ms in the step): ~0.03-0.07 ms to win at most; not
  built;
- the taps' BLAS calls by ctypes: 39 products (13 sum_into calls) a 28x28 step, ~40 us; on
  1x5x5 images 91 a step, 204k of the 2,937k instructions (valgrind's Haswell path).
- the pairs' checks by one loop for a loop's usual pairs ((Tensor, Variable) of one shape and
  dtype, known, each once; anything else through the checks): the six pairs' checks 4.5 ->
  2.9 us (processes alternated twice, 15 x 2,000 calls, load 13): 1.6 us an apply, not the
  ~5 priced; not kept (a second path for 0.03% of a step);
- the filter gradient one image a matmul (dw += each image's product, the same bits for 32
  images) against `_filter_gradient_by_images`'s one batched matmul and sum, both on g laid
  already, caches evicted before each call (80 calls alternated, two runs, load 13): 1.092x,
  1.077x the time (a first try read 0.80x: it timed filter_gradient, which lays g on its
  grid when no input gradient did, against the loop on a grid laid once).
Processes of 0aad82b's tree and this round's alternated, this file --threads 1 --rounds 9
(load 10-12): held 1.04x, 0.97x -> 1.01x, 0.98x (tapeviz 5.90, 7.20 -> 6.82, 6.48 ms;
PyTorch 5.75-7.43): at this load PyTorch's step moves more than the change, and the ratio
reads lower than on a calm machine (1.12x at this round's start). The held goal stays
MISSED on a calm machine: what is left is the ~0.75 ms of Python spread over dispatch, the
tape, backward and the layers (no item over ~2% of it), the filter gradient's 288 small
products (16x622 by 622x16, an image's taps), and the stores' and sums' passes whose bits the
debugger's path pins.
Twenty-second round (base a9e3e09, 2026-12-08 00:40-01:50; load 0.2 at the start, 8-12 from
00:45 on). At the start (load 0.2), this file --threads 1 --rounds 7: held 1.08x (rounds
1.03-1.30x; 6.01 against 5.40 ms), faulting 0.83x. Where the held step goes by library code
(new cnn_where.py: perf's samples of 200 steady steps a library, one thread, malloc held,
load 11; ms a step, tapeviz / PyTorch): OpenBLAS 4.07 / -, numpy 1.32 / -, libtorch and
oneDNN's JIT kernels - / 6.54, libc 0.62 / 0.46, the interpreter 2.17 / 0.73 (25.9% / 9.3%
of the step). On 1x5x5 images (2,000 steps): the interpreter 0.66 / 0.24 ms. So the
computing is not where the held step loses (BLAS, numpy and libc 6.0 against 7.0 ms at this
load, numpy's per-call overhead in it; each conv op alone, cold, one thread, load 8-9: the
second conv's forward 1.63 against PyTorch's 2.43,
its input and filter gradients with the bias sum 3.18 against convolution_backward's 3.96,
the first conv fused 0.94 against conv and relu 2.54, its filter gradient 0.42 against 1.40):
it is the interpreter, 2.8-3.0x PyTorch's at both sizes, and the same Python runs 3.3x slower
at 28x28 than on tiny images (PyTorch's 3.0-3.4x: the ops' megabytes leave code and objects
out of the 2 MB L2), 18% of that from the block loops' extra calls (1,576 Python calls a step
against 1,332, cProfile). A fixed cost of N instructions counted on tiny images is worth
~3.3x its tiny-image time at 28x28.
Kept:
- the taps' plan per geometry (conv_taps._plan, 7a42914: the products' maker and its
  Products by block rows, the shifts and tap offsets kept; a call reads its three arrays'
  addresses alone). Predicted ~-30k instructions a step; counted (callgrind, the guide CNN on
  1x5x5 images, 20 steps after 80, gc frozen and off, one BLAS thread, hash seed 0) 2,937.9k
  -> 2,878.6k (-59.2k, -2.0%); the 28x28 held step alternated in one process (20 rounds x 20
  steps, load 10.7): 7.416 -> 7.437 ms, 1.004x (0.936-1.039): under the noise.
Measured, not kept:
- two images a product in the filter gradient (K = 1,298 rows: 144 products a step, not
  288), isolated, cold/hot (25 calls alternated, load 10): 1.278/1.170 against 1.291/1.219 ms
  (-1% to -4%, other bits, within tolerance); it reads the grid rows under the first image's
  outputs, which tests/test_conv_taps.py pins as never read (a NaN there shows), for ~0.04
  ms a step: dropped;
- relu_grad's product another way, the guide's 32x24x24x16 hot (40 calls alternated): now
  200 us (the compare 70, the int32-by-int8 product 136; an int32 mask 138: the cast costs
  nothing hot), np.where 1,386, an int32 mask by greater(out=, casting='unsafe') 354,
  copyto(where=) 9,800: kept as is;
- the fused store adding the bias straight from the strided pixels (runs of 384, not copied
  first) on a block of 5 images, hot: 27.7-33.5 against 21.0 us: kept as is.
Found: laying g on the input gradient's grid (grid[:, :oh, :ow] = g, 1.18 MB) costs 112 us hot
and 165 cold (a contiguous copy of as much 82/122 us: copies run ~14 GB/s here), ~0.15 ms a
step that the taps' layout needs (g's rows 24 wide, the grid's 26); relu_grad writing there
would make its value a strided view, whose bias sum leaves the one ones-matmul (other bits
than the op-by-op path's, which tests/test_conv_fused.py pins) or copies it back.
The held goal stays MISSED: ~1.4 ms of interpreter a step over PyTorch's at 28x28 (load 11),
against ~1 ms of computing ahead. The largest Python item found, for the next round: the
taps' ops on a 1x5x5x16 input (timeit, load 11) take conv_taps.correlate 61 us, input_gradient
84 and filter_gradient 48 a call, ~190 us of a ~740 us tiny step, of which BLAS's work is a
few us (the three ctypes products of a block 14 us); cProfile puts the rest in _tap_adder's
setup (the maker's lookup, addresses, shifts and a closure each call), _keep_outputs and
_accumulate's own lines: the plan above takes the first; _keep_outputs, the stores' run
lengths and _accumulate's own lines are left.
At the end (7a42914, load 8-9), this file --threads 1 --rounds 9: held 1.03x (rounds
0.85-1.18x; 7.38 against 7.18 ms), faulting 0.78x: a loaded machine's reading (1.08x at load
0.2 at the start), not a before/after; no calm figure after the change this round.
Twenty-third round (base d39424d, 2026-12-08 01:07-01:40; load 6-9, valgrind runs beside).
The Python around the taps' ops on the tiny step's second conv (a 1x3x3x16 input, VALID),
timed op by op alternated old/new in one process: the fused conv 80 us, its masked input
gradient 118, the filter gradient 52 a call at load 9 (cProfile: _accumulate's own lines,
_keep_outputs working out its pieces, _tap_offsets three times, the scratch buffers' byte
sum, the fused store's run length; the filter gradient's batched matmul of nine 16x1 by
1x16 products is ~5 us of numpy, not Python).
Kept (6b80d17):
- a geometry's blocks, tap shifts and each block's output pieces laid out once
  (conv_taps._layout, lru-cached by geometry), a reused scratch buffer returned without
  summing the kept set's bytes, the fused store's run length kept per block shape. Same
  bits. Per call (16 rounds alternated): fused conv 0.81x, masked input gradient 0.70-0.82x,
  filter gradient 0.85-0.90x. No prediction was written before the first count (the round
  started from the profile); counted (callgrind, the guide CNN on 1x5x5 images, 20 steps
  after 80, gc frozen and off, one BLAS thread, hash seed 0, the old modules exec'd in for
  the base, one process each): 2,963.2k -> 2,891.5k instructions a step (-71.7k, -2.4%;
  this tree's base reads 2,963k where the twenty-second's end read 2,879k: others' commits
  between). The 28x28 held step alternated old/new in one process (20 rounds x 20 steps,
  held malloc, native kernel, load 7.8): 8.853 -> 8.837 ms, ratio 0.988 (0.945-1.104); an
  earlier 16-round run at load 6.0: 6.192 -> 6.057 ms, 0.978 (0.891-1.158): under the noise.
Left, each a few us a call: _tap_adder's closure and three addresses a call; the filter
gradient's two strided views and its zeros-plus-sum (dw = the one image's products would
keep a -0.0 the sum makes +0.0: other bits); the first conv's im2col path
(_window_key twice a step, _RecentWindows.put's byte sum under its lock); nn_fused._record's
three nodes and two lazy outputs a layer (7 us a call, alone: nothing over 0.6 us in it).
Per call again at load 4.3 (16 rounds alternated): fused conv 53.6 -> 40.6 us, masked input
gradient 76.6 -> 57.3, filter gradient 32.1 -> 28.2 (~36 us of a tiny step). At the end
(6b80d17, load 4-6), this file --threads 1 --rounds 7: held 1.06x (rounds 1.01-1.13x; 6.90
against 6.52 ms), faulting 0.88x: the held goal stays MISSED.

Figures, 2026-12-07, fourteenth round (base d66f09d; load 2 at the start, 6-12 after, the
others' tests beside). At the start (07:50, load 1.8), this file --threads 1 --rounds 9:
held 1.16x (rounds 1.05-1.24x; 5.89 against 5.15 ms), faulting 1.03x. cnn_phases --held
(load 3.4), tapeviz/PyTorch ms: forward 2.22/1.74, loss 0.12/0.06, gradient 3.55/2.96,
update 0.23/0.50, step 6.15/5.27 (+0.87); --small (1x5x5, the fixed cost): +0.13, +0.04,
+0.14, -0.09, step +0.26. The ops in the step (forwards wrapped, load ~2, ms a step): both
fused convs 1.91, conv2d_backprop_input 1.27, the filter gradients 1.15 and 0.19, relu_grad
0.27 and 0.25, the bias sums 0.18, reduce_mean 0.10. Isolated, hot, one thread (best of
100): the second conv's forward 1.10 ms against PyTorch's conv2d with bias 0.72 (85 MFLOP:
118 GFLOP/s, ours 84 on the grid's 92 MFLOP); its input and filter gradients 1.12 and 1.08
against ~0.96 and ~1.04 (PyTorch's forward and backward 2.72, weights and bias only 1.76);
the first conv fused 0.26 against PyTorch's conv and relu 0.31-0.34, its filter gradient
0.17. So the taps' products of depth C = 16 (C's block loaded and stored once a tap, nine
times a block) were where the convolutions lost.
Kept: a kernel row's three taps as one product of depth 48 (blas.OverlappingProducts:
OpenBLAS's own small-matrix kernel for its core called straight, since cblas refuses a
leading dimension under k; A is the grid's rows read in place, overlapping 16 values
apart; only on the cores whose kernels are written for them, SkylakeX and later; valgrind's
Haswell path and other BLAS builds keep one product a tap; up to 64 channels in and out:
128 -> 128 runs 1.28x, 512 -> 512 2.3x slower so, where OpenBLAS's packed gemm wins; VALID's
padded() hands its input back, 1.47 -> 0.08 us a call). Predicted from a prototype
(the second conv's taps 0.96 -> 0.80 ms hot): -0.3 ms a step. Measured: isolated forward
1.10 -> 0.79 ms, input gradient 1.12 -> 0.93 (~115 GFLOP/s, PyTorch's rate); in the step,
on and off alternated in one process (8 rounds x 20 steps, load 5.9): the fused second conv
1.60 -> 1.34, conv2d_backprop_input 1.40 -> 1.14, the step 6.99 -> 6.25 ms; the step alone
(16 rounds, load 9.4): 7.52 -> 6.92 ms, 0.911x (rounds 0.889-0.935x). Processes of the base
and this tree alternated, held malloc (--summary, 7 rounds, load 11-12): 1.180, 1.157,
1.235x -> 1.156, 1.182, 1.138x (tapeviz 7.34, 7.24, 7.92 -> 6.86, 7.19, 6.92 ms);
cnn_phases --held alternated twice (load 10-12): gradient gap +0.96, +0.94 -> +0.65, +0.79
ms, forward +0.65, +0.51 -> +0.41, +0.42, step +1.30, +1.13 -> +1.03, +1.12. This tree's
runs carry another engineer's uncommitted exact-bits softmax (ops/nn.py, softmax_bits.py):
sparse_softmax_cross_entropy_with_logits 0.044 -> 0.264 ms a step (on/off in one process,
6 rounds, load 9.4), the loss phase 0.14-0.16 -> 0.34 ms. At the end (load ~11), this
file --threads 1 --rounds 9: held 1.19x (rounds 1.12-1.26x; 7.58 against 6.29 ms),
faulting 0.94x (0.87-1.07x, 573 faults a step).
Checked, unchanged: the first conv's input gradient is never computed (no
conv2d_backprop_input of 32x28x28x1 in the step: its images are not watched); 0 float64
arrays in 268 op calls over 5 steps; with --threads 2 threadpoolctl reports 2 OpenBLAS
threads (the kernels called straight never thread, nor did cblas's small-matrix path).
Measured and not kept:
- relu_grad taking the bias gradient's sums a chunk of ~4,096 pixels at a time while in
  cache, left for reduce_sum of that very array (reduce_sum summing any image batch in the
  same chunks, so the same bits): reduce_sum 0.258 -> 0.045 ms a step but relu_grad 0.456
  + 0.415 -> 0.608 + 0.496, the step 0.999x (0.871-1.113x, 14 rounds, load 7); hot, relu_grad
  chunked 0.229 against 0.178 ms, reduce_sum 0.029: the chunks' numpy calls and small gemvs
  cost what the cold pass saved (the thirteenth round's guess, ~0.1 ms, was the pass alone);
- the filter gradient by the 'nt' kernel a kernel row at a time (dw[a] as (16, 48), g's
  blocks times the rows read in place): 0.88 against 0.88 ms at 240 KB blocks, 0.91-0.93
  at 480 KB (numpy's batched matmul 1.42-1.48 there): C is 16x48, its loads never cost;
- the first conv by kernel rows on its 28-wide grid (depth 3, no window planes): 0.21
  against im2col's 0.13 ms;
- blocks of 120-720 KB for the kernel rows (fused forward 0.93-0.99, input gradient
  0.88-0.93 ms hot, cold 1.12-1.43): the load's noise; in the step, against 240 KB in one
  process (10 rounds, load 12-13): 480 KB 1.095x (0.986-1.167x), 120 KB 1.000x: 240 kept.
Left (the held goal stays missed, 1.14-1.19x at load 10-12 here): the convolutions are at
PyTorch's rate now (forward 0.79 against 0.72 with 8% of the grid's rows computed and
dropped; gradients 0.93 and 0.88 against ~0.96 and ~1.04; the first conv ahead), so the gap
is the passes over arrays the debugger's nodes hold: relu_grad's two (0.5-0.6 ms a step
against threshold_backward's ~0.27), the bias sums (0.18, inside oneDNN's backward), the
filter gradient's 17% of zero rows (g laid on the 26-wide grid, ~0.15), the fixed cost
(+0.26 on 1x5x5 images, most in dispatch, the tape and backward), and the loss's exact
bits above (+0.22) once committed; less the update (-0.3).

Figures, 2026-12-07, thirteenth round (base c538863; load 6-8 all round, valgrind and the
others' tests beside): the structural change the twelfth round named. A Conv2D layer with a
bias and relu (or no activation) runs conv2d, bias_add and relu as one pass when nobody
hears those ops and at most one tape records (tapeviz/nn_fused.py; ops/fused_conv.py): the
convolution's blocks of pixels get the bias and relu while in cache (the second conv's
copy-out of its pixels is that store; the first conv's 4096-row matmul blocks likewise),
one write of the layer's output. The tape still gets the three nodes dispatch would make,
same inputs, ids, params and VJPs; conv2d's and bias_add's outputs are LazyTensors
(tapeviz/lazy.py), made by their own op's forward from the arrays the op was given on the
first read of `_value` (the widget, the inspector, .numpy()), the same bits (tests/
test_conv_fused.py compares every node's values, the loss and the gradients with the
unfused layer's, bitwise). A listener, a breakpoint, a Recorder, a layer listener or a
nested tape runs the ops one by one. Predicted: bias_add and relu's two cold passes and
the copy-out less, their work done in cache: -0.4 to -0.6 ms a step.
Measured: the fusion on and off in one process, alternated (12 rounds x 20 steps, one BLAS
thread, malloc held, load 6.6): 7.04 against 7.53 ms a step (0.923x, rounds 0.889-1.184x).
cnn_phases --held, c538863's tree and this round's alternated twice (6 rounds x 20 steps,
load 6-7.5; this round's tree also has the others' commits since), tapeviz/PyTorch ms:
forward 3.97/2.47, 3.83/2.40 -> 3.02/2.21, 3.04/2.25 (gap +1.50, +1.43 -> +0.81, +0.79);
gradient gap +1.49, +1.13 -> +1.19, +1.31; step 10.05/7.45 (1.35x), 9.37/7.21 (1.30x) ->
8.42/6.69 (1.26x), 8.58/6.69 (1.28x). bench_cnn --threads 1 --rounds 9 at load 6-8: held
1.21x (rounds 1.14-1.32x; 8.03 against 6.58 ms), PyTorch faulting 0.86x (0.82-0.96x;
7.70 against 8.97 ms, 1,394 faults a step). cnn_ablate (load 7.7, 8 rounds): fusion off
1.026x (0.970-1.173x: noise at this load), the second conv's store (copy, bias, relu)
0.914x (0.70 ms), relu_grad 0.917x (0.69 ms), the bias sums 0.985x (0.12 ms).
The backward pass reads no lazy value: Backward._reachable_from takes a pending
LazyTensor's dtype (lazy.float_outputs) only while one is pending (`lazy.pending`, a
module integer): bench_dispatch's scalar chain, valgrind, 300 iterations, c538863 and with
the hunk: 416,881.8 -> 416,966.9 instructions an iteration (+0.02%).
Then the first conv's store on its flat 4096-row blocks as one run of the whole block (rows
of 256 pixels against a broadcast run of bias: numpy's loop over those rows 27 against 14 us
a block, isolated): its fused forward 0.442/0.510 -> 0.373/0.462 ms min/median (100
alternated calls, load 6; predicted -0.05 to -0.08; the conv alone 0.20/0.28, the three ops
apart 0.51-0.54/0.64-0.65). At the end (68a7787), load 7-8: the fusion on and off in one
process (14 rounds x 20 steps, held malloc) 9.53 against 10.02 ms a step (0.948x, rounds
0.789-0.997x); bench_cnn --threads 1 --rounds 11: held 1.20x (rounds 1.11-1.29x; 8.04
against 6.53 ms), PyTorch faulting 1.02x (0.88-1.11x). Each of the step's ops in it
(forwards wrapped, held malloc, load 6, ms a step): the fused second conv 1.90, the first
0.58; conv2d_backprop_input 1.73, the filter gradients 1.43 and 0.27; relu_grad 0.45 and
0.39; the bias sums 0.17 and 0.12; reduce_mean 0.15.
Measured and not kept:
- a type check of every node's output in _reachable_from (is it a LazyTensor?): +2,330
  instructions an iteration of the scalar chain (+0.56%);
- any_pending() as a function call there: +477 (+0.11%), against +85 for the module's
  integer read;
- the store adding the bias straight from the strided pixels with a (W, C) row of bias,
  relu on that (W, C) shape: 27 us a block of 5 images against 15 for a copy then flat
  runs of whole images (isolated, min of 300); the whole fused forward of the second
  conv, 60 alternated calls: 1.43/1.66 against 1.41/1.76 ms min/median (noise at load 8);
  kept the flat runs.
Not tried (time): relu_grad and the bias gradient's sum in one pass over the upstream
gradient needs the sum in blocks in both paths (reduce_sum's one ones-matmul adds in
another order: not bit-identical), ~0.1 ms by cnn_ablate.
Left: the held goal stays missed: 1.21-1.28x at load 6-8 (the twelfth round's 1.21x was at
load 0.2, 1.36x at load 5). The forward's gap is now +0.8 ms (the first conv's im2col
planes, both convs' stores, the pool, the dense layer and dispatch's Python) and the
gradient's +1.2-1.3: relu_grad's two writes (0.69 ms in the step), the bias sums (0.12),
the second conv's input and filter gradients at OpenBLAS's small-kernel rate, g laid on
the taps' grid; less the update (-0.34).

Figures, 2026-12-07, twelfth round (base 6bbb76a, one thread each, held malloc unless said).
cnn_phases --held at load 0.2 (6 rounds x 20 steps, ms a step, tapeviz/PyTorch): forward
2.50/1.62, loss 0.12/0.05, gradient 3.40/2.91, update 0.20/0.46, step 6.17/5.09 (1.21x;
this process's malloc, PyTorch faulting 932 a step: 6.00/6.17, 0.97x); at load 5.1: 7.80/5.73
(1.36x, 8 rounds). Each op's forward wrapped in the step (80 steps, load 0.2-1.6, ms a call):
conv2d 0.29 and 1.31, the second conv's input gradient 1.35 and filter gradient 1.23, the
first's filter gradient 0.19; bias_add 0.20 and 0.17, relu 0.11 and 0.13, reduce_mean 0.09;
relu_grad 0.25 (the pooled layer's) and 0.29, the bias gradients' reduce_sum 0.08 and 0.10.
PyTorch's (torch.profiler, 40 steps, ms a step): mkldnn_convolution 1.40 (both convs, bias
inside), convolution_backward 2.92 (both, bias gradients inside), threshold_backward 0.27,
relu 0.20. So the convolutions are at parity (tapeviz's five conv ops 4.37 against 4.32,
each read by its own instrument);
the gap is the passes PyTorch does not make apart. What each costs in the step, taken out
(bench/cnn_ablate.py, new: the step with the pass replaced by its input or a kept array,
against the whole step, alternated; two runs of 10 rounds at load 6.0 and 5.1, ratio and ms):
bias_add 0.911, 0.949 (0.72, 0.31 ms), relu 0.909, 0.951 (0.74, 0.30), relu_grad 0.888,
0.919 (0.91, 0.49), the bias gradients' sums 0.946, 0.970 (0.44, 0.18), the second conv's
copy-out of its output pixels 0.942, 0.973 (0.47, 0.16). The gap at load 0.2, +1.08 ms, is
bias_add (~0.36: oneDNN adds the bias inside its conv, where tapeviz's tape must hold the
conv's own output, a node's value), relu_grad's product (~0.27 over threshold_backward's),
the bias sums (~0.18, inside convolution_backward for PyTorch), the copy-out (~0.14, oneDNN
writes only the 24x24 pixels), relu (~0.05), the loss (+0.07) and the Python of dispatch,
the tape and backward (~+0.2: +0.19 on 1x5x5 images, cnn_phases --small), less the update
(-0.26). Each of those passes costs its write into an array last touched a step before
(eleventh round), and each is an array a node shows.
Measured and not kept:
- relu's mask kept from its forward (a bool array by a weak reference to relu's output,
  taken by relu_grad of that output, no second comparison): the step 1.010x (0.962-1.041,
  12 alternated rounds in one process, load 2.6); relu_grad with its mask made once for all
  steps, an ablation: 1.012x (0.938-1.070, 10 rounds, load 4.6): the comparison is not what
  costs, the product's write is;
- relu_grad writing its product into its upstream gradient (the second conv's input
  gradient, nobody else's: an ablation, unsafe in general): 0.972x (0.859-1.099, 16 rounds,
  load 5): ~0.2 ms a step, which needs backward.py to say when an upstream gradient is held
  by nothing else (a tensor's references, not its array's; another engineer's file);
- the first relu's relu_grad writing into the input gradient's grid just read by the filter
  gradient (the one array the backward frees while hot; its zero border written again each
  step, an unsafe sketch): 0.972x (0.929-1.049, 16 rounds, load 4.5), the border's
  re-zeroing alone 1.019x: a recycler handing out views of a larger free array would be
  needed for ~1-2%: not built;
- the recycler handing out the free array it handed out last (the eighth round's, again on
  today's ops): 1.004x (0.958-1.075, 20 rounds, load 7.6);
- the recycler's lookup (2.0 us a call, 10 calls a step: 0.3% of a step): left as is.
Instruction counts do not decide this round: every pass above costs by the memory it
writes, not by instructions. bench_cnn --threads 1 at load 5.2-5.6 (9 rounds): PyTorch
faulting 1.09x (1.02-1.26x; 8.42 against 7.43 ms, 745 faults a step), held 1.35x
(1.18-1.38x; 7.34 against 5.39 ms).
Left: the held goal stays missed by ~20% (1.21x at load 0.2, 1.36x at load 5): what
remains is the arrays the debugger's nodes hold (conv2d's output apart from bias_add's,
relu_grad's product apart from its upstream), which PyTorch never writes.

Figures, 2026-12-06, eleventh round (base b473c32; each tree in a worktree of its own, run
with PYTHONPATH on it; load 5-21 all round, valgrind and browser runs beside). Where the held
step goes, ops' forwards wrapped in the step (load ~7, 60 steps, ms a call): conv2d 0.44 and
1.63, bias_add 0.35 and 0.32, relu 0.21 and 0.23, reduce_mean 0.16; relu_grad 0.39 (the
pooled layer's) and 0.46, reduce_sum 0.12 and 0.16, the input gradient 1.86, the filter
gradients 1.27 and 0.28: 8.2 of a 9.9 ms step (cnn_phases --held at load 5: 9.75 against
PyTorch's 7.00, 1.39x; forward +1.73, loss +0.11, gradient +1.17, update -0.35 ms).
Why the elementwise passes cost 3-7x their hot time in the step: np.add of a 32x10816 float32
batch and a bias row (isolated, load ~13, 40 rounds each, min/median ms) into an output
just written 0.15/0.18-0.20, into one not touched since 32 MB were dirtied 0.27-0.32/0.36; a
cold input with a hot output 0.16/0.21. The cold output, not the cold input, is what costs:
each of the step's ~10 large writes (conv1, both bias_adds and relus, conv2's copy-out,
both relu_grads, the input gradient, g laid on its grid) lands in an array last touched a
step before (the recycler's or the taps' scratch: the tape holds all six activations), where
PyTorch's allocator hands a conv's freed output to the next op, still in cache.
Measured and not kept:
- the output computed in 2-image chunks into a small hot buffer and copied out (0.24-0.30 /
  0.34-0.35 against the direct add's 0.26-0.28 / 0.34-0.36), or whole into a hot buffer and
  copied by np.copyto or ctypes.memmove (0.33-0.40 / 0.52-0.54; the copy alone 0.12-0.18 /
  0.23): a pass to a hot buffer plus the copy costs more than the one cold pass;
- relu_grad's mask into a recycled bool array (np.greater(out=)): relu_grad 0.939 -> 0.921
  ms a step, the step by round 0.966x (0.910-1.076x, 16 alternated rounds in one process,
  load 16); the mask negated to 0/-1 and and-ed with the gradient's bits instead of the
  product: 0.900 -> 0.947 ms, 1.010x (0.916-1.123x, load 15): noise both ways;
- the bias gradient's sum (hot/cold, min/median ms, 32x24x24x16): the ones-matmul as is
  0.025/0.041 and 0.099/0.144; rows of 256 values reduced by np.add.reduce then folded
  0.049/0.067 and 0.134/0.203; einsum 0.073/0.088 and 0.156/0.204: kept as is.
Kept: Adam's step size lr sqrt(1 - beta_2^t) / (1 - beta_1^t) by an lru_cache per (lr,
betas, step, dtype) (41125bf): ten numpy scalar operations ran once for each variable of an
apply; 8.6 -> 0.45 us a call. Predicted -50k to -80k instructions a step; counted (callgrind,
1x5x5 images, 20 steps after 3, PYTHONHASHSEED=0, one BLAS thread): 3,695.0k -> 3,609.6k
(-85.4k, -2.3%; without the fixed hash seed one tree's count moved by 0.5-0.7M a run). CPU,
cnn_phases --held 6 rounds x 20 steps, the trees alternated twice at load 19-21: step
11.64/9.38, 12.25/9.03 ms (1.24x, 1.36x) against 12.59/9.59, 12.37/10.55 (1.31x, 1.17x);
the update 0.41x, 0.46x of PyTorch's against 0.44x, 0.41x: the load moves each run by more
than the ~0.05 ms cut. The held goal stays missed by ~20-35% at this load.
Left: the cold writes above need either fewer distinct arrays alive (every node keeps its
value: not ours to drop) or writes that skip the read for ownership (numpy has no streaming
stores); the second conv's three ops (4.8 ms in the step at this load) and the Python of
dispatch, the tape and backward (another engineer's files).

Figures, 2026-12-06, tenth round: the convolutions' compute (ce6be48; base 2dda341, each
tree in a worktree of its own, alternated). Float32 end to end: every registered op's
forward wrapped to look at its input and output arrays over 40 steps of the guide's step:
0 float64 arrays (forward, loss, gradient, update). Each op's CPU in the step (wrapped
forwards, one thread, load ~3): conv2d 28x28x1 0.21-0.27 ms, 26x26x16 1.1-1.6; input
gradient 1.6, filter gradients 1.38 (26x26x16) and 0.25 (28x28x1); relu_grad 0.34 + 0.31,
bias_add 0.18 + 0.19, relu 0.16 + 0.16, reduce_mean 0.11. Predicted: no GEMM shape beats
the taps' 16-deep products by much; the gap sits in the junk rows and the copies.
GEMM rates, hot, one thread, numpy matmul (R, K) @ (K, 16): K=16 92 GFLOP/s at 3,000 rows,
25 at 21,632; K=48 95 at 1,024, 31 at 21,632; K=144 72 at 1,024, 34 at 21,632 (the second
conv's whole im2col in one call: 2.90 ms against the taps' 1.1-1.5); the transposed form
(16, 16) @ (16, R) 103 on a contiguous (16, R), 46 on a transposed view (what the taps'
slices are), and its output would still need transposing. The second conv's 99.7 MFLOP on
the grid run at ~77 GFLOP/s (beta=1 after the first tap) in 1.3 ms, plus 0.13-0.17 of
copy-out. Measured and not kept:
- the three column taps of a kernel row joined (K=48): BLAS refuses the overlapping view
  itself (lda 16 < k 48), so each block copies three (rows, 48) windows (192-byte runs) and
  sums three products into the block: 2.24-2.38 ms a forward at 1,024 rows a block (2.51-2.57
  at 512, 2.42-2.65 at 2,048) against the taps' 1.44-1.58, four alternated rounds: the copies
  (3x the input, 12.5 MB) cost more than the deeper product saves;
- the taps' block size (images a block; forward / input gradient, ms, 4 alternated rounds):
  2: 1.53-1.64 / 1.57-1.69; 4: 1.41-1.47 / 1.41-1.55; 5 (as is): 1.33-1.52 / 1.40-1.59;
  6: 1.77-1.89 / 1.91-2.04; 8-16: 1.63-1.77 / 1.63-1.90: kept at 5;
- the filter gradient as dW^T per tap (g's block read transposed in place by BLAS, or copied
  to (16, rows) first), each tap's product added into dW by beta=1 across blocks, no
  `part` and add: 1.32-1.53 ms at 3,840 rows a block (1.66-2.04 at 1,024 or 8,192 rows;
  copied first 1.64-2.47) against the batched matmul's 1.32-1.43: kept as is;
- the first conv (1 channel): its 4096-row blocks over the transposed planes 0.125-0.138 ms
  against one call 0.169, w^T @ planes with a transposing copy-out 0.28-0.31, row-major
  windows 0.30: kept as is;
- skipping the grid's junk rows (each image's last two rows, 7.7%; the wrapped columns,
  another 7.7%, cannot go on a flat grid) needs a product per image: 288 BLAS calls a conv
  instead of 63, ~+0.3 ms of calls for ~-0.09 of rows (counted, not built).
Kept: conv2d's few-channel window matrix from the recycler, taken (not read) by the filter
gradient of the same input, so the next forward writes the same array instead of a fresh
0.78 MB one (26 page faults a step in the first conv's forward in a process whose malloc
trimmed, 0.5 where it did not), and the last 8 forwards' windows and input batches (~7 MB)
are no longer held. A worktree's run must set PYTHONPATH to it: the editable install puts
the main tree's package before a worktree's (its bench/ is sys.path[0]), so this round's
first A/B (8.01, 7.63, 8.05 against 7.40, 7.98, 7.88 ms held, as ce6be48's message says)
compared the main tree with itself. With PYTHONPATH, load 5-7 (valgrind runs beside),
2dda341 against ce6be48, alternated: tapeviz's page faults 41.4 -> 0.7 a step (the first
conv's forward 25.9 -> 0, the second's 9.3 -> 0; ops wrapped, 2 runs each), the first
conv's forward in the step 0.58-0.67 -> 0.36-0.54 ms; cnn_phases 6 rounds x 20 steps, held
step 9.34, 9.87 against 9.74, 9.49 ms (PyTorch 6.1-7.2), this process's malloc 11.04, 8.15,
9.10 against 9.15, 8.53, 7.58: the load's noise is larger than the change. Instructions
(callgrind, 3 steps after 3, one BLAS thread): 3,137.5M against 3,331.8M a step, but two
counts of one tree 10 minutes apart read 2,668.2M and 2,783.1M (10 steps): on this machine
today (valgrind's generic BLAS kernels) a count moves by ~5% and does not decide this. The
changed ops alone (the first conv's forward and filter gradient, 32x28x28x1, 5 times, each
tree counted twice, the same count both times): 5,827.3k -> 5,824.0k instructions a pair.
Left: the second conv's three ops run at OpenBLAS's small-kernel rate for 16x16 products;
the held forward's remaining gap is bias_add and relu (0.7 ms a step, cold, against
PyTorch's relu's 0.14 in the seventh round, its bias added inside oneDNN's conv) and the
fixed cost; the gradient's, the input gradient's beta=1 products and relu_grad (0.31-0.34
ms a call in the step; PyTorch's threshold_backward 0.035 hot).

Figures, 2026-12-06, ninth round (fd21673, ba36fe3; each counted on the base 1f400c5 with
only its own files changed). Predicted ~-40k instructions a step, two broadcasts (timeit:
np.broadcast_to 9.4 us a call, the view from strides looked up per shapes 3.1). Counted
(valgrind, 1x5x5 images, 10 steps, one BLAS thread): gradient 1,445.4k -> 1,352.1k (the
broadcast view, reshape by the array's method, reduce_sum's fallback by np.add.reduce,
reduce_mean's count) -> 1,348.0k (relu_grad's integer dtype from a table); loss 245.6k ->
234.9k (convert_to_tensor handing a Tensor back at once); the whole step 3,617.3k ->
3,528.3k (-2.5%, first commit alone); at 28x28 (both commits) 88,275.0k -> 88,194.3k
(-0.09%). CPU at load 14-16, processes of both trees alternated (8 pairs, 4 rounds x 20
steps each, tapeviz alone): pairs 0.87-1.07x, median 1.00x (first commit alone): ~0.1% of a
28x28 step, under the noise. cnn_phases --held: the main tree at 1f400c5 (others' work
uncommitted) at load 2.7 forward 3.30/2.01, loss 0.15/0.07, gradient 4.52/3.34, update
0.28/0.60, step 8.20/5.97 ms (1.37x); this round's tree at load 13.7 forward 5.44/3.53,
loss 0.42/0.22, gradient 6.35/5.40, update 0.62/1.05, step 12.83/10.33 (1.24x): the held
ratio moves with the load (1.1-1.4x over this day's runs), not with this cut.
Then at load 3-4, cnn_phases --held (8 rounds x 20 steps), the two trees alternated three
times (1f400c5 alone; with this round's four files): step 8.68/6.15, 8.02/5.92, 7.36/5.97
ms (1.41x, 1.35x, 1.23x) against 8.93/6.73, 8.05/6.06, 7.89/6.10 (1.33x, 1.33x, 1.29x);
gradient 4.66, 4.29, 3.89 against 4.64, 4.31, 4.16 ms: no difference the runs can tell.
Held, the step reads 1.2-1.4x this afternoon where the eighth round read 1.10-1.22x:
tapeviz 7.4-8.9 ms against 6.45-6.90 then, PyTorch 5.9-6.7 against 5.93-6.11, both at one
thread on a machine six others share.
The label range: the Keras sparse loss reads it once (min and max of the labels) and calls
tf.nn's row, not its function (c7e5c98), so no second check is left on the step's path;
the row's fancy index bounds-checks again in C, free.
Left, with what each would buy (counted, not built):
- raw-mode VJPs: a VJP op's way through dispatch's fast path (dispatch, input_arrays, a
  Tensor) against its numpy call alone: multiply on 4x4 float32, 11.4k against 4.1k
  instructions a call (the forward's own bool check included in both), so ~5-7k of each
  of the ~20 VJP ops a step: at most ~100-150k of the gradient's 1,348k on 1x5x5 images,
  ~30-40 us of a 28x28 step (~0.5%). It needs VJPs that run on arrays and a mode read in
  backward.py and dispatch.py (another engineer had backward.py open this round: not
  started);
- bias_add + relu fused where nothing observes: only a step with no tape and no listener
  (inference, evaluation) qualifies, never bench_cnn's training step, whose tape holds both
  nodes; keras/layers/core.py was being edited by another engineer: not started.

Figures, 2026-12-06, eighth round (bench/cnn_phases.py: per phase, both regimes). Held
(PyTorch 0 faults), at 279b727 then c6c8cdc, two alternated runs each (8 rounds x 20
steps, one thread, load 12-14; ms a step, tapeviz against PyTorch): forward 2.90/1.84,
2.89/1.73 -> 2.98/1.81, 2.76/1.85; loss 0.21/0.09, 0.28/0.18 -> 0.15/0.09, 0.14/0.06;
gradient 3.78/3.43, 3.78/3.36 -> 3.82/3.45, 3.68/3.43; update 0.34/0.66, 0.31/0.70 ->
0.31/0.63, 0.27/0.59; step 1.19x, 1.22x -> 1.21x, 1.14x. This file at load 17-19 (9
rounds): 279b727 faulting 0.70x, held 1.12x (6.90 against 6.11 ms); c6c8cdc faulting
0.75x, held 1.10x (6.45 against 5.93 ms). The held goal stays missed by ~10-20%.
Why bias_add and relu cost 0.12-0.17 ms a call in the step against PyTorch's relu's
~0.04: not float64 (every node of the step is float32 and C-contiguous NHWC), not a
broadcast temporary (the bias is tiled once an image, 43 KB), no mask kept by relu. At the
real shapes, hot: bias_add 0.047-0.052, relu 0.054-0.060 ms (PyTorch's relu 0.032); the
same after 64 MB were dirtied: 0.24 and 0.34 ms. The step's arrays are that cold: the tape
holds all six activations (conv, bias_add, relu of each layer) until the gradient ends, so
every output goes into an array nothing touched since the step before (the recycler can
only hand out arrays nobody holds), where PyTorch frees a conv's output once its relu has
read it and malloc gives the next output that chunk, still in cache. np.maximum in place
would need the pre-activation unobserved, and the tape observes it. Measured and not kept:
- the recycler handing out the free array it handed out last (the forward's first layer
  then writes into what the previous backward touched last: bias_add 0.165 -> 0.128, conv1
  0.288 -> 0.253 ms; the backward's outputs +0.01-0.04): the step 0.989x, 0.984x, 0.997x,
  1.008x (alternated in one process, 16-20 rounds each): ~1%, inside the rounds' spread;
- relu_grad writing into its upstream gradient (just written by the input gradient, the
  one hot destination there is; a refcount contract with backward would be needed): the
  step 0.977x, 1.006x (10 rounds each);
- 2 MB pages (madvise) under the recycled arrays: cold add 0.159 -> 0.149, maximum 0.162
  -> 0.184 ms: the misses are the data's, not the TLB's;
- the second conv's copy-out skipped (its output a (32, 24, 24, 16) view of the 26x26
  grid the taps write, the same bits): conv2d 1.13, 1.19 -> 1.11, 1.09 ms isolated, but
  bias_add on rows of 384 values 0.047 -> 0.091, the pair equal, the step 1.002x (12 rounds);
- relu_grad otherwise (hot, 32x26x26x16): now 0.099 ms; an int32 mask 0.101, np.where 1.38,
  copyto(where=) 1.73, 32K-value chunks 0.130 (PyTorch's threshold_backward 0.035).
Kept, the fixed cost (valgrind, 1x5x5 images, 10 steps, one BLAS thread, each phase counted
alone): the reductions' and sparse cross-entropy's VJPs call the reshape and broadcast_to
rows with the shapes they know, relu_grad's pooled gradient broadcast by the product, the
Keras sparse loss's integer labels not rounded (27bda5d: loss 322.6k -> 283.6k, gradient
1,522.3k -> 1,464.2k instructions; predicted ~-100k in all), and that loss calling tf.nn's
row once its own checks have made tf.nn's (c7e5c98: loss 283.6k -> 242.5k; predicted
-30k to -40k); the whole step 3,766.3k -> 3,606.0k (-4.3%). In the held runs above the
loss phase went 0.21, 0.28 -> 0.15, 0.14 ms (its Python is cold at 28x28: ~2x its 1x5x5
time).
Left: the fixed cost of dispatch, the tape and backward (the gradient's 1,464k on 1x5x5
images for 11 nodes and 23 VJP ops; the raw mode of issue 14 lives in dispatch.py and
backward.py), and the second conv's forward (1.1-1.3 ms against oneDNN's 1.06 with its
bias: the taps run at this core's peak on 8% more rows).

Figures, 2026-12-06, seventh round: parity against a PyTorch that does not fault. Its regime
is now chosen, not met: `held()` runs the rounds again in a child process whose glibc malloc
keeps freed memory (GLIBC_TUNABLES=HELD), where PyTorch faults 0 times a step (this
process's rounds at load ~13 had all faulted, 1,878 a step, 0.70x; held: 1.11x). Where the
held gap sits, by phase (CPU a step, one thread, medians of 8 interleaved rounds x 20
steps, load ~13): tapeviz forward 3.21, loss 0.27, gradient 4.00, Adam 0.27 = 7.82 ms;
PyTorch 2.09, 0.06, 3.75, 0.63 = 6.58 ms. On 1x5x5 images (all fixed cost) 0.33, 0.15,
0.40, 0.16 = 1.12 against 0.13, 0.02, 0.16, 0.27 = 0.67 ms. So the forward holds the gap
(+1.1 ms, ~0.2 of it fixed), the loss +0.2 (0.13 fixed), the backward +0.25 (all fixed: its
compute is ours to win), Adam -0.36. Inside the forward (each row's forward timed in the
step): the second conv 1.46 ms against PyTorch's 1.21 with its bias; bias_add 0.17 + 0.15
and relu 0.14 + 0.13 against PyTorch's relu 0.06 + 0.08; the first conv 0.34 against 0.41
with bias; the pool 0.11 against 0.10. Isolated at the second conv's shapes (in cache):
tapeviz's forward 1.42, input gradient 1.46, filter gradient 1.01 ms; PyTorch's forward
1.21, its convolution_backward 3.3 (input) / 2.3 (filter and bias) / 3.6 ms (all three):
the backward is ours by ~0.8 ms, the forward PyTorch's (oneDNN computes only the 24x24
outputs and adds the bias inside; the taps' flat 26-wide grid holds rows no output keeps,
and the copy-out of the output pixels is 0.15 of the 1.45 ms).
Measured and not kept: bias_add and relu computed inside the second conv's copy-out, while
each block is in cache (Conv2D's call hands the bias to the conv; bias_add and relu return
the arrays made there when given that very output and bias: the same bits, the same nodes):
the same step in one process, 12 alternating rounds at load ~16: conv2d +0.47, bias_add
-0.24, relu -0.19, the step +0.01 ms. Predicted -0.15 to -0.25 ms: the writes of the two
extra arrays, not the reads saved, are what the passes cost.
Kept, the fixed cost in the ops' own Python (each predicted, then counted by valgrind on
1x5x5 images, 10 steps, one BLAS thread): sparse cross-entropy's forward by the ufuncs'
reduce methods and one fancy index, not np.max, np.sum and take_along_axis (125.6k -> 73.0k
instructions a call), a float32/64 mean not taken by matmul as add.reduce / count, np.mean's
bits (45.7k -> 13.8k): 3,922.3k -> 3,820.3k a step (47a3f09, predicted -84k); softmax and
log_softmax by the reduce methods (88.7k -> 63.1k) and conv's geometry looked up per shape
(10.5k -> 2.5k, five a step): 3,821.4k -> 3,758.4k (ac0dbe3, predicted -65k). Together
-4.2% of the fixed cost, ~0.05 ms of a 28x28 step; CPU on 1x5x5 images, processes of
69ddc01 and ac0dbe3 alternated three times (load 10-14): tapeviz 0.81, 0.92, 0.90 ->
0.85, 0.74, 0.93 ms a step (PyTorch 0.49-0.56 in the same processes): the load's noise.
Not found this round: a margin in the conv's, the reductions' or relu's passes; the rest
of the fixed cost (+0.45 ms a step on 1x5x5 images: forward, the Keras loss, the gradient
call) lives in dispatch, the tape, backward and Keras; a conv's own Python on a 1x5x5x16
input is ~20 of its 44 us (the taps' set-up and copy-out), five such calls a step.
Runs of this file (`--threads 1`): 69ddc01 at load ~18, 9 rounds x 20 steps: every round
PyTorch faulting (1,205 a step) 0.77x (0.59-0.82x), held 1.15x (0.96-1.27x; 9.89 against
8.70 ms); ac0dbe3 at load 10-12, 7 rounds: every round faulting (944 a step) 0.89x
(0.64-1.08x), held 1.15x (1.09-1.17x; tapeviz 7.40 against PyTorch's 6.58 ms, 0 faults).
Against a PyTorch that does not fault the goal stays missed by ~15%.

Figures, 2026-12-06, sixth round: the rounds up to 1.25x. Per-round spread of both sides in
one process (one thread each, 20 steps a round, cc4aa48, each step's CPU time; gc passes by
gc.callbacks, recycler misses by a count around recycler.empty, page faults by getrusage):
- load ~5, 20 rounds: tapeviz 6.54-6.84 ms (median of the rounds' medians 6.64, spread across
  rounds 1.4%: stdev/mean), 0 page faults and 0 recycler misses a round after the first, one
  young or middle collection in 4 rounds (0.1 and 1.3 ms); PyTorch 7.31-10.15 ms (8.4%),
  800-1,700 page faults a step in every round; ratio 0.67-0.89x, median 0.71x.
- load ~19, 15 rounds: tapeviz 7.13-8.19 ms (4.4%), the same 0 faults and misses; PyTorch
  6.24-10.91 ms (18.1%): four rounds faulting (518-1,718 a step, 8.0-10.9 ms, ratios
  0.68-0.91x), then eleven with 0-260 (6.2-7.3 ms, ratios 1.08-1.20x); median 1.12x.
So the worst rounds are PyTorch's, not ours: its allocator sometimes hands the freed
activations back to the system and faults them in again each step (glibc's trim and mmap
thresholds, set by the process's history), sometimes not, and its step moves ~1.5x between
the two; tapeviz's recycler keeps its own at 0 faults, and no gc pass or recycler miss falls
in a round. Against a PyTorch that does not fault the step reads 1.1-1.2x (user time
1.11x), so the <= 1.0x median holds only while PyTorch faults: the margin that is left is
compute (the second conv at BLAS peak, the elementwise passes), not noise of ours. This file
and bench_vs_torch's row now split the rounds by PyTorch's faults (>= 100 a step).
A check at load ~15 (4 rounds x 5 steps): faulting 0.70-0.99x, not faulting 1.20-1.22x.

Figures, 2026-12-06, fifth round (a margin for the CNN row, rounds up to 1.23x). Where a
step's CPU goes now (perf, cpu-clock, 500 steps at 28x28, one BLAS thread, load ~12):
OpenBLAS 40% (the taps' beta=1 kernel 21.8%, the filter gradients' b0_nt 12.5%, first taps
and the first conv 4.8%, the reductions' gemv 1.1%), the interpreter ~25%, memmove 4.1%,
relu_grad's int multiply, cast and compare 5.1%, relu 3.1%, adds 2.9%, page clearing 2.2%;
in the step, apply_gradients 0.36 of 7.4 ms, the gradient call 3.9 ms. Kept: the taps'
Products made once an op per block size (the lru_cache's keyword lookup ran once a block,
8 a taps op at 28x28) and array addresses read through the buffer protocol (0.5 against
2.5 us for `__array_interface__`, which builds a dict; three an op). Predicted ~-0.2% at
28x28 (fixed cost only); measured by instructions (valgrind, one BLAS thread, ee7a59e
alone then with it): 1x5x5 images 4,252.5k -> 4,203.4k a step (-1.2%), 28x28 89,969.3k ->
89,879.7k (-0.1%); CPU, 5 alternated pairs of processes x 60 steps at load 11-15: 7.13 ->
7.25 ms by median (pairs -0.36 to +0.50 ms: the load's noise). Measured and not kept:
Adam's six variables as one flat array (concatenated, one formula, split and copied back;
the same bits): 124-130 against 152-160 us an apply in cache (the concatenations and copies
cost more than the 48 numpy calls saved). Not found this round: a margin by CPU; the
second conv's three ops stay at BLAS peak, the elementwise passes at memory speed.

Figures, 2026-12-06, fourth round: the fixed cost (goal: the step ~10-15% cheaper, so the
median round reads <= ~0.9x). Decided by instructions (callgrind, one BLAS thread) on 1x5x5
images, where a step is all fixed cost: 5,086.6k -> 4,016.9k a step (-21%). Its parts before
(one call each): forward under the tape 1,433k, loss 433k, trainable_variables 245k (twice a
step), gradient 1,605k, apply_gradients 743k after the first change below. What was kept:
- Adam's apply_gradients with nobody subscribed computes m, v and the variable by its update
  ops' own numpy forwards (the same bits; under numpy error settings that would say
  something it falls back to the ops, which say it naming the op): 5,086.6k -> 4,663.4k a
  step (-8.3%, predicted ~-9%); apply 132 -> 84 us (timeit, load 1-4);
- trainable_weights reuses its last walk of the layer tree while no layer attribute was
  assigned or deleted and every list, dict and weight list it read holds the same items:
  25 -> 1.6 us a call; the step 4,663.4k -> 4,219.9k (-9.5%, predicted -460k);
- Dense and Conv2D call the bias_add row straight, Keras's relu without options as
  tf.nn.relu, and Conv2D the conv2d row once tf.nn.conv2d has checked that input size and
  kernel: the forward 1,431k -> 1,243k (-13%, predicted ~-150k); a Keras layer's shapes read
  from the array's .shape, not np.shape: 1,244k -> 1,226k.
Measured and not kept: the autocast test on numpy's dtype instead of tapeviz's DType: the
forward 1,244k -> 1,316k (numpy's `dtype.name` runs Python).
The step at 28x28 against the tree before this round (processes alternated, 4 rounds x 20
steps each, one BLAS thread): 6 pairs at load 12-15, 7.13 -> 6.81 ms, median 0.96x (pairs
0.88-0.99x); 8 pairs at load 7-9, 6.22 -> 6.24 ms, median 0.98x (pairs 0.90-1.03x); all 14:
median 0.97x. Predicted ~0.2 ms (3-4%: ~1.07M fixed instructions, slower a step at full size
where the Python's data is cold): 2-3% measured, within the load's noise. bench_cnn
`--threads 1` at load 10-14: CPU 0.90x (tapeviz 7.03 ms, PyTorch 7.94 with 813 faults a
step), user time 1.26x; bench_vs_torch's CNN row at load 12: 1.01x (7.1 against 7.4 ms,
rounds 0.70-1.29x). The goal's margin is not reached: the second conv's three ops (~3.4 ms
at BLAS peak) and the elementwise passes at memory speed (~1.2 ms) are untouched this round;
what the fixed cost still holds: the gradient (1,605k: per-node bookkeeping and 20 VJP
dispatches), the loss's argument checks (433k, in keras/losses.py and tapeviz/nn.py), Adam's
arithmetic on small arrays (~70 numpy calls).

Figures, 2026-12-05, third round (goal: tapeviz's own step ~15% faster, 5.5 -> ~4.7 ms; load
8-12 throughout, two cores shared with five other engineers' valgrind and test runs, so a
CPU-time figure reads +-5% a run). Not reached: about 1-2% on the step. What was kept:
- relu's forward as np.maximum against a row of zeros over rows of one batch item: numpy's
  SIMD loop for maximum takes two arrays, not an array and a scalar (isolated on
  32x26x26x16, best of 30: 0.130 -> 0.050 ms, predicted ~0.05); bias_add's bias tiled over a
  whole image, not an image row (0.066 -> 0.052 ms, predicted -0.015). In the step the
  arrays come cold: per-op wall time, swapped in alternate rounds in one process, relu
  0.61 -> 0.49, 0.98 -> 0.67, 0.84 -> 0.69 ms a step, bias_add 0.78 -> 0.43, 0.99 -> 0.83,
  0.73 -> 0.80; the step 0.992x (10 pairs), 0.995x and 0.984x (60 pairs each);
- relu's VJP masks by relu's output, as TF's _ReluGrad does (ans > 0 exactly where x > 0):
  the first relu's output is the second conv's input, which its filter gradient has just
  streamed, where the bias_add output it read before was cold (predicted ~0.05 ms): relu_grad
  0.82x and 0.85x, the step 0.985x and 0.986x (40 alternate pairs, twice);
- all of it against the tree before, by processes alternated (30 pairs of 4 rounds x 20
  steps): 7.27 -> 7.05 ms, 0.979x (pairs 0.82-1.16x); in one process, the three swapped
  together (80 pairs, twice): 0.987x and 1.003x. bench_cnn `--threads 1`, three runs of each
  tree alternated: tapeviz 6.96/7.24/7.13 ms before, 6.98/7.47/7.36 after (PyTorch 7.3-10.3
  in the same runs: ratios 0.70-0.98x either way): the load's noise, not a difference.
  A step on 1x5x5 images (all fixed cost; valgrind, 20 steps): 5,079.5k -> 5,088.4k
  instructions (+0.2%, the trailing-run arithmetic on tiny arrays).
Measured and not kept:
- the optimizer holding its variables' old values only while a listener that may hear an
  update is on (any listener hears one of the formulas' ops, a layer breakpoint covers the
  apply's scopes, or the formula is the user's), not whenever a breakpoint is armed: on
  bench_debugger's regression loop (valgrind, one epoch, the tree before as a worktree)
  plain 632.9k -> 635.2k, op breakpoint 646.4k -> 649.9k, "op, kind, layer and vjp ones"
  664.4k -> 698.9k instructions a step (a first version +17k / +36k): the decision
  (breakpoints listed, 12 routes read, the pairs' classes, `Variable.name` and an f-string a
  scope) costs 2-8 us an apply, more than holding GradientDescent's two slotless variables
  costs; it would pay on many variables with slots (Adam, 6 variables: ~1.5 us each), with
  the decision kept from one change of subscriptions to the next (events.watch_routing,
  and a generation count against a change on another thread);
- relu_grad otherwise (isolated, 32x26x26x16): its mask by `greater` then int32 x int8
  multiply 0.020 + 0.075 ms; an int32 mask by greater(out=) 0.055 + an int32 multiply
  0.044; np.where 1.23 ms, copyto(where=) 1.55: unchanged; relu by chunks of a flat array
  against a small zeros buffer 0.058-0.070 ms, against 0.047-0.050 for rows of one item.
Where a step's CPU goes now (perf, cpu-clock samples, steady state): OpenBLAS 47.6% (the
taps' beta=1 kernel 27%, the filter gradients' 14.8%, first taps and the first conv 4.9%),
the interpreter 25%, numpy 19% (relu_grad's int multiply 3.8%, its int8 -> int32 cast 0.7%,
its mask 1.8%; relu 3.3%; adds 3.3%), libc 5.4% (memmove 4%: block copy-out, g laid on the
grid), ctypes 1.2%. The GEMMs do ~280 MFLOP at ~97 GFLOP/s, this core's peak ((3328, 16) @
(16, 16): 100 GFLOP/s; 512^3: 103), 5% above the ideal 267 MFLOP. The elementwise passes run
at memory speed on arrays gone cold, 2-3x their isolated time in the step, each the one read
or write of a distinct array a node shows; Python's share is spread (no function over 4% of a
1x5x5 step's self time; trainable_variables 25-50 us a call, twice a step; Adam's apply
~0.15 ms for 24 update dispatches). So ~0.8 ms more would take fusing ops that the tape
shows (bias_add and relu into the conv's blocks, relu_grad with the bias gradient) or
fewer FLOPs than the taps' (Winograd, not kept before): not done this round.

Figures, 2026-12-05, second round (issue 14: parity robustly, not only while PyTorch faults):
two runs of 15 rounds x 20 steps at load 16-19 (`--threads 1`): CPU 0.68x and 0.84x (rounds
0.62-1.07x; tapeviz 6.89 and 7.23 ms a step, PyTorch 10.17 and 8.69 with 1,546 and 1,042 page
faults a step), user time 0.91x and 1.18x (rounds 0.78-1.48x; PyTorch's user time 7.82 and 5.99
ms: the load slows it more than tapeviz). By user time the goal is still missed by ~15%, as
before this round. The step against the tree before this
round, alternated by process (16 processes of 4 rounds x 20 steps, load 17): 0.960x (7.63 ->
7.28 ms, pairs 0.92-1.01x); predicted first: ~0.1 ms (1-2%), the fixed cost's share. By
instruction count (callgrind, one BLAS thread, 10 steps after 10): 91.95M -> 91.02M a step
(-1.0%), and on 1x5x5 images, where a step is all fixed cost, 5.74M -> 5.07M (-11.6%). What
this round changed, each alternated against the tree before in one process (15 rounds):
- the taps' BLAS addresses read once an op, not once a tap and a block (`__array_interface__`
  costs 1-3 us a read): the second conv's forward and input gradient 0.75x / 0.77x on a
  1x5x5x16 input (42.6 -> 32.5 us, 45.7 -> 35.0), 0.98x / 0.97x at the guide's size;
- the first conv's window planes copied in one call through the window view, not nine slice
  copies; VALID's input not padded: its forward 0.67x on 1x5x5x1 (21.3 -> 14.6 us), 0.97x
  at 32x28x28x1 (168 -> 161 us);
- window and tap views by `np.ndarray` over the input's buffer (0.7 us), not `as_strided`
  (9 us): the filter gradient 0.80x on 1x5x5x16 (20.2 -> 16.2 us);
- bias_add's bias row by `ndarray.repeat`, not `np.tile` (1.5 against 10 us): 0.93x at the
  guide's size (69.9 -> 65.1 us); sums by matmul with a cached ones vector, finiteness read
  from the total's sum: reduce_sum over the batch 0.89x (30.3 -> 26.8 us), the global
  average pool 0.91x (34.0 -> 31.3);
- sparse cross-entropy's VJP makes the labels' one-hot rows in numpy (a constant), not by
  three ops; bias_add's VJP calls the reduce_sum row with its known axes; a Keras layer's
  call stores its shapes from the numpy shape past `__setattr__`: an identity layer's call
  19 -> 15 us, trainable_variables 24.7 -> 22.8 us (twice a step).
Not done, and why (this round):
- bias-add and ReLU fused into the conv's output: under the training step's tape the three
  nodes are what `tape.nodes` and the widget show (README: "for node in tape.nodes"), so a
  fused node would change what the debugger shows; with no tape and no listener (inference)
  it would be invisible but leaves the training step as it is. The same values computed in
  the conv's cache-sized blocks (C, C + b and relu written while hot, handed to bias_add and
  relu by identity, so no node changes): bias_add and relu 0.24-0.36 -> 0.17-0.28 ms a conv
  isolated after a cache flush, at most ~0.15 ms a step for a hint from the Keras layer to
  three ops and a memo between them: not done;
- relu's forward also writing the 0/1 mask relu_grad needs (while x is in cache): forward
  +0.076 ms, relu_grad -0.096 ms, net 0.02 ms a conv; relu_grad in 64K- or 16K-element blocks
  (the mask kept in cache): 0.33-0.41 against 0.34 ms cold, 0.13-0.18 against 0.11 warm;
  bias_add reading the conv's output from its end (the last-written rows still in L2):
  0.370 against 0.356 ms: none kept;
- the reductions by adding rows 256-512 values wide and folding: the pool 0.070 against
  0.034 ms warm, the bias gradient 0.039 against 0.041: the matmul with ones stays;
- the first conv (C_in = 1) on its 28-wide input grid (nine contiguous plane copies instead
  of the window copy, 0.076 ms): reasoned out, not tried: 8-16% more matmul rows and a
  copy-out of its 1.38 MB output cost what the planes would save; BLAS cannot read the
  shifted planes in place (their leading dimension would be 1);
- trainable_variables cached per layer: a list attribute mutated in place (a sublayer
  appended) cannot be seen, so it is walked each call (23 us).
Where a step stands after it: the second conv's three ops at 1.0-1.4 ms each, 98 GFLOP/s,
this core's peak (their 17% unused grid rows the one reducible part, see below); the
elementwise passes at the memory's speed (~15-18 GB/s); the fixed cost ~1 ms, mostly in
dispatch, the tape and backward (another engineer's), the Keras loss and the optimizer.

Figures, 2026-12-05, the tree at its last commit that day: three runs in a row of 15 rounds x
20 steps at load 8-12 (`--threads 1`): CPU time 0.84x, 0.89x, 0.73x (rounds 0.66-1.28x;
tapeviz 6.8-7.5 ms a step, PyTorch 7.7-10.3 with 820-1,870 page faults a step); user time
1.22x, 1.15x, 1.15x (rounds 0.92-1.50x; PyTorch's user time rises with the load: 5.6-6.5
ms here). Earlier that day, BLAS adding the taps but before whole-image blocks and the
shared grid: 0.75x, 0.73x, 0.75x at load 6-11 (user 1.15-1.17x), and one 9-round run at
load 5: CPU 1.12x, user 1.40x (tapeviz 6.54 ms; PyTorch 5.77 ms, 4.75 of it user, 650 faults
a step): where PyTorch faults little and the load is light, the CPU-time goal is missed.
Instruction count (cachegrind, 10 steps less 0, one BLAS thread): 120.3M -> 92.2M a step,
but 22M of that drop is memset: under valgrind (no AVX-512) OpenBLAS takes its Haswell path,
which zeroes C before each beta=0 product by `rep stosb`, counted an instruction a byte;
natively the SkylakeX small-matrix kernel writes C directly (memset 26.4M -> 4.2M a step).
The rest: numpy's adds (3.9M -> 0.4M) and fewer calls.

Figures, 2026-12-04, a 2-core VM (AMD EPYC, AVX-512) shared with five other engineers' test
runs, OpenBLAS 0.3.31 (SkylakeX kernel), PyTorch 2.13 CPU, one thread each (`--threads 1`:
with 2 threads each multithreaded BLAS call or OpenMP region waits for its second thread,
which a loaded machine may not schedule for milliseconds, so those rounds measure the load).
Three runs in a row of 15 rounds x 20 steps at load 4-5:
- CPU time: 0.84x, 1.06x, 0.83x (rounds 0.70-1.46x); tapeviz 6.9-7.0 ms a step, PyTorch
  6.4-8.4 ms.
- user time: 1.36x, 1.46x, 1.35x; tapeviz 6.9-7.0 ms, PyTorch 4.9-5.3 ms. PyTorch's CPU time
  holds 1.8-2.6 ms of system time for 840-1,670 page faults a step on this VM (fresh
  memory touched for its large buffers every step), tapeviz's none: the CPU-time goal
  is met while PyTorch faults, missed on the run where it faulted least (840 a step: 1.06x).
- instruction count (cachegrind, OPENBLAS_NUM_THREADS=1, 10 steps less 0): 121.4M a step
  before this round's relu_grad, 120.1M after (its numpy loops 1.31M -> 0.74M); valgrind's
  CPU has no AVX-512, so OpenBLAS runs its Haswell kernels without the small-matrix path.
Where a step's CPU goes, 2026-12-05 (per-op forward times inside the step, load 2, 6.3 ms):
the second conv's forward, input and filter gradients about 1.28, 1.31 and 1.07 ms (the
first conv 0.28 and 0.14); relu_grad 0.43, bias_add 0.28, relu 0.27, reduce_sum 0.14,
reduce_mean 0.11, Adam's update ops 0.1, the rest 0.2; about 0.7 ms outside the ops. On
1x5x5 images (the fixed cost) a step takes 1.0-1.4 ms against PyTorch's 0.6 ms: forward and
loss 0.41 ms, gradient 0.34, apply_gradients 0.20, trainable_variables 0.03 a call (twice
a step); each conv op's Python and numpy set-up 20-50 us a call (tiny inputs, loaded);
no single cost above ~5%, most of it in dispatch, the tape and backward.
Where it went, 2026-12-04 (per-op forward times inside the step, load 1-3, 7.2 ms): the second
conv's forward, input and filter gradients 1.62, 1.60 and 1.13 ms; the first conv 0.28 and
its filter gradient 0.14 (its input gradient is never computed: nothing needs it); relu_grad
0.49, bias_add 0.30, relu 0.27, the reductions 0.20, everything else 0.2; Python outside
the ops (dispatch, tape, backward, Keras, the optimizer) 0.9 ms (a step on 1x5x5 images:
1.04 ms; the Keras layers' own share 0.08 ms a forward, trainable_variables 0.02 ms a call).
Why the second conv's three ops stay where they are: their BLAS calls, about
(1900, 16) @ (16, 16), run at 90-98 GFLOP/s in cache, what OpenBLAS reaches here on any
shape (512^3: 98 GFLOP/s), so this core's peak; above that floor (0.89 ms for one op's
85 MFLOP) are the flat grid's rows that no output keeps (17%, ~0.15 ms; 14% in the forward
since whole-image blocks), the 8 adds a block (0.28 ms: numpy's matmul cannot accumulate;
gone since 2026-12-05 where numpy ships OpenBLAS, BLAS adding into the block) and laying g
or the outputs out (0.05-0.1 ms).
PyTorch's oneDNN convolutions have no such rows or adds and add the bias inside: by these
figures (PyTorch itself not profiled) that is most of the user-time gap.
What bought it (CPU, one BLAS thread, the guide's second conv unless said; "before" and
"after" alternated in one process):
- 2026-12-05, predicted first: the 8 adds a block cost 0.26 ms an op, a BLAS call ~0.5 us
  more than numpy's matmul, so forward and input gradient 0.89x and the step 7.2 -> 6.85 ms.
  Measured: each tap's product added into the block's total inside BLAS (gemm with beta=1
  through numpy's own OpenBLAS by ctypes, ops/blas.py: ~1.1 us a call with its arguments
  built once, against 0.9 us for numpy's matmul and 2.7 us for an add of a block):
  forward 1.49 -> 1.29 ms, input gradient 1.46 -> 1.25 (0.86x, 12 alternating rounds);
  then blocks of 240 KB, not 120 (no `term` array in cache any more): forward 1.30 -> 1.22,
  input gradient 1.28 -> 1.19 ms, filter gradient 0.95 -> 0.93; then a block of whole images
  only (when one fits), none of its last image's rows under the last output row computed,
  copied out in one assignment: forward 0.968x (rounds 0.92-1.01x); then a block's taps in
  one Python loop over prebuilt arguments (`Products.sum_into`): forward 0.99x, input
  gradient 0.98x. The step: 0.916x of the tree before (7.42 -> 6.82 ms, 16 alternating
  rounds at load 7, rounds 0.87-0.95x).
- the filter gradient reading g on the grid the input gradient of the same g just laid out
  (predicted: one 1.2 MB copy less, ~0.05-0.1 ms, 1-1.5%; the grid and g held by reference,
  so g's array cannot be recycled while it names the grid): the step 0.966x (7.41 -> 7.16
  ms, 16 alternating rounds at load 9, rounds 0.92-1.00x), more than predicted: the copy ran
  from L3 into a grid out of cache. All of 2026-12-05 against the tree before: the step
  0.896x (8.16 -> 7.33 ms, 16 alternating rounds at load 9, rounds 0.86-1.00x).
- stride-1 convolutions of 8+ channels by kernel taps (ops/conv_taps.py: one small matmul a
  tap on shifted slices of the flat input, in cache-sized blocks, no im2col matrix): forward
  2.7-3.3 -> 1.3-1.4 ms; the whole step 11.7 -> 8.7 ms;
- large outputs (conv2d, bias_add, relu, relu_grad) written into the arrays of dropped ones
  (ops/recycler.py): page faults 2,490 -> 0 a step, the step 18.0 -> 10.6 ms at load 6;
- the filter gradient as one matmul call over all taps of a block: 1.8-2.1 -> 1.0-1.2 ms;
- the input gradient on the input's own grid, not a padded g's: 1.8-2.1 -> 1.5-1.6 ms;
- relu_grad as the gradient's bits times the 0/1 mask (two passes, not three), the global
  average pool's broadcast gradient laid out in W*C runs: 0.19 -> 0.12 ms on the pooled
  gradient, 0.11 -> 0.09 on the other; the step 7.20 -> 7.10 ms (16 alternating rounds).
Earlier rounds: relu_grad as a bit mask (0.1 against 1.8 ms), bias gradients and the global
average pool as matmuls with ones (0.02 against 0.38 ms each), the first conv's im2col built
transposed (0.05 against 0.32 ms), bias_add by image rows, Adam's 14 ops a variable as 4.
Measured and not kept ("isolated": the op alone, in cache; "in the step": alternated rounds):
- Winograd F(2x2, 3x3) for the second conv's forward (2.25x fewer flops: 0.44 ms of matmul;
  its transforms as contiguous passes over a phase-split grid, 0.83 ms): 1.40 against the
  taps' 1.55 ms isolated, but the step 7.30 against 7.06 ms; with strided transforms 2.8 ms;
  the one-dimensional F(2, 3) along rows (12 half-size matmuls for 9, kernel rows as taps):
  1.70 against 1.65 ms isolated;
- im2col a block at a time with one 144-deep matmul: 2.6-3.5 ms (numpy copies runs of 16
  values at ~15 ns a run); all taps' weights side by side in one matmul, then shifted adds:
  3.7-3.9 ms; a block's 9 taps in one batched matmul call and one np.add.reduce: 1.55-1.9 ms
  against 1.54 (numpy's per-call cost is not what the adds cost);
- blocks of 60, 240 or 480 KB instead of 120 (numpy's matmul and adds): forward 1.70, 1.46,
  2.44 ms against 1.49, input gradient 1.68, 1.48, 2.31 against 1.49, filter gradient 1.03,
  0.95, 1.68 against 0.95; with BLAS adding into the block, 360-720 KB: forward 1.56-1.58 ms
  against 1.22 at 240 KB: past 3,906 rows of a 16x16 product (M*N*K > 100^3) OpenBLAS
  leaves its small-matrix kernel (one call: 154 us at 3,900 rows, 207 us at 3,907);
- the filter gradient by the same ctypes gemm (each tap's product added into its slice of
  dw, no `part` or adds): 1.10 against 0.95 ms (1.15x): numpy's batched matmul already
  calls gemm once a tap inside C, at ~0.2 us a call against ctypes' ~1.1 us, and the adds
  it saves are 9x256 values a block;
- relu_grad as a bool mask written `out=` and an int32 multiply, a bitwise and with an
  all-ones mask, or a float multiply: 0.11-0.12 against 0.128 ms isolated (memory-bound
  passes over 1.4 MB; within the step's noise): not changed;
- not tried, reasoned out: OpenBLAS's `cblas_sgemm_batch` would make a block's 9 calls one, but
  runs a batch's entries on its threads at once, so entries adding into one C race unless
  BLAS has one thread (a setting another thread may change);
- the first conv by a transposed (16, 9) @ (9, N) matmul: 0.11 + 0.03 ms to transpose back,
  against 0.075 ms for the blocked im2col matmul;
- the recycler handing out its most recently used free array first (warmer in cache):
  0.97x, 1.00x, 1.02x of the step in three runs; relu_grad's mask from the recycler: no page
  faults either way (glibc's dynamic mmap threshold keeps it on the heap), 1.01x;
- one fused Adam op a variable instead of four: apply_gradients takes 0.13 ms in cache, 0.3 in
  the step, for 6 variables, so at most ~0.1 ms, and a numpy warning inside it would name
  another op than today: not done.
The whole step stays on one thread whatever numpy's BLAS may use (every matmul is small
enough for OpenBLAS's one-thread small-matrix kernels), so a busy machine never makes it
wait for a second thread; but PyTorch's convolutions use both threads, so on a calm 2-core
machine at 2 threads expect the ratio to rise (not measurable here).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

import tapeviz as tf
from cnn_twin import (BATCH, SIZE, batches, check_same, tapeviz_model, tapeviz_step,
                      torch_model, torch_step)

GOAL = 1.0


def blas_kernel() -> str:
    """Which BLAS numpy calls and the kernel it chose (threadpoolctl's report)."""
    from threadpoolctl import threadpool_info
    found = [f"{info['internal_api']} {info.get('version')} kernel "
             f"{info.get('architecture')}, {info['num_threads']} threads"
             for info in threadpool_info() if info["user_api"] == "blas"]
    return "; ".join(found) or "no BLAS found"


CLOCKS = {"CPU": time.process_time, "wall": time.perf_counter}


# what the kernel counts per process, read per round: (name, getrusage field)
USAGE = (("user", "ru_utime"), ("system", "ru_stime"), ("faults", "ru_minflt"))


def timed(step, data) -> dict:
    """{clock: median seconds a step over `data`}, and for each of `USAGE` its mean a step
    over the round (user and system seconds, minor page faults): the kernel splits CPU time
    by clock ticks, too coarse for one step. CPU time (every thread of this process) is the
    steadier on a shared machine: other processes' load moves wall time far more; its
    system part is mostly page faults (fresh memory touched the first time)."""
    times = {clock: [] for clock in CLOCKS}
    before = resource.getrusage(resource.RUSAGE_SELF)
    for batch in data:
        start = {clock: read() for clock, read in CLOCKS.items()}
        step(*batch)
        for clock, read in CLOCKS.items():
            times[clock].append(read() - start[clock])
    after = resource.getrusage(resource.RUSAGE_SELF)
    result = {clock: statistics.median(seconds) for clock, seconds in times.items()}
    result.update({name: (getattr(after, field) - getattr(before, field)) / len(data)
                   for name, field in USAGE})
    return result


def measure(torch, rounds: int, steps: int) -> dict:
    """Both steps from the same weights, checked to agree, then `rounds` alternating rounds
    (tapeviz first in even rounds) of `steps` steps each: {"check": the worst disagreement,
    ("tapeviz" or "pytorch", clock): each round's median seconds a step, ("ratios", clock):
    each round's tapeviz/PyTorch}, for each clock of `CLOCKS`; ("tapeviz" or "pytorch",
    usage): each round's mean a step, for each of `USAGE`."""
    keras_model = tapeviz_model()
    twin = torch_model(torch, keras_model)
    tv_step = tapeviz_step(keras_model, tf.keras.optimizers.Adam(),
                           tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    th_step = torch_step(torch, twin)
    data = batches(steps)
    tv_data = [(tf.constant(x), tf.constant(y)) for x, y in data]
    th_data = [(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y))
               for x, y in data]
    result = {"check": check_same(tv_step, th_step, twin, tv_data[0], th_data[0])}
    result.update({(name, clock): [] for name in ("tapeviz", "pytorch", "ratios")
                   for clock in CLOCKS})
    result.update({(name, usage): [] for name in ("tapeviz", "pytorch") for usage, _ in USAGE})
    for round_ in range(rounds):
        order = [("tapeviz", tv_step, tv_data), ("pytorch", th_step, th_data)]
        times = {name: timed(step, d) for name, step, d in
                 (order if round_ % 2 == 0 else order[::-1])}
        for clock in CLOCKS:
            for name, seconds in times.items():
                result[name, clock].append(seconds[clock])
            result["ratios", clock].append(times["tapeviz"][clock] / times["pytorch"][clock])
        for usage, _ in USAGE:
            for name, counts in times.items():
                result[name, usage].append(counts[usage])
    return result


FAULTING = 100   # page faults a step above which a round of PyTorch's is in its faulting regime


def by_torch_faults(result: dict) -> tuple:
    """The CPU ratios of `measure`'s rounds where PyTorch faulted (its allocator handed freed
    activations back and touched them fresh: >= FAULTING page faults a step), and of the
    others: PyTorch's time a step moves between those two regimes far more than tapeviz's
    (which recycles its activations), so the ratio of a round says which regime it met."""
    pairs = list(zip(result["ratios", "CPU"], result["pytorch", "faults"]))
    return ([ratio for ratio, faults in pairs if faults >= FAULTING],
            [ratio for ratio, faults in pairs if faults < FAULTING])


# glibc's malloc told to keep what is freed (no trim of the heap's top, no mmap below 32 MiB,
# its largest threshold): PyTorch's freed activations then stay in the process and are never
# faulted in again, whatever the process's history has set the thresholds to
HELD = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295"


def summary(result: dict) -> dict:
    """`measure`'s figures a child process hands back: the CPU ratios of the rounds, both
    libraries' median ms a step and PyTorch's median page faults a step."""
    return {"ratios": result["ratios", "CPU"],
            "tapeviz": statistics.median(result["tapeviz", "CPU"]) * 1e3,
            "pytorch": statistics.median(result["pytorch", "CPU"]) * 1e3,
            "faults": statistics.median(result["pytorch", "faults"])}


def held(rounds: int, steps: int, threads: int) -> dict:
    """`summary` of a run in a child process whose malloc keeps freed memory (GLIBC_TUNABLES
    set to HELD; glibc reads it only as a process starts): PyTorch in its regime without page
    faults, for certain, where this process's rounds may meet either regime or both."""
    done = subprocess.run([sys.executable, __file__, "--rounds", str(rounds), "--steps",
                           str(steps), "--threads", str(threads), "--summary"],
                          env=dict(os.environ, GLIBC_TUNABLES=HELD), capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"the run with malloc holding freed memory failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def held_line(figures: dict) -> str:
    """How a held run reads: its median ratio, both sides' times and PyTorch's faults."""
    ratios = figures["ratios"]
    return (f"{statistics.median(ratios):.2f}x (rounds {min(ratios):.2f}-{max(ratios):.2f}x; "
            f"tapeviz {figures['tapeviz']:.2f} against {figures['pytorch']:.2f} ms a step, "
            f"PyTorch {figures['faults']:,.0f} page faults a step)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=20, help="steps per library per round")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for PyTorch and for numpy's BLAS (1: the work each does, "
                             "without waits for a second thread on a busy machine)")
    parser.add_argument("--no-held", action="store_true",
                        help="skip the second run, in a process whose malloc keeps freed "
                             "memory (PyTorch without page faults)")
    parser.add_argument("--summary", action="store_true", help=argparse.SUPPRESS)  # held()'s
    args = parser.parse_args()
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads, user_api="blas")
    if args.summary:
        return print(json.dumps(summary(measure(torch, args.rounds, args.steps))))

    print(f"numpy {np.__version__}: {blas_kernel()}")
    print(f"PyTorch {torch.__version__}: {torch.get_num_threads()} threads")
    result = measure(torch, args.rounds, args.steps)
    print(f"same weights, one step: loss and gradients agree to {result['check']:.1e} (<= 1e-4)")
    print(f"{args.rounds} rounds x {args.steps} steps, batch {BATCH}, {SIZE}x{SIZE}x1")
    for clock in CLOCKS:
        ratios = result["ratios", clock]
        ratio = statistics.median(ratios)
        print(f"  {clock:<5} tapeviz {statistics.median(result['tapeviz', clock]) * 1e3:6.2f} "
              f"ms/step, PyTorch {statistics.median(result['pytorch', clock]) * 1e3:6.2f} "
              f"ms/step; median ratio {ratio:.2f}x (rounds {min(ratios):.2f}-"
              f"{max(ratios):.2f}x); goal <= {GOAL}x: {'met' if ratio <= GOAL else 'MISSED'}")
    for name in ("tapeviz", "pytorch"):
        user, system, faults = (statistics.median(result[name, usage]) for usage, _ in USAGE)
        print(f"  {name:<8} of which user {user * 1e3:5.2f} ms, system {system * 1e3:5.2f} ms, "
              f"{faults:,.0f} page faults a step (medians of the rounds' means)")
    users = [ours / theirs for ours, theirs in zip(result["tapeviz", "user"],
                                                    result["pytorch", "user"])]
    print(f"  user time alone: median ratio {statistics.median(users):.2f}x (rounds "
          f"{min(users):.2f}-{max(users):.2f}x)")
    for regime, ratios in zip(("faulting", "not faulting"), by_torch_faults(result)):
        if ratios:
            print(f"  rounds with PyTorch {regime}: {len(ratios)}, median ratio "
                  f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}x)")
    if not args.no_held:
        print(f"  malloc holding freed memory (GLIBC_TUNABLES={HELD}), PyTorch not faulting: "
              + held_line(held(args.rounds, args.steps, args.threads)), flush=True)


if __name__ == "__main__":
    main()
