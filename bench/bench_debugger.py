"""What the debugger costs: the reference loops plain, with breakpoints armed but never hit,
with the recorder on and under a Runner, measured side by side in one run (read the ratios).

Each row prints its ratio to the plain loop (best CPU time over interleaved rounds, the run
least disturbed by a shared machine) and issue 14's goal for it. Breakpoints
that select ops by name, kind, layer or backward step are heard only by the ops they can
match (the rest keep dispatch's fast path). A file:line one makes dispatch find every
recorded op's line (a VJP's and an update's ops share the gradient or apply line, asked
about once a pass or an apply); a nan one makes it test every op's output (a node only for
a NaN or Inf); a bare condition must see every op's node. The Runner's gate, never paused,
should cost next to nothing.
"nodes kept, nothing else" is the floor under the Recorder: a listener that only keeps each
op's node (what keeping every op alive costs the allocator and the cycle collector); "every
op heard, nothing kept" the floor under that: dispatch's traced path (a node and the user's
line for every op), which any listener of every op pays.

`--instructions` counts instead (valgrind, see instructions.py) the instructions one epoch of
each regression loop executes plain, under the Recorder and heard by a listener that keeps
nothing: a figure no other process's load moves.

Run: python bench/bench_debugger.py [--repeats 7] [--loops regression,lecture,cnn]
     [--instructions [--misses]] [--recorder] [--only runner,file:line] [--epochs 10]
     (--misses: first-level cache misses a step beside the instructions, round 37;
     --recorder: the plain and Recorder rows alone; --only: the rows named by these words)

The Recorder (issue 14's row, goal <= 1.5x), now (46f7664, the last round below):
instructions a step (valgrind, one epoch, the tree alone) and CPU (this file's --recorder
rounds, best of 5, three runs alternated with the tree before, load 6-13: read to +-0.05x);
in brackets round 27 of the one-record-per-op design (load 18-25):
  regression  plain 595.5k   Recorder 858.3k (1.441x), CPU 1.63-1.68x   (1.660x; 2.29x)
              (fac4ac4: 853.0k, 1.429x of 596.8k; CPU 1.52-1.66x at load 12-15)
  lecture's   plain 449.4k   Recorder 673.4k (1.499x), CPU 1.79-1.85x   (1.852x; 2.63-3.00x)
  floor, every op heard (0daf680's round): 1.200x / 1.231x instr., 1.16-1.24x / 1.22-1.27x.
  Round 29 (5376a81, below): regression 791.9k (1.353x of 585.4k), CPU 1.41-1.48x; lecture's
  619.6k (1.390x of 445.7k), CPU 1.65-1.73x (load ~8): the lecture's row still MISSED.
  Round 30 (b15ce45, below): regression 792.7k (1.329x of 596.4k), CPU 1.45-1.48x;
  lecture's 616.7k (1.380x of 446.9k), CPU 1.65-1.69x (load 6-8): still MISSED.
  Round 32 (325dc6a, below): regression 770.8k (1.318x of 584.8k), CPU 1.40-1.49x;
  lecture's 599.7k (1.372x of 437.2k), CPU 1.60-1.69x (load 7-10): still MISSED.
  Round 33 (ce54382, below): regression 728.9k (1.298x of 561.6k), CPU 1.35-1.42x;
  lecture's 563.4k (1.362x of 413.7k), CPU 1.53-1.60x (load 6-13): still MISSED.
  Round 34 (b131bd0, below): regression 728.3k (1.296x of 561.7k), CPU 1.37-1.42x;
  lecture's 562.8k (1.360x of 413.7k), CPU 1.53-1.62x (load 16-19): still MISSED.
27 rounds shaved the one-record-per-op design from 2.4x / 4.9x (the last ones: a whole
backward pass kept as one record and run again on a look, kept_pass.py, -63k / -65k; steps
packed as columns; bytes counted per step; the update ops' records without nodes). Its
floor, "nodes kept, nothing else", is above 1.5x on both loops: keeping a Python object per
op (what the collector walks) cannot meet the goal however little else is done.
The design that could: keep per step only what cannot be computed again (the values that
came from outside the step: batch, variables' values, constants, by reference: tensors are
immutable and `assign_sub` rebinds) and run the step's program again on a look; check each
op against the program learned from a step recorded fully (its Op and its user line, both
interned, down a tree of op sequences: one branch per variant, the Huber `if` takes either).
Priced before building it, by `program_stub.py` (the "program checked, inputs kept" row):
- predicted ~700k (1.10x) / ~510k (1.14x): the update ops' sunk path (~8k each), ~2k a
  forward op, the pass kept, a step's end ~10k.
- measured, the check a Python `__iadd__` per op: 853.9k (1.346x) / 646.6k (1.449x);
  CPU 1.47x / 1.53x (load 25). Taken apart (lecture's, instructions a step): the sink's
  path and a call per op, checking nothing, +115k (of it the GradientComputed listener
  alone +29k: regression +28.5k); the tree walk +39k; the inputs' values kept by a list
  comprehension per op +35k; the step's end +10k.
- measured, the check inline in dispatch (the same tree walk in `_dispatch_sunk` before it
  makes tensors, and in `_dispatch_traced` in place of the record; inputs kept as
  `compress(arrays, branch.outside)`, C loops; measured on a worktree, not kept: the
  Recorder does not use it yet): 775.8k (1.228x) / 590.7k (1.321x); CPU 1.31x / 1.44x
  (load 18-20), against "every op heard" 1.24x / 1.28x in the same rounds: by instructions
  below that floor on the lecture's loop (593k), whose VJP ops a kept pass leaves unheard.
So the stub lands at the brief's ~1.45x line on the lecture's loop with nothing yet of what
a step must also keep for the live consumers (gradient norms and non-finite flags a step,
the kept pass's targets and sources, the split into steps around updates and evaluations):
the replaying design, built whole, is priced at ~1.35x / ~1.5x CPU; it would meet the
regression row and sit at the lecture's line. Not built in this round (see the report).
Built the next round (branch wip/replaying-recorder, not merged into main: correct, but no
win by instructions). debugger/program.py learns each segment (the ops between two
gradient calls) from one recorded fully, and dispatch checks each op against it inline (op,
line, params, phase, scope, taping, and every input's producer by id against the segment's
outputs, held while it runs), keeping only its inputs from outside and random ops' outputs;
a replayed step holds (segment, first op, end) parts and runs them again on a look; a
persistent tape, an upstream gradient not from a kept pass, a listener of the op, another
engine's op or a look mid-segment send the segment to full recording. Predicted from the
stub: ~1.3x / ~1.45x by instructions, ~1.35x / ~1.5x CPU. Measured (valgrind, one epoch,
instructions a step; 81c67fe's tree against the branch's ed08034, whose own plain runs
read 631.4k / 446.0k, its ratios' base):
                        plain      Recorder before     Recorder replaying   hearing half alone
  regression            631.1k     1,041.2k (1.650x)   1,080.0k (1.710x)    922.7k (1.461x)
  lecture's             444.8k       834.4k (1.876x)     863.7k (1.937x)      716.6k (1.611x)
  (the first build, with each outside input counted in Python: 1,125.8k / 900.4k)
  CPU, 10 epochs, best of 5, the two trees' processes alternated twice (load 24-28):
  regression 2.35x, 2.37x -> 2.22x, 2.15x; lecture's 3.28x, 3.20x -> 2.59x, 2.51x.
  The branch's last commit (27295af: params compared by type first, a cap on programs
  learned): 1,084.1k (1.714x of 632.3k) and 868.5k (1.946x of 446.2k); CPU at load ~1, the
  same A/B: regression 2.30x, 2.32x -> 2.04x, 2.06x; lecture's 2.68x, 2.74x -> 2.47x,
  2.56x; this file's rounds (best of 5): 2.28x -> 2.08x, 2.90x -> 2.47x.
"hearing half alone": the Recorder with a replayed segment's end replaced by a new segment
(nothing kept, no step made). It is above the stub's 775.8k / 590.7k by ~+147k / +126k:
what the stub did not do (params, phase, scope and each input's producer checked: a tuple
of dict lookups an op; the outputs held and indexed; durations timed: the stub subscribed
untimed; the pass checked against the program), not priced one by one. The step's end (a
RecordedStep made, its parts, loss and gradients counted, the budget) is the rest, ~157k
/ ~147k a step (by CPU, thread time a step, lecture's: the step's end 67 us of the
Recorder's ~165 us over plain, of it counting 21 us, the gradients and loss 19 us, the
step's object and plan 14 us; the pass's check 18 us): per step, it now outweighs what
packing per op cost. So the goal needs both halves cut: the step's end made lazy (a
replayed segment only noted at its gradient call, its RecordedStep made on a look or a
budget check, counted from the branch's last count) and the hearing check made cheaper
(one key of op, line, phase and scope; params compared by identity first; the producers
checked only where the program saw an inside input).
Both cuts, built the next round (wip/replaying-recorder, merged). Predicted, instructions a
step: the step's end made lazy -90k to -120k, the hearing check made cheaper -25k to -35k,
together ~950k (1.51x) / ~730k (1.64x). Built:
- noted.py: a step made of one followed segment alone is only noted at its gradient call
  (its part, the loss value, the sources and gradients as tuples; the step object in
  progress serves as the next one); its RecordedStep is made on a look (`steps`,
  `last_step`, `nbytes`, `mark_step`) or when it must take ops (`_settle` makes the closing
  one); `len` makes none. Its bytes are counted as the made step will count them
  (`Footprint.count_noted`: the outside inputs and their values, the gradients, the loss,
  by their types in C loops as `count_segments` does; an array whole), so the budget drops
  it unmade, and the made step's count replaces it (equal on scalar programs: tested).
- dispatch checks a followed op before it runs, by one key (op, the id of its interned
  line, phase, scope: program.key_of; the line's Python __hash__ ran per op), params by
  identity first; it runs the op untimed (its duration is that of its run again; one found
  taped otherwise than its program's op after it ran records 0.0); the kept pass is checked
  by program.pass_follows without making its record. The producers are still checked at
  every position: an input from inside where the program saw one from outside would be
  wired otherwise in the step run again.
Measured (valgrind, one epoch, instructions a step; the branch on 1ee00e0 before and after,
then the branch and main both at 4537a72, each tree alone):
                        branch before       both cuts           main
  regression            1,091.0k (1.728x)   986.6k (1.560x)     1,039.7k (1.650x)
  lecture's               868.9k (1.952x)   774.7k (1.735x)       833.5k (1.876x)
  at 4537a72: regression  953.1k (1.589x of 599.7k) against main's 1,006.7k (1.685x of
  597.4k); lecture's 774.1k (1.735x of 446.2k) against 829.9k (1.866x of 444.8k).
  CPU, bench_debugger --recorder, best of 5, the two trees' processes alternated twice
  (load 19-22: read to +-0.1x): main 2.50x, 2.48x / 3.03x, 3.05x; the branch 1.88x, 1.88x
  / 2.16x, 2.10x.
-104k / -94k against -115k to -155k predicted. Taken apart on the lecture's loop (the same
tree, patched): the hearing half alone (a followed segment forgotten at its gradient call)
700.8k (1.570x; 716.6k last round: the cheaper check bought ~16k, not 25-35k: the line's
hash was one cost of several an op); the step's end ~74k a step (was ~150k), of it counting
the noted step ~30k (745.0k with count_noted returning 0; its ~40 types built into a tuple
and looked up each step) and the note, the budget's check and the next segment's begin the
rest. Not met: 1.5x needs ~-55k / ~-105k more. What is left is the hearing half (the sunk
update ops' line walk and tensors, the inline check and held outputs of the taped ones),
then that count: the program's last count could be reused while the types repeat, but the
types must still be read to know they do.
The next round, the hearing half and the step's end again (valgrind, one epoch, instructions
a step; 8841280's tree, then each commit's; predicted in each: -5k, -7k, -8k, -3 to -5k, -2
to -3k, -1 to -2k, and -2.5M for a start and a stop):
                                      regression            lecture's
  before (plain 599.2k / 446.1k)      953.2k (1.591x)       774.5k (1.736x)
  Branch.only: a branch with one      945.5k                762.1k
    branch after it compared by identity (op, line, phase, scope), no key made
  a noted step plans no count         936.9k                753.7k
    (the sink stays empty while segments follow: planned at the first record after one leaves)
  the noted step's end: noted_bytes   932.2k                747.8k
    a function, gradients picked by C loops, a Variable sized by type, begin not asked
  a kept pass checked in one          927.6k                743.0k
    function (program.pass_follows, identity first); no outer-tape walk without a tape
  dispatch: tapes and layer           923.9k                740.0k
    listeners decided first (a kept pass's VJP ops ask three attributes fewer; plain the same)
  events: one listeners key, then     907.8k, 901.0k        722.9k, 716.0k
    one Route, for the ops no subscription names (a Recorder's start and stop 4.84M ->
    1.91M -> 0.60M: 25.5k -> 3.2k a step of these one-epoch counts, 10x less over 10 epochs)
  follow_branch given the output id   898.2k (1.503x of     713.1k; at bb10074
                                      597.7k)               714.0k (1.601x of 445.9k)
  CPU, this file's --recorder rounds, best of 5, 8841280's tree and bb10074's alternated
  twice (load 9-12: read to +-0.05x): regression 1.86x, 1.81x -> 1.81x, 1.80x; lecture's
  2.08x, 2.10x -> 2.03x, 2.02x. Not met: -55k / -61k by instructions (-33k / -39k of them
  a step's own, the rest the start and stop these counts include), against ~-0.03x / -0.07x
  by CPU. What is left (lecture's, bytecodes a step over plain, 3,412: ~87 instructions
  each): dispatch's side 2,382 (70%: the 4 sunk update ops' walk to the line, tensors and
  check, ~260 bytecodes each; the 9 taped ops' check and follow, ~120 each), the step's end
  751 (gradient call, note, count, budget), the kept pass's check in backward.py 205. The
  1.5x by CPU needs about half of the Recorder's per-step Python gone: the per-op check
  cannot lose that much (each op is checked in ~100 bytecodes, its outputs held by id);
  a taped op's check done in bulk from the tape's nodes at the kept pass, and an update's
  line found without a walk, are what is left to price.
Why CPU reads ~0.3x above instructions (next round; ae1f752's tree, 10 epochs, one process,
plain and Recorder rounds interleaved, load 9-15; instructions: regression 1.503x, lecture's
1.601x, CPU 1.77-1.85x / 1.93-2.04x):
- not memory: page faults 0-254 a 10-epoch run; callgrind --cache-sim (one epoch, plain ->
  Recorder): LL misses ~1k both, D1 misses 1.76M -> 2.81M (1.60x) and 1.17M -> 2.09M (1.79x),
  I1 1.45x / 1.64x, mispredicts (valgrind's model) 1.49x / 1.61x: in step with instructions.
- retention is the cycle collector's: the Recorder's kept steps (~20 tracked objects and
  ~1.6-2.0 KB a step, tracemalloc) make 69 young and 6 middle collections a run against 3;
  GC thread time 6-8 ms of the ~90 / ~130 ms over plain. Steps noted and freed at the next
  (nothing kept) against kept: 1.77x -> 1.72x, 1.99x -> 1.92x; gc off: 1.71x / 1.86x, and
  then kept = not kept. It grows with the run: at 30 epochs 1.96x -> 1.75x, 2.12x -> 1.85x.
- the rest (~0.2-0.25x) is the Recorder's Python running at a lower IPC than the plain
  loop's: perf cpu-clock against callgrind per C function (lecture's, load 9): the eval
  loop's extra instructions at 0.32 ns each against plain's 0.15; malloc/free, map_next,
  gc_collect_main (1.08 ns an instruction) above their share.
- a byte budget too small for one step (max_bytes=1) is slower, not faster (2.57x / 3.15x:
  every step warned as too big); 100 KB or 1 MB budgets cost as the default.
Kept steps the cycle collector does not walk (next round). A noted step kept ~23 tracked
objects for what came from outside its segment (each constant made from a Python number,
each variable's read, the list of them), walked by every young and middle collection of the
run. Now dispatch keeps their values (`compress(arrays, branch.outside)`: no extra work an
op; arrays and numpy scalars, untracked, in a tuple untracked at its first collection); a
variable's read is checked by its code among the producers (`Sink.seeds`: the existing
tuple compare checks the variable too); a look makes the tensors again: a read of the
program's variable, one tensor per value from outside (noted as a Python number's where the
program's was: python_numbers.py), and a gradient of the call the segment began at as itself
(the update applies the very tensor the step keeps). Priced first by a stub (values kept,
nothing else; CPU, best of 5, trees alternated twice, load 2-7): 10 epochs regression 1.87x,
1.81x -> 1.82x, 1.82x, lecture's 2.02x, 2.04x -> 1.99x, 1.99x; 30 epochs 2.11x, 2.11x ->
1.86x, 1.86x and 2.24x, 2.29x -> 2.04x, 2.07x. Predicted: -0.03 to -0.05x at 10 epochs,
~-0.2x at 30, instructions about even. Built, regression / lecture's:
  instructions a step (valgrind,   914.9k (1.522x of 601.3k) -> 902.1k (1.502x of 600.4k) at
  one epoch, each tree alone)      2c8a562 / 710.8k (1.586x of 448.1k) -> 717.1k (1.599x of
                                   448.5k) at a08f0c6 (at f97ab85, before python_numbers.py:
                                   724.0k -> 721.2k; the +6k, not taken apart: the constants
                                   the kept segments held, listed in python_numbers.MADE, now
                                   die, so its let_go scans run every ~4,096 of them)
  tracked objects kept a step      32.2 -> 18.6 / 32.0 -> 19.2 (plain 5.6 / 5.4; net of frees)
  young, middle collections,       86, 7 -> 33, 3 / 72, 6 -> 36, 3 (plain 3, 0)
    10 epochs
  Python calls a step              302.0 -> 303.0 / 209.4 -> 209.9 (plain 254.2 / 170.1)
  CPU, 10 epochs (best of 5,       1.88x, 1.90x -> 1.84x, 1.86x / 2.14x, 2.13x -> 2.09x, 2.08x
    trees alternated, load 16-18,  (at a08f0c6, best of 3, load 5: 1.75x, 1.64x -> 1.68x,
    f97ab85 with and without)      1.83x / 1.94x, 1.88x -> 2.17x, 1.81x: noise)
  CPU, 30 epochs (best of 3,       2.10x, 2.11x -> 1.77x, 1.83x / 2.30x, 2.31x -> 2.01x, 1.98x
    load 15-19, f97ab85)
  the long recording (test_recorder_memory: 6,000 lecture steps, 8 MiB): steps kept 2,359 ->
  3,398 (each counted smaller: no tensor objects), RSS grown 9.02 -> 7.18 MB (it failed its
  bound, under the budget, before).
Not met: 1.84x / 2.08x by CPU at 10 epochs against 1.5x. The next round, from what the
Recorder adds a step (cProfile, one epoch, Python calls a step over plain, 8ad9bdc: lecture's
+39.8 of 172.2, regression +45.9 of 248.7): the 4 (5) sunk update ops' _dispatch_sunk,
input_tensors, the walk to their line (source_from), their constant's wrap and
_constant_like, their variable's read_variable (~18 / ~20); the kept pass's _keep_pass,
replay_facts, _replayable, pass_follows, follow_branch and its walk (7); the step's end
(tell, the event, _on_event, _on_gradient, _replay_segment, Segment, _note_step, loss_of,
NotedStep, noted_bytes, _sized, allocated, _enforce_budget, _held, begin: 15). Cut, each
commit's tree alone (valgrind, one epoch, instructions a step; load 12-18: a count of the
regression loop moves +-5k between runs, the Recorder's start and stop being counted):
                                      regression            lecture's
  before (plain 594.9k / 448.0k)      897.6k (1.509x)       717.8k (1.602x)
  a665618 a followed sunk op makes    877.5k                710.2k
    no tensors (input_arrays, ids by id(): the constant and the variable's read were made
    to be dropped; predicted -6k to -10k lecture's)
  1393c23 a noted step's parts as     883.2k                709.5k
    slots, not a list of two tuples (predicted -1k to -2k; kept steps' objects, lecture's
    10 epochs: tuples 5,750 -> 1,959, lists 1,923 -> 27: -3.0 tracked a step of ~7.2)
  d6838ac the noted step's end: loss, 881.6k                707.1k
    budget check and type lookup inline (predicted -1.5k to -2.5k)
  04a7037 the line by the call site's 878.7k, 879.9k        703.0k, 700.3k
    frames (call_site.py), update ops then the kept pass (predicted -6k to -10k, ~-2.5k;
    regression's lines are the optimizer's or 2+ frames deep: no walk saved)
  Python calls a step: lecture's 212.0 -> 197.3 (plain 172.2), regression 294.6 -> 280.7
  (plain 248.7). CPU, this file's --recorder rounds, best of 5, 8ad9bdc's tree and 04a7037's
  alternated three times (load 18-21: read to +-0.05x): regression 1.83x, 1.76x, 1.73x ->
  1.69x, 1.75x, 1.76x; lecture's 2.05x, 2.04x, 1.95x -> 1.95x, 1.89x, 1.94x; again with
  f1d1581's tree (load 9-12): regression 1.82x, 1.75x, 1.71x -> 1.76x, 1.80x, 1.70x (no
  change this noise can show); lecture's 2.11x, 2.01x, 1.97x -> 2.02x, 1.78x, 1.91x.
Still not met. Left (lecture's, 25 calls a step over plain): the 4 sunk ops' own path, the
kept pass (6), the step's end (10); kept a step: the NotedStep, its Segment, the gradients'
tuple and tensors (~5 tracked objects: the gradients kept as values, their tensors made on a
look and shared by the step and the segment that applies them, would take 3 more; not built:
the step made in flight, then given its updates, must apply the tensors it shows).
The next round, from what each part costs a step (lecture's; c7e3265's tree; instructions
inside each part, valgrind with only a functools.partial around it counted; bytecodes a step
by sys.settrace's opcode events, one epoch): plain 7,704 bytecodes, Recorder 10,891 (+3,187,
~200 of it the first step's learning). The taped forward ops' inline check and follow +1,044
(9 ops, ~116 each); the 4 sunk update ops +993 (assign_sub, two calls, 18.6k -> 49.0k
instructions); the step's end +519 (69.7k inside `tell`: of it the last segment's outputs and
the pass's Backward freed there, which plain frees elsewhere; NotedStep.__init__ 28.6k, of it
noted_bytes 12.9k); the kept pass +310 (_keep_pass 35.2k, _replayable 8.7k). By C function
(one epoch, plain -> Recorder, +229k a step): the eval loop's own +75.8k, the rest spread
over allocation, tuples, dicts and deallocation; the cycle collector +4.4k.
Cut (each tree alone; predicted, then measured):
  e2ea688 the kept pass followed: its      _keep_pass 35.2k -> 26.3k, _replayable 8.7k -> ~1k
    tape's nodes compared by identity      (predicted -12k to -18k a step; lecture's 698.2k ->
    with the followed taped nodes (no      683.2k before its replay_facts part, regression
    attrgetter per node), its values       878.5k -> 867.1k)
    taken only when kept, own_vjps asked
    only of a pass no program vouches for
  46f7664 a noted step's variable          _note_step 34.8k -> 26.9k (predicted -1k to -3k)
    gradients by the sources' cached mask
  both, c7e3265's tree alone then with     lecture's 698.2k (1.555x) -> 673.4k (1.499x),
    them                                   regression 878.5k (1.477x) -> 858.3k (1.441x)
  CPU, --recorder, best of 5, the trees    regression 1.68x, 1.71x, 1.68x -> 1.63x, 1.68x,
    alternated three times (load 6-12)     1.67x; lecture's 1.87x, 1.88x, 1.90x -> 1.79x,
                                           1.85x, 1.79x
Why CPU stays ~0.3x above instructions: not the cycle collector. gc.disable() against gc on,
both loops, 10 epochs, best of 5 interleaved (load 4): lecture's 1.855x on, 1.922x off;
regression 1.649x, 1.476x; gc.freeze() 1.887x, 1.745x (noise, both ways). So the named
candidate, a step's gradients kept as values (about 3 tracked objects a step fewer), was not
built. Still not met by CPU: 1.5x needs about -13 us a step of the Recorder's ~36 us on the
lecture's loop and of its ~51 us on the regression loop (46f7664's tree, load 6). What is
left is the replaying design's own work: ~116 bytecodes to check and follow a taped op, ~215
a sunk one, ~510 for the step's end and ~310 for the kept pass (bytecodes a step at
46f7664: these cuts took C work, maps and attrgetters, not bytecodes).
Where a step's time goes, next round (1f400c5's tree; lecture's loop unless said; the
Recorder's start, stop and first step's learning are in each one-epoch count):
- bytecodes a step by function (sys.settrace opcode events, one epoch after a warm-up, a
  fresh Recorder): plain 7,704, Recorder 10,756 (+3,052). Dispatch's followed ops +1,902 of
  it (_dispatch_traced +1,044: 9 taped ops, ~116 each; _dispatch_sunk +858: 4 update ops,
  ~215 each; both dispatch.py's); the step's end ~520 (_replay_segment 138, _note_step 128,
  noted_bytes 60, NotedStep 52, _on_gradient 41, Sink.begin 32, _on_event 23, tell 17, the
  event 14, Segment 14); the kept pass ~245 (pass_follows 130, source_at 41, _keep_pass 38,
  _replayable 32, replay_facts 23); the regression loop's apply adds _update_line 89 and
  its walk. Calls a step: C 259 -> 337 (len +27, list.append +23, id +10, _getframe +5: the
  followed ops' outputs held and indexed), Python +25.
- per epoch inside one Recorder (10 epochs, 3 runs, load 5-6): plain 64-79 us a step,
  Recorder 114-144 us, flat from the second epoch on: nothing grows with what is kept.
- cache (callgrind --cache-sim, one epoch, per step, plain -> Recorder): instructions
  450.4k -> 674.4k (1.50x); D1 misses 3,052 -> 5,869 (1.92x: reads 2,324 -> 4,402, writes
  727 -> 1,467); I1 misses 1,021 -> 2,193 (2.15x). Of the +2,818 D1 misses the eval loop's
  own +714 (object fields read), _PyObject_Malloc +200 (fresh memory: kept objects), the
  type attribute cache +106 (_PyType_Lookup), the rest spread; of the +1,172 I1 misses the
  eval loop +213 and ~100 C functions +5 to +25 each (compress, map, list.extend, dict
  inserts and resizes, getargs, frame objects): code the plain loop never runs. Misses grow
  ~2x while instructions grow 1.5x: that is the CPU ratio above the instruction ratio (at
  ~4 ns a miss, ~16 us of the plain step's ~70 and ~16 us of the ~50 the Recorder adds). So
  the C loops that cut
  instructions (map, compress, attrgetter) each bring their own code into the I-cache; the
  guess, not tested: a cut that must move CPU should take fewer distinct C paths too.
- fac4ac4 (optimizer listening): an apply from the same frames as the last one takes its
  update ops' line from them (call_site.site_of), not a walk: regression 855.5k (1.434x
  of 596.7k) -> 853.0k (1.429x of 596.8k), predicted -2k to -4k; lecture's (no optimizer)
  675.3k -> 675.0k. CPU, --recorder, best of 5, 1f400c5 and fac4ac4 alternated three times
  (load 12-15: read to +-0.15x): regression 1.64x, 1.81x, 1.71x -> 1.60x, 1.52x, 1.66x;
  lecture's 1.78x, 1.81x, 1.92x -> 1.67x, 1.96x, 1.64x (noise: unchanged by instructions).
  At load 5 (17:16, 1f400c5): 1.48x / 1.72x.
- a second training run under the same Recorder (new variables, the same lines) never
  followed: its variables' codes differ from the program's, and the first op that read one
  marked its branch unreplayable for good (program.learn), so every later step was recorded
  fully and learned again until MAX_LEARNED_OPS. a338e94 learns such an op again in its
  branch's place (kept segments hold their own branches). lecture_loop(2) twice in one
  Recorder (CPU, load 13-15): the second run 208-269 us a step -> 128-144 us (the first
  115-133, plain 61-75), ops learned 5,334 -> 42; one run unchanged (valgrind, one epoch,
  with fac4ac4: 853.0k / 675.0k both).
Not met by CPU on the lecture's loop; the regression loop sits at the goal's line. What is
left is dispatch's per-op check (62% of the added bytecodes) and the misses it brings.
The next round (2dda341's tree; each tree alone, in worktrees: the main tree held others'
uncommitted work): 350ef8b takes a followed op's index among the segment's outputs from its
branch (depth - 1: the ops it follows), not len(outs): one C call fewer per followed op (13 a
lecture step). Predicted -0.2k to -0.6k a step; valgrind, one epoch, instructions a step:
regression 853.7k -> 853.4k (1.427x of 598.3k / 598.1k), lecture's 674.9k -> 674.4k (1.476x
-> 1.475x of 457.3k / 457.1k). CPU, --recorder, best of 5, the trees alternated three times
(load 5-6: read to +-0.1x): regression 1.52x, 1.66x, 1.56x -> 1.51x, 1.52x, 1.64x;
lecture's 1.70x, 1.63x, 1.68x -> 1.68x, 1.73x, 1.68x: no change this noise can show. Priced,
not built: Sink.begin's `made` made at the segment's size (dict.copy keeps a table's size
only by its clone path, which needs the template's entries all live: a template padded
with keys no id can be, odd ints, to a table that holds a lecture's ~16 entries: timeit,
copy and 14 outputs added, 1.31 us as now against 1.62 us from the padded template, whose
clone copies the larger table and drops it); `VariableRead not in map(type,
args)` in the sunk path against a frozenset's isdisjoint or is_ maps (timeit, 2 args: 318,
368, 810 ns: the current one is the cheapest). Still not met by CPU on the lecture's loop.
Then the objects a followed op makes, each a GC-tracked allocation (valgrind, one epoch,
instructions a step, each commit's tree alone; predicted, then measured):
                                      regression            lecture's
  before (350ef8b)                    853.4k (1.427x)       674.4k (1.475x)
  ae9cf99 the producers looked up by  844.9k (1.411x of     666.7k (1.457x of
    Sink.producer_of (made.get bound  598.9k)               457.4k)
    once a segment), not sink.made.get: a bound method made and freed per followed op;
    a followed taped op tests its branch first (predicted -1.3k to -2.5k: the allocation's
    share of the young collections was not priced)
  2096ca0 an op whose inputs all come 837.6k (1.400x of     662.2k (1.449x of
    from outside keeps them by        598.3k)               456.8k)
    `outside += arrays` (Branch.keeps_all), no compress object (predicted -1k to -4k)
  CPU, --recorder, best of 5, 2dda341's tree and 2096ca0's alternated three times (load
  5-6: read to +-0.1x): regression 1.38x, 1.59x, 1.53x -> 1.50x, 1.49x, 1.53x; lecture's
  1.71x, 1.71x, 1.75x -> 1.68x, 1.74x, 1.95x: 2dda341 -> 2096ca0 is -16.1k / -12.7k
  instructions (-2.7 / -2.7 points of the ratio), which this noise cannot show. Left of
  the same kind, per followed op: the producers' map and tuple, and in the sunk path
  map(type, args) and map(id, args).
The next round: dispatch's per-op questions asked only on the path that needs them.
06781a4: an op that only tapes record (nobody hears it, no Recorder on the thread) takes
_dispatch_taped (its tensors, line, forward, node, tapes), not _dispatch_traced's questions
about hearers, lines, node forms, the sink and a branch; 43724c7: an op on a taping thread
that the Recorder alone hears while its segment follows takes dispatch_followed (checked,
run untimed, its node to the tapes, followed), without those questions either (ca55383
moved the Recorder's paths, this one and the sunk one, to dispatch_followed.py). Predicted
-15k to -25k a step each (9 taped ops a step, ~55 bytecodes each). Bytecodes a lecture's
step (settrace, one epoch): plain 7,752 -> 7,204, Recorder 10,809 -> 10,365. Valgrind, one
epoch, instructions a step, b473c32's tree and 43724c7's, each alone in a worktree
(PYTHONPATH on it), load 15-26:
                      plain                Recorder
  regression          598.6k -> 585.2k     838.7k (1.401x) -> 826.8k (1.413x)
  lecture's           458.4k -> 445.0k     663.2k (1.447x) -> 651.3k (1.464x)
  CPU, --recorder, best of 5, the two trees alternated three times (load 17-27: read to
  +-0.15x): regression 1.58x, 1.67x, 1.70x -> 1.60x, 1.64x, 1.61x; lecture's 1.83x, 1.88x,
  1.87x -> 1.80x, 1.65x, 1.86x (the Recorder's lecture loop 0.257, 0.292, 0.252 s -> 0.250,
  0.253, 0.293 s: the load moved it more than the change).
Plain -13.4k a step on both loops, the Recorder -11.9k on both, against -15k to -25k
predicted (548 bytecodes a lecture step fewer for 13.4k instructions: loads and compares,
~24 instructions each). The plain loop gained more than the Recorder, so the ratio, the
goal's figure, rose (+0.012x / +0.017x). Not met. Left, by bytecodes a
lecture step over plain (3,161): dispatch_followed's check and follow of 9 taped ops
(+1,012: ~112 an op against _dispatch_taped's ~94), dispatch_sunk's 4 update ops (856),
the step's end (~520) and the kept pass (~245); priced, not built: the sink-away VJP ops'
route in `dispatch` asked in another order (-48 bytecodes a step, ~0.4%).
Round 29: the C work behind a followed op's check, not its bytecodes. Callgrind's
per-function table (lecture's, one epoch, plain -> Recorder at 4eae7c0: 444.7k -> 650.9k a
step, +206.2k): the eval loop's own +78.5k, map_next +7.8k, tuple growth and dealloc, and 365
C functions the plain loop never runs (+5.2k by their own counts, but each its own I-cache
lines): compress ~1.2k (new, next, dealloc), `list +=` through PyNumber_InPlaceAdd and
binary_op1 ~0.7k, `not in map(...)` (_PySequence_IterSearch) ~0.3k, weakref ~0.3k, repeat,
attrgetter. Timed alone (timeit, ns, two inputs, load ~8): `outside += compress(arrays,
mask)` 462 against `outside.extend(arrays[kept])` 134; `tuple(map(made.get, ids,
repeat(-1)))` 365 against `(get(ids[0], -1), get(ids[1], -1))` 110 (a function around it
135); `VariableRead not in map(type, args)` 408 against two type() tests 176. Built, each
on 4eae7c0's tree alone in a worktree (valgrind, one epoch, instructions a step; predicted,
then measured):
                                      regression            lecture's
  before (4eae7c0; plain 584.6k /     827.4k (1.415x)       651.2k (1.461x)
    445.8k)
  2a45410 python_numbers.from_python  (not counted alone)   648.2k (1.456x)
    indexes the listed numbers by C loops (id -> the tensor, emptied by let_go first), not
    a weak reference each in a Python loop: a Recorder's first learning indexed ~4,000 (163
    bytecodes a step of these one-epoch counts; predicted -5k to -8k)
  1eea1b7 a branch's inputs from      814.9k (with 2a45410) 638.8k
    outside kept by a slice learned per branch (Branch.kept: one run of them; the whole
    tuple is itself), compress only for a scattered mask (predicted -3k to -5k)
  1eea1b7 producers_of: one or two    797.9k (1.363x)       624.5k (1.401x)
    inputs' producers as an inline tuple, no map, repeat or grown tuple (-10k to -15k)
  5376a81 dispatch_sunk: an update's  791.9k (1.353x of     619.6k (1.390x of
    two inputs' read check and ids   585.4k)               445.7k)
    by type() and id() (-2k to -4k)
  CPU, --recorder, best of 5, 4eae7c0's tree and 5376a81's alternated three times (load
  8.2-8.4: read to +-0.07x): regression 1.58x, 1.50x, 1.57x -> 1.48x, 1.44x, 1.41x;
  lecture's 1.72x, 1.78x, 1.75x -> 1.67x, 1.73x, 1.65x. The regression row meets 1.5x in
  these rounds; the lecture's is still MISSED (~0.15-0.2x over).
Bytecodes a lecture step rose (10,407 -> 10,625: producers_of's call, the inline tests)
while instructions fell 31.6k a step: at this point a step's cost is the C work behind its
bytecodes (iterator objects made and freed, tuples grown and resized), as round 27 found of
attrgetter. After it (callgrind, lecture's, 5376a81's tree: +174.2k a step over plain):
the eval loop's own +86.0k, dict lookups +5.0k, tuple dealloc +4.5k, frames +3.8k, map_next
+3.9k (of it the learning's set updates, ~56 elements a step, and pass_follows'), 195 C
functions plain never runs. What is left is the per-op design itself (9 taped ops checked
and followed, ~200 bytecodes each against _dispatch_taped's ~94; 4 update ops ~234 each
against plain's fast path; the step's end ~520; the kept pass ~260): the lecture's row needs
about a third of the Recorder's remaining per-step work gone, not shaved (see round 28's
price of the bulk check: C loops that cost more than the inline one).
Round 30: the design question again, "once a program is learned, must each op be checked
as it runs?" (6bbb76a's tree; valgrind, one epoch, instructions a step, each tree alone in a
worktree, PYTHONPATH on it; bytecodes a step by sys.settrace's opcode events). Before:
lecture's 620.5k (1.389x of 446.7k), regression 796.0k (1.334x of 596.9k); CPU, --recorder,
best of 5 (load 5-8): regression 1.56x, 1.46x, 1.46x, lecture's 1.63x, 1.64x, 1.70x.
Bytecodes a lecture step: plain 7,249, Recorder 10,715 (+3,466): dispatch_followed 1,823
(9 taped ops, ~204 each against _dispatch_taped's 96), dispatch_sunk 938 (4 update ops),
producers_of 320 (13 calls), dispatch's routing +180, the step's end ~490 (_replay_segment
138, _note_step 128, noted_bytes 60, NotedStep 52, _on_gradient 41, Sink.begin 36), the kept
pass ~240 (pass_follows 129, source_at 41, _keep_pass 38, _replayable 32).
- Tried, not kept: a taped op only listed as it runs, checked in bulk later (the per-op path
  `_dispatch_taped`'s plus one append; the brief's "append to one list, check at the step's
  end"). dispatch_followed ran a taped op untimed, gave its node to the tapes and appended it
  to `sink.unchecked` (checked once 64 wait: a long step that leaves must be counted as it
  grows, which test_a_step_that_leaves_its_program_after_noted_steps_is_counted_as_it_grows
  caught unbounded); `follow_listed` checked the list in one Python loop (no call per op, no
  attrgetter, no id(): each node's fields by slot loads, the sink's containers as locals)
  whenever the segment next needed its place: an untaped op, dispatch_sunk, the kept pass,
  the gradient call, a look, `leave`; a list that left the program was recorded from its
  nodes from there, each duration that of a run again (program.duration_again). Predicted
  -15k to -25k a step (the inline check's ~145 bytecodes an op, of them ~40 its call and the
  sink's attributes read per op). Measured: 620.5k -> 635.2k (+14.7k, 1.425x); bytecodes
  10,715 -> 11,074: dispatch_followed 1,823 -> 1,059 (~118 an op: the append and the
  list's length over _dispatch_taped), follow_listed +1,249 (~140 a node: a node's op,
  source, phase, scope, params, input ids, output id, output and inputs read by attribute
  where the inline check holds them as locals), producers_of 147. The 39 replay, kept-pass
  and sink tests passed with it. So a check costs ~100 bytecodes an op wherever it runs: in
  bulk it cannot be cheaper than inline (round 28 found the same of C loops over the nodes).
  Not kept (its diff is not in the tree).
- b15ce45, kept: a followed op's two inputs' producers looked up inline (two
  `sink.producer_of` calls and a tuple), not by a `producers_of` call (its len tests and its
  frame); more than two inputs still call it. Predicted -3k to -6k; measured lecture's
  620.5k -> 616.7k (1.380x of 446.9k), regression 796.0k -> 792.7k (1.329x of 596.4k). CPU,
  --recorder, best of 5, 6bbb76a's tree and b15ce45's alternated three times (load 6-8: read
  to +-0.07x): regression 1.56x, 1.46x, 1.46x -> 1.48x, 1.48x, 1.45x; lecture's 1.63x,
  1.64x, 1.70x -> 1.69x, 1.65x, 1.68x (no change this noise can show).
- C functions (callgrind_annotate, one lecture epoch, every function with a count, names
  merged across recursion levels): plain 1,331, Recorder 1,756; 448 of the Recorder's are
  never run plain (start, stop and the first steps' learning among them), 35 of those at
  >= 20 instructions a step, together 3.6k a step; unchanged by b15ce45 (449, 35, 3.6k).
- tests/test_recorder_replay_nan.py: a NaN step and the one after it, both noted and run
  again on a look, equal the full recording bit for bit (the existing replay path: passed
  before too).
- what each part of a followed step costs, priced by stubs on b15ce45's tree (each alone,
  wrong on purpose, not kept; lecture's, 616.7k a step, valgrind as above):
                                                      a step     of the Recorder's +169.8k
    the 9 taped ops' checks (op, line, phase, scope,  -22.0k     594.7k (1.333x)
      params, producers): the branch found blind, the follow kept
    the 4 update ops' line and check, the branch      -25.8k     590.9k (1.324x)
      blind (the check alone -15.2k, 601.5k: ~3.8k an op; the line by the site's frames
      -10.6k, ~2.7k an op)
    the step's end: a followed segment forgotten at   -38.4k     578.3k (1.296x)
      its gradient call (no Segment, NotedStep, count, budget; the next begun)
      of it noted_bytes alone (a constant in its     -14.0k     602.7k (1.351x)
      place): 19 things' types read into a tuple and looked up (tuple(map(type, ...)) of
      14 float32 scalars kept from outside, the 2 gradients, their values and the loss:
      ~1.2-1.8 us of its ~4.6 us by timeit at load 9-10), 2 tensors sized
Still MISSED on the lecture's loop (1.380x by instructions, ~1.65-1.69x by CPU). The check
cannot be moved to a cheaper place (in bulk it costs more), and the parts above that a
design could remove are, by instructions, the step's end (38k, the largest: a lazier note
whose bytes are counted in bulk or reused while a program's kinds repeat), the update ops'
line and check (26k) and the taped ops' checks (22k); 1.5x by CPU (about 1.28x by
instructions at the ~0.25x gap measured between them) needs about -45k of these ~86k, so two
of the three: not built this round.
Round 31: the three parts above, each predicted, priced, then built or not (lecture's loop).
- noted_bytes (predicted -12k by reusing the count while a program's kinds repeat): its
  figure is set by the types of the 19 things it counts (any of them of another type, an
  array, moves it), so an exact reuse must still read those types; reading them is the cost.
  Priced alone under valgrind on the lecture's real arguments (1000 calls, a function call
  0.8k): the whole 13.3k a call; the 19 things put in one tuple 3.3k, their types read into
  a tuple 4.8k, that key looked up 1.9k, getsizeof of the segment's tuple 1.4k. Tried, not
  kept: two keys (the values from outside, then the gradients, their values and the loss)
  16.0k, the types read by four maps 14.6k. Kept (f827d5a): the tuple sized by arithmetic
  (_tuple_bytes, getsizeof's very figure), 13.3k -> 12.9k a call; the loop, 36b42c8's tree
  alone then with f827d5a (valgrind, one epoch, instructions a step): plain 437.3k /
  437.4k, Recorder 612.7k (1.401x) -> 612.1k (1.399x), predicted -0.4k. A reuse needing no
  type read would have to know the kinds where the values are kept (dispatch_followed's
  extend), which reads the same types one op at a time: not built.
- the update ops' line by their call site: already built (call_site.py, dispatch_sunk's
  inline site test). Counted on two epochs under the Recorder: 3,411 line walks
  (source_from in dispatch_followed.py), the 9 taped ops of each of 378 noted steps and 9
  more; the 4 update ops' site test matched every step (no walk). Round 30's 10.6k is that
  site test itself (sys._getframe(2), f_back, the site compared), not taken apart further:
  no cut built.
- the step's end's Segment and NotedStep: not attempted this round (no time left after the
  two above).
Still MISSED: lecture's 1.399x by instructions (the goal ~1.28x).
Round 32: the taped ops' line by their call site (idea (b) of the three; c538863's tree alone,
then with 325dc6a, each in its own worktree, PYTHONPATH on it; gc frozen as the bench does).
- 325dc6a: dispatch_followed found each followed taped op's line by a source_from walk every
  step (3,411 walks in two epochs), where dispatch_sunk's update ops test the frames their
  branch was first called from (call_site.site_of): the taped path now tests them too, and a
  taped branch learns its site as it first follows. Predicted -5k to -12k a lecture step (7
  of its 9 taped ops are called through a tapeviz operator; `tf.abs(t)`, twice, is called
  from the user's own frame, whose site the test cannot name, and still walks). Valgrind,
  one epoch, instructions a step:
                      plain                Recorder
  lecture's           437.6k -> 437.2k     612.5k (1.400x) -> 599.7k (1.372x)   -12.8k
  regression          584.9k -> 584.8k     783.4k (1.339x) -> 770.8k (1.318x)   -12.6k
  CPU, --recorder, best of 5, the two trees alternated three times (05:07-05:08, load 7-10:
  read to +-0.05x): lecture's 1.61x, 1.64x, 1.68x -> 1.62x, 1.60x, 1.69x; regression 1.46x,
  1.50x, 1.48x -> 1.40x, 1.45x, 1.49x (-2.1% of the Recorder's instructions: below what
  this noise shows). A followed taped op's line now costs less than plain's own walk.
- weighed, not built: the same site for an op called from the user's frame itself (tf.abs):
  its site needs that frame's own instruction, a fourth field and a second form of the
  test on every followed op, for a one-frame walk saved on 2 ops a step (~1.5k predicted);
  idea (c), the check as one tuple compared: a 6-tuple built and freed per op against ~8
  slot loads and identity tests it replaces (~0 predicted: the tuple's allocation is what
  the loads cost); idea (a), the step's end as one small record: its bytes still need the
  19 things' types read each step (round 31: the read is the cost), so only the Segment and
  NotedStep objects (~25k of round 30's 38.4k, with the count's C loops, the budget's test
  and begin) are left for it, and it changes what the budget, `len`, `steps` and a look
  read: not started in this round's time.
Still MISSED: lecture's 1.372x by instructions (the goal ~1.28x), ~1.60-1.69x by CPU.
Round 33: the step's end redesigned for a followed step (c54ce39's tree, then each commit's,
each alone in its own worktree, PYTHONPATH on it; valgrind, one epoch, instructions a step,
gc frozen as the bench does). Before: lecture's 583.8k (1.411x of 413.6k), regression
754.6k (1.345x of 560.9k); CPU, --recorder, best of 5 (load 6-13): lecture's 1.60-1.66x.
- 8631545, a noted step's bytes counted when first asked, not as it is noted: the Recorder
  keeps noted steps it has not counted in `KeptBytes.uncounted` and counts them (total())
  only when the kept bytes plus the uncounted at twice the largest noted step counted so far
  (`KeptBytes.estimate`; unbounded before one was counted, so a loop's first steps are
  counted) may pass max_bytes, or someone looks (`nbytes`, `steps`, a budget check that must
  drop); the gradients held are picked at the count, not at the note. So a loop far from its
  budget counts no noted step, and one near it counts every step exactly, dropping the same
  steps at the same step (tests/test_recorder_lazy_count.py compares `dropped` after every
  step with a Recorder counting each step: equal at 15k, 25k, 30k and 40k budgets, a step
  leaving its program half-way and a NaN step among them). A step more than twice the
  largest counted is found over budget late, at the next count: the same risk the step in
  progress's planned count takes (`_plan_check`). Predicted -13k to -15k (noted_bytes 12.9k,
  the held compress); measured lecture's 583.8k -> 565.4k (-18.4k).
- ce54382, a noted step holds its segment as the three things it keeps (last branch,
  values from outside, gradients given; `program.Segment` made on a look, shared with the
  step before, whose `updates` now point at the noted step), and the gradients' tuple is made
  once: no Segment object a step. Predicted -2k to -4k; measured 565.2k -> 563.2k.
  Both: lecture's 583.8k -> 563.4k (1.411x -> 1.362x of 413.7k), regression 754.6k ->
  728.9k (1.345x -> 1.298x of 561.6k). CPU, --recorder, best of 5, c54ce39's tree and
  ce54382's alternated six times (08:27-08:44, load 5-13: read to +-0.05x): lecture's
  1.65x, 1.65x, 1.60x, 1.64x, 1.60x, 1.66x -> 1.54x, 1.53x, 1.55x, 1.55x, 1.60x, 1.54x;
  regression 1.46x, 1.44x, 1.43x, 1.44x, 1.52x, 1.44x -> 1.42x, 1.41x, 1.37x, 1.35x, 1.39x,
  1.37x. The CPU fell ~0.08x for -20k instructions (~3.5%): more than the instruction ratio
  says, as round 29 found of cuts in C loops (noted_bytes' type maps and tuples).
- priced, not built: what is left of the step's end, by a stub (a followed segment forgotten
  at its gradient call: no note, no closing step finished, the next begun; on 8631545's tree)
  565.2k -> 551.1k: ~14k, of it ~2k the Segment since removed; the rest the NotedStep (16
  slot stores), _note_step's frame, the sources' identity test, the deque and uncounted
  appends and the budget's estimate. Even all of it gone leaves ~1.33x by instructions.
- weighed, not built: the brief's one small record a step (a tuple appended, NotedSteps
  made on a look). Every path that reads `_steps` or `_closing` (the sort at a look, the
  budget's drops, `len`, `mark_step`, the stop's own settle, which makes the closing step
  to give it its updates) would first have to make them, so the stop alone would make every
  step of a run the bench counts; with the NotedStep's own cost ~4-6k of the ~12k above, it
  was not worth the change to what those paths read in this round's time.
Still MISSED on the lecture's loop: 1.362x by instructions (the goal ~1.28x), 1.53-1.60x by
CPU; the regression row meets it (1.35-1.42x). What is left is per op (the 9 taped ops'
checks ~22k, the 4 update ops' line and check ~13k, the kept pass's check) and the ~12k
step's end above: about -12k to -15k more is the lecture's 1.5x by CPU at this gap.
Round 34: the step's end's object, and what CPU pays that instructions hide (994651b's tree,
then b131bd0's, each alone in its own worktree, PYTHONPATH on it; valgrind, one epoch,
instructions a step, gc as the bench leaves it). Before: lecture's 564.9k (1.367x of
413.3k), regression 728.8k (1.298x of 561.6k).
- where a lecture step's Python goes (sys.settrace opcode events, one epoch after a warm-up
  and a first Recorder epoch): plain 6,937 bytecodes, Recorder 10,364 (+3,427):
  dispatch_followed +2,356 (9 taped ops, ~262 each: the site test for the line ~33, the
  branch found ~27, checked ~39, followed ~44, the rest as plain's), dispatch_sunk +1,003
  (4 update ops, ~250 each), against plain's taped path inline in dispatch (-577) and its
  line walks (source_from -394); the step's end ~450 (_note_step 137, _replay_segment 112,
  NotedStep.__init__ 52, _on_gradient 41, Sink.begin 36, _on_event 23, estimate 21, tell
  17, the event 14); the kept pass ~290 (pass_follows 129, _keep_pass 38, _replayable 32,
  replay_facts 23, Backward.run's share 21). Lines of ~5-20 bytecodes each: no one of them
  is a cut of more than ~1k instructions.
- priced by a stub (wrong on purpose, not kept): the noted step a bare list, with no owner,
  uncounted list, updates or budget estimate: 564.9k -> 557.9k (-7.0k).
- b131bd0, built (the brief's "steps as small records"): a training loop's noted step is a
  list of its 12 fields built inline in _note_step (noted.py: INDEX ... TAKEN), no
  NotedStep.__init__ a step; the step before takes it as its updates (record[UPDATES],
  record[TAKEN]); its NotedStep is made of it (NotedStep.of, sharing the record's Segment,
  made once) only where a path needs an object: a look (`steps`, `last_step`, `mark_step`,
  `nbytes`, the settle before a look or the stop, which makes the closing step alone), a
  budget warning, a step that takes a Segment as its updates; the budget counts and drops
  records unmade (noted.kept_bytes, KeptBytes.count). Predicted -4k to -6k; measured
  lecture's 564.9k -> 562.8k (1.367x -> 1.360x of 413.7k), regression 728.8k -> 728.3k
  (1.298x -> 1.296x of 561.7k): -2.1k / -0.5k (186 of 190 steps records in both loops;
  a regression count moves ~1-5k between runs): the __init__ call alone (its 16 slot
  stores became the list's 12 items; the owner, uncounted, updates and estimate the stub
  dropped are still needed). Tracked objects kept a step (gc.get_objects after two epochs)
  8.08 both (one NotedStep -> one list; of the rest, 4 tensors are python_numbers.MADE's, as
  plain's, and the gradients' tuple and its 2 tensors); young collections 8 in two epochs,
  both. CPU, --recorder, best of 5, the two trees alternated three times (11:32-11:35, load
  16-19: read to +-0.05x): lecture's 1.61x, 1.58x, 1.55x -> 1.59x, 1.53x, 1.62x;
  regression 1.41x, 1.46x, 1.40x -> 1.42x, 1.41x, 1.37x: no change this noise can show.
- what CPU pays that instructions hide: not the kept steps nor the collector. One process,
  10 lecture epochs, 21 rounds alternated (b131bd0's tree, load ~17), best ratio to plain:
  the Recorder 1.565x / 1.579x (two runs), its steps let go as noted (a stub keeping the
  last 3: nothing grows) 1.572x / 1.548x, gc disabled 1.535x / 1.575x: within this noise
  (+-0.03x), as round 28's gc.disable() found. A run's start, stop and freeing of 1,900
  kept steps (994651b): 0.2, 0.3 and 0.06 ms of ~145 ms. So the gap is the Recorder's own code
  running at a lower IPC than plain's (round 28's cache simulation: D1 misses 1.92x and I1
  misses 2.15x for 1.50x the instructions), which only fewer instructions or fewer distinct
  C paths move.
- weighed, not built: a followed op's producers compared item by item, no tuple (~2k
  predicted over 13 ops; a branch's arity must then be compared too, or a concat at the same
  line with more inputs would match on its first two); the budget's estimate inline (a room
  count in KeptBytes, whose nbytes has seven writers to keep it true: ~0.7k); follow_branch
  and source_at inlined into pass_follows (~0.5k, one more copy of each).
Still MISSED on the lecture's loop: 1.360x by instructions (the goal ~1.28x at this gap),
1.53-1.62x by CPU; the regression row meets it (1.37-1.42x). What is left is per op, ~120
bytecodes a taped op and ~220 an update op over plain's paths, each line of them ~5-40.
Round 35: a followed op checked in one go (issue 14's brief: "one comparison"; 69d08bc's
tree alone in a copy, then with the change, PYTHONPATH on each; valgrind, one epoch,
instructions a step). Before: lecture's 532.7k (1.388x of 383.8k), regression 678.8k
(1.323x of 512.9k). Each branch of a program learns, as its op is first found, the codes of
the frame that called dispatch and of that frame's caller, and one tuple of the rest
(call_site.learn_signature: op, the two frames' instructions, phase, scope, the thread's
shared line and origin, producers); a later op whose two codes are those (by identity: a
code's == leaves its file out) and whose tuple equals it follows with no site test, key or
field compares (dispatch_sunk, dispatch_followed; the kept pass the same, program.py); the
rest (one of several branches, params, a site no signature fixes) is found as before
(_branch_of). An op the user's own frame calls (`tf.abs(t)`, twice a lecture step) is now
fixed by that frame and walks no more. Predicted -15k to -25k (bytecodes a step by
sys.settrace: lecture's 10,170 -> 9,580, regression 11,989 -> 11,541; ~20 instructions
each); measured:
  the tuple alone (codes inside it, compared by ==)   lecture's 529.5k (-3.2k)
  codes by identity, the kept pass too                lecture's 528.1k (-4.6k, 1.376x)
  `last` always the branch tried first                lecture's 527.5k (-5.2k, 1.374x of
                                                      383.8k); regression 681.6k (+2.8k,
                                                      1.329x of 513.0k): an optimizer's
                                                      update, on a shared line, now read
                                                      two frames it had never read
  an update on a shared line compared by that line    lecture's 527.8k (-4.9k, 1.375x of
    alone, no frame read (kept)                       383.9k); regression 669.7k (-9.1k,
                                                      1.304x of 513.6k; the tree before
                                                      counted again: 678.8k, the same)
The first row broke a line: two code objects compiled from one text under two file names
compare equal (a code's == leaves the file out), so an op run by the second said the
first's file (tests/test_recorder_replay.py, test_equal_code_from_another_file_says_its_
own_file, failed with it); the codes are compared by identity since. CPU, --recorder,
best of 5, 69d08bc's tree and d9a460c's alternated five times (load ~1: read to +-0.05x):
regression 1.45x, 1.39x, 1.41x, 1.47x, 1.41x -> 1.42x, 1.38x, 1.39x, 1.29x, 1.37x;
lecture's 1.62x, 1.57x, 1.52x, 1.64x, 1.62x -> 1.60x, 1.53x, 1.52x, 1.55x, 1.53x: the
lecture's row still MISSED by CPU too. A 10-item tuple built, compared and
freed (two instruction offsets made ints, one of them a fresh one past 256) costs about
what the ~80 specialised slot loads and identity tests it replaced did: ~600 bytecodes
fewer bought ~5k instructions on the lecture's loop; the regression loop's -9k is mostly
its five updates a step reading no frame (bytecodes a step 11,989 -> 11,477).
Where the lecture's +144.7k a step goes now (callgrind, one epoch, plain -> Recorder, the
tree with the codes by identity and the kept pass's signature): the eval
loop's own +63.3k (+2.3k inline), dict lookups +3.4k, tuple dealloc +3.1k (+0.8k), free
+2.7k, frame clearing +2.3k (+1.5k), truth tests +1.6k, malloc +1.5k, attribute lookups
+1.5k, dict inserts +1.5k, tuple compares +1.9k, audit events (id(), _getframe) +1.4k, and
~300 C functions of a few hundred each. At ~22 instructions a bytecode, 1.30x (about
-30k from here) needs ~1,400 of the Recorder's ~2,800 added bytecodes a step gone: a
followed op's check and follow cost ~70 bytecodes a taped op and ~170 an update op over
plain's paths, the step's end ~450 and the kept pass ~190. MISSED: not built this round.
Round 36: what a whole category of checks is worth, priced by stubs (wrong on purpose, not
kept; valgrind, one epoch, instructions a step, e971ae4's working tree copied, PYTHONPATH
on the copy). Before: lecture's 530.1k (1.371x of 386.7k; the committed tree alone, as of
cc7fcb8's parent, 534.6k, 1.387x of 385.4k).
  an update op (dispatch_sunk) followed on its op alone:    509.3k (1.322x of 385.3k):
    no producers, frames, signature or params compared       the 4 updates' checks ~21k,
                                                             ~5.2k each
  and every taped op (dispatch_followed) too:               467.7k (1.214x): the 9 taped
                                                             ops' checks ~42k, ~4.6k each
  the updates' frames and tuple alone skipped (producers    520.8k against the trims'
    still compared; on the trims' tree below)                531.2k: -10.4k, half of it
So no check at all of the updates leaves 1.32x: the lecture's 1.30x needs the updates'
checks gone and a quarter of the taped ops' as well. A check of the updates at the step's
end does not remove them: each op's two frames and their instructions must still be read
as it runs (the user's frame moves on; a frame held past its function's return is copied
by CPython), and its inputs held for their producers, so only the tuple's compare and the
branch's lookups move (estimated, not built: about a third of the -21k). Not built: no sound check
cheap enough was found this round.
Built (this round's trims, on that committed tree alone; predicted -2k to -3k from ~90 bytecodes
a step): dispatch_sunk's two-input ids tuple, unused when the op follows and made again by
input_tensors when it leaves, no longer built; a followed op reads no `source` and starts
no timer (both where it leaves, as before). Lecture's 534.6k (1.387x of 385.4k) -> 531.2k
(1.380x of 384.9k), regression 675.0k (1.314x of 513.9k) -> 671.2k (1.306x of 513.8k).
Issue 14's lecture row (1.30x by instructions) still MISSED; no CPU round (load 13-19).
Round 37: the CPU the lecture's row costs beyond its instructions (1.38x by instructions,
~1.6x by CPU), sought in the cycle collector and the caches (09804c5's tree, c17104c; nothing
built). Predicted from the brief: the collector a large part of the ~0.2x (kept containers
walked at each collection). Measured, lecture's loop after a warm epoch:
  gc.callbacks, 10 epochs, three runs: plain 11 gen-0 passes, 0.4 ms; Recorder 27 gen-0 and
    2 gen-1, 2.1-2.4 ms (once 10.6, preempted) of 144 ms (plain 90 ms): ~0.02x. No gen-2
    pass in 10 epochs; live objects 32-35k -> 41-43k.
  CPU, plain and Recorder alternated 25 rounds of 3 epochs in one process, collector on, then
    off (gc.disable), load 10: median ratio 1.609x -> 1.597x: the collector is ~0.01x.
  cachegrind (--cache-sim=yes, one warm epoch then 3 epochs, less a run of none, a step of 570):
                    instructions         I1 misses    D1 misses    LL misses
    plain           361.6k               770          2,623        0.8
    Recorder        503.6k (1.393x)      1,620 (2.1x) 4,594 (1.75x) 13
  cg_diff of the two: the extra D1 read misses (+1,579 a step) fall 29% in the eval loop,
  ~12% in object.h's reference counting of kept objects, ~11% in the collector (gc,
  visit_reachable, visit_decref), ~4% in obmalloc; the extra I1 misses (+852) 15% in the
  eval loop, 8% unnamed (JIT-less native frames).
So the gap is the Recorder's cache footprint, not the collector: +2.4k L1 misses a step,
L2 hits at ~12-15 cycles, at most ~30k cycles (~10 us) against a plain step's ~47 us: up to
~0.2x, the gap's size. The code's share (I1 misses double: more distinct functions and C
paths a step, dispatch_followed's and the sink's beside dispatch's) outweighs the data's.
gc.freeze at a step's end or untracked records would buy the collector's ~0.01-0.02x at
most: not built. Next: fewer distinct code paths a followed step (I1), fewer kept objects
touched a step (their reference counts).
`--instructions --misses` counts these in the counted epoch alone (callgrind's cache
simulation, instructions.misses): a step, plain -> Recorder,
  lecture's    386.6k -> 533.5k (1.380x)  I1 857 -> 1,788 (2.09x)  D1 read 2,071 -> 3,524 (1.70x)
  regression   517.3k -> 674.7k (1.304x)  I1 3,290 -> 4,380 (1.33x) D1 read 3,833 -> 5,429 (1.42x)
The regression loop's misses rise about as its instructions do, and its CPU ratio sits near
its instruction ratio; the lecture's plain loop runs so little distinct code that the
Recorder's paths double its I1 misses: the lecture's extra ~0.2x by CPU is its code footprint.
Round 38: which C code a followed lecture step runs that the plain one never does (callgrind
--cache-sim, one epoch, per function, plain -> Recorder at 0aad82b: I1 misses a step 838 ->
1,791). The +953 are spread: the eval loop's own +155, then list_extend +31 (plain never
extends a list), vgetargskeywords +25 with convertitem +7 (argument parsing: min/max and the
locks' acquire, most of it the Recorder's start, learning and stop inside the counted epoch),
tuple slicing +17 with the slice's index helpers +15, dict resizes and new key tables +46
(Sink.begin's `made` copied from the seeds and grown ~16 entries a step), the Recorder's
RLock a step +26, frame.f_code +12, and ~40 more of +3 to +15 each. Built, predicted ~-60 I1
misses and ~-2k instructions a step: a branch that keeps one input from outside, or both of
an op's two (all 11 of the lecture's branches that keep inputs; a random op's output or
three inputs take dispatch_followed.keep_outside, as before), keeps them by appends
(`Branch.one`, `Branch.pair`), not `outside.extend(arrays[slice])`. Valgrind, one
epoch, a step, 0aad82b's tree alone and with the change, each a worktree, PYTHONPATH on it:
  plain 387.4k, I1 841, D1 read 1,980
  Recorder 533.2k (1.376x), I1 1,790 (2.13x), D1 read 3,488  ->  529.3k (1.366x), I1 1,634
  (1.94x), D1 read 3,400: list_extend -21, tuple slicing -21, the slice's helpers -15, the
  eval loop -39, the rest knock-on (less code: fewer conflicts).
CPU, --recorder, best of 5, the two trees alternated three times (22:09-22:10, load 8-13:
read to +-0.07x): regression 1.44x, 1.32x, 1.34x -> 1.38x, 1.32x, 1.43x; lecture's 1.58x,
1.62x, 1.63x -> 1.65x, 1.62x, 1.52x: no change this noise can show (-156 misses at ~4 ns is
~0.6 us of a ~74 us step). Still MISSED. Left, priced above by their misses: the `made` dict's
copy and resizes (~46 a step: a dict kept across segments, or the producers checked without
one), the per-step RLock (~26), frame.f_code (~12).
Found (tests/test_recorder_kept_inputs.py, a strict xfail until round 39): an update that
reads a forward output of its step where its program read a gradient given followed the
program (both "from outside" to the check; only outputs some program reads were linked), and
its input was shown from outside, not as the op that made it. Fixed in round 39, below.
Round 39 (a9e3e09's tree; the brief: a specialised checker per learned program, one flat
loop a step, the updates checked in bulk at the step's end, records made only on a look).
Predicted before building it, from round 36's stubs (instructions a lecture step): no check
at all of the 4 update ops leaves 1.32x, none of the 9 taped ops' either 1.21x; a generated
checker still reads each op's two frames and its inputs' producers as it runs (the frames
move on; a frame held past its return is copied by CPython), so it can only approach that
floor, and at the ~0.2x the lecture's CPU pays over its instructions (its I1 misses, round
37) 1.21x lands near 1.4x by CPU only if its own code is no larger than what it replaces.
Not built: the redesign (a generated checker, the step's end in bulk, records made lazily
from a compact form) did not fit this round's hour beside its measurements (a Recorder test
run 3-8 min, a valgrind count of one loop 10-15 min at load 8-15).
- the xfail above, fixed (4cebd523; taken back in 886c489 and kept again after it: a wrong
  record costs a user more than 0.01x of a row already missed by CPU): a segment's map of
  producers gave each gradient of the gradient call it began at a code (GIVEN - its
  position, GIVEN = -(1 << 32); given_codes, a plain loop at Sink.begin and in learn),
  learned as the program's producer where an update reads it, so an update reading its
  step's forward output there left the program and was recorded fully, as it ran (the test
  passed; its value still kept from outside: nothing kept or counted changed). Predicted
  +0.5k to +1k a lecture step (a call and two dict stores a segment); valgrind, one epoch,
  --misses, the main tree (others' uncommitted work in it) with and without it: Recorder
  530.7k / 531.2k (1.376x / 1.377x of 385.7k) against 527.4k (1.366x of 386.2k): +3.3k to
  +3.8k, I1 misses 1,593 / 1,595 against 1,601 (a9e3e09's tree alone: 528.4k, 1.370x, I1
  1,629). Not free; kept for the record's sake. Cheaper forms not measured: the codes
  stored inline in begin (no call), kept ints.
  CPU, --recorder, best of 5, a9e3e09's tree and the tree with it alternated three times
  (00:57-01:03, load 9.5-11.8: read to +-0.07x): regression 1.44x, 1.43x, 1.32x -> 1.44x,
  1.41x, 1.38x; lecture's 1.57x, 1.61x, 1.51x -> 1.56x, 1.56x, 1.68x: noise.
- recorder.py split (423 -> 301 lines: recorder_views.py, the steps as read;
  recorder_heard.py, what another engine or thread sends) and program.py's kept-pass check
  moved to kept_pass_follows.py (396 -> 336 lines): no code changed.
Still MISSED on the lecture's loop: 1.37x by instructions, 1.51-1.61x by CPU (a9e3e09).
The replay mismatch (an update reading its step's forward output shown as from outside),
fixed in f1d1581 by link codes in the segment's map of producers (linking.py): mapping every
output of the segment before each step cost +22.8k a step (lecture's, valgrind, the second
epoch alone: 656.2k -> 679.0k; predicted +2-4k: a dict update of ~13 big-int codes), kept
mapping only the distances back some program reads: +0.3k (656.5k; regression 882.4k vs
882.2k, one epoch).
Tried, not kept: taped ops left unchecked by dispatch (only their nodes listed) and checked
in bulk at the kept pass, by C loops (attrgetter maps, one key tuple a run, cached per
branch): -600 bytecodes a step, but +19.9k / +23.0k instructions (900.2k -> 920.1k, 713.4k ->
736.4k: id() is an audit event, ~240 instructions, and each attrgetter call ~300 against a
specialised slot load's ~10) and CPU 1.79x -> 1.87x, 2.01x -> 2.09x. Kept (27bbfdd, a8f3573):
follow_branch inlined in the sunk and taped paths, the kept pass's replayability asked by one
set test: 900.2k -> 894.0k (1.494x of 598.3k), 713.4k -> 708.0k (1.591x of 445.1k); CPU,
trees alternated 3 times at load 9-12: 1.79x, 1.85x, 1.77x -> 1.79x, 1.79x, 1.75x; lecture's
1.94x, 1.99x, 1.93x -> 1.94x, 1.95x, 1.93x (within noise, as predicted for -6k).
The kept pass's two faults fixed in the same round (a look in flight shows the ops run so
far; weight decay written by hand is the step's update, not an evaluation), predicted ~0 a
step: first +5k (regression 1,045.4k -> 1,050.6k, lecture's 824.0k -> 829.1k: every step's
sort asked, under the look lock, whether a kept pass was in flight), then with the pass
forgotten at its GradientComputed 1,046.4k -> 1,046.1k (regression, d7b450a alone vs with
the fixes; valgrind, one epoch).
A step's end done in bulk (at each GradientComputed only note where the step ends and the
event's loss, sources and gradients; split, pack and count many steps at once), priced before
building it on a worktree of 2745ed5 patched two ways (not kept). Today, valgrind, one epoch:
regression 632.3k plain, 1,046.0k Recorder (1.654x); lecture's 447.0k, 826.0k (1.848x).
Predicted: -60k to -90k a step (the step's end was 45 of the Recorder's 73 us a step by CPU).
                                          regression           lecture's
  floor: ends noted, nothing else done    (the sink emptied every N steps, nothing kept)
    N = 64                                944.5k (1.494x)      752.8k (1.684x)
    N = 8                                 855.1k (1.352x)      656.4k (1.468x)
  the bulk path on top, every N steps     (the split by C scans of the chunk's taped flags
                                          and op kinds, the chunk packed as one set of
                                          columns, counted by C loops, kept)
    N = 64                                1,041.9k (-4k)       823.1k (-3k)
    N = 8                                 1,012.4k (-34k)      794.9k (-31k; kept nothing:
                                                               775.7k)
  CPU, best of 5 interleaved rounds, load 8-12: today 2.41x / 2.86x, the floor (N = 64)
  1.67x / 2.02x, the bulk path (N = 64) 1.93x / 2.51x.
Measured -3k to -34k: packing and counting cost per op, not per step (packed.pack over a
chunk of 8 steps, 135 records, 34 us, 4.3 us a step, against 6 us for one step of 14 on its
own), and a chunk's records held until it is packed outlive collections (N = 64: 192 young
and 17 middle collections an epoch against 124 and 11 today). So the design predicts
<= 0.07x off the lecture's ratio by instructions (0.35x by CPU at best, in a stub that still
lacks each step's own outside inputs and bytes, the evaluation split and upstream
gradients): under the 0.3x its brief asked for, not built. What the floor says: with
nothing kept the Recorder is 1.47x on the lecture's loop; the cost above the goal is
keeping every op (its elements packed and counted), which only the replaying design above
removes. Priced the same way, not kept: the cycle collector is 28.5k a step of the lecture's
(892.6k on, 864.1k off, an epoch with one full collection; more of CPU time: 243 against 219
ms over 10 epochs, the full collection 19 ms of its 31); three of a kept step's 26 tracked
containers made tuples once it is packed, -1.2k; the sunk path's line walk and both timers
dropped outright on the 4 untaped ops a step, -22.6k (-0.05x): the most it can give.
The Runner's gate, never paused (bench_vs_torch's row read 1.06x on the CNN, best of 5):
over 15 interleaved rounds (load 8-10) the CNN loop under a Runner is 0.987x plain at best,
0.998x by median (a bare thread 0.979x, a GradientComputed listener alone 1.013x), and the
lecture's loop 1.016x / 1.012x (the listener alone 1.016x / 1.005x: a step's event and call,
~0.7 us): nothing left on a step this noise can show; the 1.06x is best-of-5 noise.
A condition answering None is warned of, and its truth test moved inside the guard (a
tensor of many values is noted and disables the breakpoint): "condition on every op",
regression, valgrind, one epoch, 2 runs each, predicted +1k a step: 802.0k-803.4k before,
with a bool() call 806.1k-807.2k (+4k, not kept), with the truth test `if not verdict`
803.4k-803.6k (+1k, within the 1k the same tree moves between runs).
An apply_gradients cut short by a listener puts its variables and slots back: their values
held on every apply cost Adam over a small CNN's 6 variables 1,171.0k -> 1,221.3k
instructions an apply (+4.3%: the old values can no longer be recycled; predicted +4k); held
only while someone subscribes, 1,171.0k-1,171.4k both (valgrind, 100 applies, 2 runs each).

Breakpoints that look at every op (issue 14: file:line <= 1.1x, nan and a bare condition
<= 1.3x; op, kind, layer and vjp ones <= 1.05x), this round. Instructions a step (valgrind,
one epoch; 0daf680's tree alone, then with the change), and CPU (best of 3 interleaved
rounds, base and new processes alternated, load ~20 on 2 cores: read to +-0.05x):
                      regression                      lecture's
  plain               631.9k -> 631.7k                446.4k -> 446.6k
  every op heard      792.8k (1.255x) -> 758.2k (1.200x)   593.8k (1.330x) -> 549.6k (1.231x)
    CPU               1.24-1.29x -> 1.16-1.24x        1.30-1.33x -> 1.22-1.27x
  condition, bare     818.5k (1.295x) -> 782.1k (1.238x)   604.7k (1.355x) -> 561.8k (1.258x)
    CPU               1.31-1.34x -> 1.19-1.29x        1.38-1.40x -> 1.28-1.30x
- A bare condition (any node form, with no tape, Recorder or event on the thread: VJP ops,
  updates, untaped user ops) gets a node.DeferredNode (dispatch's `_dispatch_deferred`):
  no input_tensors and no walk for the user's line unless the condition reads them; a node
  a listener keeps is settled before dispatch returns. Predicted ~-40k a step on both loops
  (~10 untaped ops a step); measured -36k and -43k. Its rest: dispatch's traced path, the
  node's stores (node.deferred_node, 37 bytecodes an op), the condition's call, and ~600
  instructions an op to read the breakpoints' thread-local state (measured alone).
  The selective and file:line rows' CPU moved 1.05-1.16x in both trees at this load.
- op, kind, layer and vjp ones, regression 674.2k (1.067x): its layer criteria cost ~20k
  over the op one: an optimizer found its apply line on every apply for a listener by
  layer (hears_unnamed_ops), though an update is heard only inside the layer; fixed in
  events.py: 665.6k (1.054x, predicted -9k, measured -8.6k). The other ~9k is set_scope's
  lock, taken 6 times a step (the optimizer's name scopes) while any listener by layer is
  armed: without it 653.6k (1.035x; worktree, not kept: a lock-free write races a change of
  subscriptions on another thread, and the fix, a generation count, is events' to make).
  The lecture's loop (no scopes, no optimizer): 446.5k, 1.000x.
- file:line, 670.4k (1.061x; lecture's 1.088x at f95839c), unchanged: dispatch's traced path,
  the walk for the 4 untaped user ops a step of the lecture's loop (`0.001 * dw`, assign_sub)
  and the backward engine's early origin; the walk's key (`id(code)`, f_lasti, a tuple:
  ~840 instructions) is ~4k of it a step. nan 712.3k (1.127x): met, unchanged.

The per-step costs every listener pays, next round (instructions a step, valgrind, one
epoch, each commit's tree alone then with the change; the same tree moves ~1-2k between runs):
- set_scope without its lock (a count of changes begun and ended, odd while one installs;
  the lock only when one ran meanwhile): op/kind/layer/vjp ones, regression 665.2k (1.053x)
  -> 655.5k (1.037x), predicted -9k; a layer breakpoint alone 664.1k -> 655.5k.
- GradientComputed: an empty listener of it cost +3.8k (regression) / +4.9k (lecture's) over
  plain: the listeners() lookup a gradient call, emit() looking them up again, the event's
  __init__, the call. Its listeners are now one tuple the tape reads (events.gradient_listeners)
  and tell() calls: plain 632.1k -> 630.7k / 446.5k -> 443.6k, the empty listener 635.9k ->
  632.8k / 451.4k -> 447.3k (+2.1k / +3.7k over plain), predicted -2k plain, -4k heard; the
  Recorder 1,008.5k -> 1,003.7k / 800.1k -> 796.0k. The ~29k read before was the Recorder's
  own _on_gradient (settling the step's records, its lock), not the event's.
- a listener that raises gets a note (which, subscribed where, hearing what): a try around
  dispatch's listener loops and one store an op: every op heard 726.9k -> 727.6k, a bare
  condition 777.8k -> 780.9k and 777.5k -> 778.8k (two runs), file:line 669.2k -> 668.6k.
- file:line, where its +40k a step goes (lecture's loop by segments: the taped forward +1.9k,
  the gradient call +9.8k: the pass's early origin, each VJP step's line set, each VJP op's
  mark read; the updates +27k: 4 untaped ops at +6.6k each, `0.001 * d` 9.5k -> 16.1k). Of
  the 6.6k, _dispatch_traced's own frame ~1.1k and the walk ~5.4k (checked in dispatch
  itself instead: 15.0k); of the walk, the key ~1.1k (id(code), f_lasti, the tuple, the
  get), the two frames made (_getframe, f_back) and their own-file lookups the rest. Deciding
  by file (a line breakpoint can match only an op whose innermost user frame's code is in
  its file: SourceInfo.filename is that frame's co_filename, and Breakpoint.at compares it)
  is sound when every line breakpoint names a file, but saves only the key (~4.5k a step of
  the 40k), and nothing for a breakpoint in the loop's own file (the usual one), which the
  per-line mark already decides at the same cost: not built. A key without id() (the
  file's sites by offset, the code checked by identity) measured 1.09k against 1.14k.
CPU, bf76213 against the tree with all four (this file's rounds, two runs each, old and new
alternated, load 4.5-6): regression (best of 3) op/kind/layer/vjp 1.10x, 1.13x -> 1.03x,
1.02x; file:line 1.08x, 1.11x -> 1.01x, 1.04x; a bare condition 1.21x, 1.24x -> 1.18x, 1.15x.
Lecture's (best of 7): file:line 1.13x, 1.11x -> 1.14x, 1.12x (485.8k -> 484.0k: its cost is
the untaped ops' walks, above), op/kind/layer/vjp 1.07x, 1.08x -> 1.09x, 1.08x (446.3k ->
444.8k, 1.000x by instructions: a 0.08 s loop's CPU reads +-0.05x here).

The optimizer's hold of old values, next round (file:line's row). apply_gradients held its
variables' and slots' old values (an update a hit cuts short is put back) while any breakpoint
was set, disabled ones too; now only while a Runner's gate hears ops or an enabled breakpoint
can match an update op (not a backward step's alone, not one at another file:line than the
apply's), decided once per change of subscriptions (events.changes) and apply line: an apply
pays a compare. Instructions a step (valgrind, one epoch, 81c67fe's tree alone then with the
change, efdf8f1; predicted -17k file:line, -0 to -1k elsewhere; the same tree moves ~1k):
                      regression                      lecture's (no optimizer)
  plain               631.1k -> 629.9k, 629.0k        444.8k -> 444.8k
  file:line           670.1k (1.062x) -> 655.9k, 655.8k (1.041x)   484.3k -> 484.1k (1.088x)
  nan                 713.8k (1.131x) -> 710.2k (1.127x)   494.0k (1.111x)
  condition, bare     780.0k (1.236x) -> 781.0k (1.240x)   560.3k (1.260x)
  op                  645.3k -> 644.3k                445.0k
  op/kind/layer/vjp   654.0k -> 653.9k                445.3k
The nan, condition, op and layer ones still hold (they can match an update op: a by-op
decision would need each formula's ops, which ops/optim.py and update.py do not declare);
plain and op lost the per-apply armed() copy and the Runner set's length. CPU (best of 5,
two runs of each tree alternated, load 22-25: read to +-0.05x): regression file:line 1.12x,
1.06x -> 1.09x, 1.04x; nan 1.19x, 1.19x -> 1.20x, 1.15x; condition 1.27x, 1.26x -> 1.32x,
1.22x; lecture's file:line 1.11x, 1.13x -> 1.11x, 1.11x (unchanged by instructions). At load
1-2, four pairs of runs (81c67fe against f2c8e55, alternated): regression file:line 1.07x,
1.10x, 1.12x, 1.01x -> 1.07x, 1.08x, 1.09x, 1.05x (0.154-0.157 s -> 0.148-0.153 s); lecture's
1.12x, 1.10x, 1.11x, 1.11x -> 1.11x, 1.11x, 1.10x, 1.11x; nan 1.15-1.19x -> 1.17-1.22x and
condition 1.16-1.29x -> 1.25-1.30x on the regression loop (both unchanged by instructions).
The lecture's file:line cost is the walk for its 4 untaped ops' line. Priced on a loop of
`w.assign_sub(0.001 * t)` under a file:line breakpoint (two untaped ops, valgrind, 2,000
iterations): 6.6k an op over plain; a walk that returns a fixed line at once leaves 3.0k of
it (dispatch's traced path with its _getframe), so the walk is 3.6k: two frames (the op's
caller, tapeviz's, and the user's), their own-file lookups and the site's key. Predicted for a
per-code-object cache of the user-frame decision: nothing (a code object's hash costs ~0.2 us
and its id() an int and an audit event, against a file name whose hash the string keeps); the
walk with one test fewer per frame (no stop variable, the site looked up inside the try)
measured +0.2k an op, worse. Not changed.

Issue 14's selective row and the lecture's file:line, next round (instructions a step,
valgrind, one epoch of the regression loop; each tree alone, the same tree moves ~1-2k):
- what each kind costs over plain (cc4aa48, plain 598.8k): op=log +14.7k, kind=pool +15.2k,
  layer=no_such_layer +24.1k, layer=dense with a condition +23.7k. The op and kind ones were
  the optimizer's hold of old values (an update a hit may cut short), and of that hold ~12k
  was looking up each variable's slots by var.ref() (a Reference made and hashed: four
  Python calls a lookup); the layer ones add set_scope's in_layer call, 6 a step.
- 32a6510, slots and the first variables looked up by id(var) (plain pays the same lookups
  in _ensure_slots and Keras 3's known-variables check): predicted plain -5k to -7k, op
  +14.7k -> ~+2k; measured (f97ab85's tree, then with it) plain 606.8k -> 601.6k, op
  613.5k (cc4aa48) -> 604.5k (+2.9k, 1.005x).
- 1e3ea55, set_scope reads the routing's layer cache inline: predicted ~-2k; layer alone
  (fec043e, plain 600.7k) 612.8k -> 608.9k (-3.9k).
- the row, op, kind, layer and vjp ones together: 631.0k (1.040x of 606.8k) -> 608.3k
  (1.011x of 601.6k). CPU, this file's rounds (best of 5, regression and lecture's loops,
  f97ab85 and the changed tree alternated twice, load 12-15: read to +-0.05x): op 1.043x,
  1.043x -> 1.010x, 1.016x; the row 1.046x, 1.083x -> 1.070x, 1.011x (noise of this load);
  the lecture's loop (no optimizer) unchanged by instructions.
- the lecture's file:line (1.062x by instructions, no change this round): issue 14 asked for
  its untaped ops' line cached by the caller's (code, f_lasti) read at a fixed depth
  (sys._getframe(2)) in place of the walk. Unsound: the frame two above dispatch is the
  user's only when the one between is tapeviz's, and one call site can reach dispatch both
  ways (`fn(x)` calling a tensor's bound `__mul__`, then the user's own function that calls
  `tf.exp`): a verdict cached at that site refused the user's function's exp too (patched in
  on a worktree: tests/test_breakpoints_lines.py's new test failed, the exp never stopped). A
  sound key must read the frame between and its file, which is what the walk reads (2 frames,
  ~2.7k an op); a key without it would need every dispatch caller's depth to be fixed.
- convert._constant_like's new Tensor per Python number (`0.001 * dw` taped, `t ** 2`): not
  cacheable. One Tensor shared per (number, dtype) joins every op that wrote that number into
  one leaf of the graph (`x * 2.0 + y * 2.0`: 7 boxes, 2 consts -> 6 boxes, 1 const, tried
  on a worktree): what the debugger shows would change. Its cost is 4 calls a step on both
  loops; 4ff17a1 also noted each as made from Python (a weakref and a dict store): plain
  598.8k (cc4aa48) -> 606.8k (f97ab85), ~2k a number; edc9ac3 made that note a list append
  (its own figures: regression plain +0.37%).
- the other rows that hold (a hit may cut an update short), regression loop, cc4aa48 -> the
  tree of 1e3ea55: plain 598.3k -> 600.7k (4ff17a1's +8k, 32a6510's -5k); nan 682.0k
  (1.140x) -> 672.7k (1.120x); a bare condition 734.6k (1.228x) -> 727.1k (1.210x);
  file:line 624.4k (1.044x) -> 627.5k (1.045x: it holds nothing, its other file's line).
  bench_vs_torch --quick, f97ab85 then fec043e plus 1e3ea55 (load 15-16, best of 2 rounds,
  read to +-0.1x): file:line 1.08x -> 1.09x, the lecture's 1.14x -> 1.10x, nan 1.18x ->
  1.16x, condition 1.25x -> 1.25x, the Runner's gate 0.99x / 1.06x -> 1.16x / 1.15x (the
  gate's code untouched: this load's noise).

The lecture's file:line again, next round (its cost: the walk for the 4 untaped ops a step).
A loop of `w.assign_sub(0.001 * t)` (callgrind, 2,000 iterations): 9.20k instructions an op
plain, 13.15k under this file's file:line breakpoint, 10.49k with sourceinfo.refused
answering True at once: the walk 2.66k, dispatch's check and the call around it 1.3k.
Priced, not kept: a verdict per file (no line breakpoint names the user frame's file:
refused without id(code) and the per-code verdict; sound only where every line listener
declares its files, which Breakpoint.at could): 13.15k -> 12.79k an op; the lecture's loop
(valgrind, one epoch, c7766b8's tree alone, then with the stub) 476.5k -> 475.4k a step (1.063x ->
1.060x of 448.3k; predicted -1.5k): ~0.2%, under what CPU can read, for a declaration every
sites= listener would owe. The walk's remaining 2.3k is reading the two frames (the
wrapper's frame object is made afresh each call) and their files: no cheaper sound key
was found (a call site's verdict needs the frame between, 2fd7d79).

Issue 14's debugger rows settled by instructions (next round). `--instructions` counts the
Runner's gate too (the loop counted on the runner's own thread, its start and join not),
`--only` picks rows, `--epochs N` makes each CPU run N epochs.
- the Runner's gate, never paused, hears ops only while a pause, a step or a stop is pending
  (runner._hear_ops; test_runner asserts it unsubscribed while the loop runs) and, always,
  the loop's gradient calls (to count steps: 3 Python calls a step by cProfile). Regression
  loop, 13c9456's tree alone: 595.9k plain -> 599.6k a step (1.006x); probes in one run
  (main's tree, moving under others' edits) read a bare thread +2.9k, a GradientComputed
  listener +7.3k, and 6aef428's first count 1.019x (584.4k -> 595.8k) was on that moving tree.
- longer CPU runs did not halve the swing: this file's file:line, bare condition and Runner
  rows, three runs of 10 and 30 epochs alternated (best of 5, load 8-10): regression 1.11,
  1.08, 1.09x at 10 epochs against 1.09, 0.98, 1.04x at 30 (file:line); 1.27, 1.20, 1.22x
  against 1.29, 1.10, 1.13x (condition); 1.03, 1.01, 1.04x against 1.00, 0.99, 0.98x
  (Runner); lecture's 1.12, 1.14, 1.09x against 1.11, 1.04, 1.10x; 1.28, 1.30, 1.23x against
  1.32, 1.21, 1.25x; 1.06, 1.04, 1.04x against 1.03, 0.99, 1.03x. A 30-epoch round lasts
  long enough for the load to move inside it: instructions settle these rows.
- da14dc5, dispatch: a recorded op at a line no line listener accepts takes _dispatch_taped
  (its line found in dispatch, then the tapes alone), and one heard only by node forms of
  every node, a bare condition's, _dispatch_taped_forms, not _dispatch_traced's checks.
  Predicted -4 to -8k a step (file:line), -16k (condition, from -459 bytecodes a step).
  Instructions a step (valgrind, one epoch, 13c9456's tree alone, then with da14dc5):
                        regression                         lecture's
    plain               595.9k -> 597.7k, 596.2k            444.3k -> 445.4k
    file:line           632.9k (1.062x) -> 620.4k (1.038x)   487.3k (1.097x) -> 475.0k (1.067x)
    bare condition      731.2k (1.227x) -> 721.8k (1.211x)   559.8k (1.260x) -> 550.8k (1.237x)
    nan, unchanged      678.9k (1.139x)                     510.3k (1.148x)
    the Runner's gate   599.6k (1.006x), unchanged          448.6k (1.010x)
  CPU, this file's rows, best of 5, the two trees alternated twice (load 8.5-9.7: read to
  +-0.05x): regression file:line 1.09x, 1.01x -> 1.04x, 1.04x; condition 1.25x, 1.23x ->
  1.22x, 1.21x; lecture's file:line 1.13x, 1.13x -> 1.09x, 1.13x; condition 1.33x, 1.36x ->
  1.25x, 1.31x. By instructions every row is inside its goal (the Runner 1.05x, file:line
  1.1x, a bare condition 1.3x); by CPU the lecture's file:line and condition sit at their
  lines, ~0.04-0.07x above their instruction ratios, as the Recorder's rows read above theirs.
  What is left of a bare condition (lecture's, bytecodes a step over plain 2,446): the
  untaped ops' deferred nodes (10 a step, ~127 bytecodes each with deferred_node), the
  condition asked (19 ops, ~38 each around the user's own call), the taped ops' node forms
  (~37 each); of the lecture's file:line (655 over plain) the 4 untaped ops' walk and the
  per-op line checks. A bare condition's node is already made only where something needs
  it: an untaped op's is a DeferredNode (inputs and line found when read), a taped op's is
  the one its tapes keep.

The Runner's stop finishing an update (2956452, d6d4717): at each gradient call the gate keeps
the ids of its sources' values, so a stop landing between two hand-written updates (the
lecture's w.assign_sub, then b's) lets the second run. Predicted +1k instructions a step;
measured (valgrind, one epoch, this tree with the gate before 2956452 and with d6d4717, the
rest alike): the Runner's gate, regression 539.7k (1.009x) -> 543.7k (1.019x), lecture's
389.1k (1.011x) -> 394.7k (1.026x), plain 534.9k/533.4k and 384.7k/384.8k: +4.0k and +5.6k,
inside the 1.05x goal. The ids' list (2 sources) alone counts ~2.5k a call (a micro of
_on_gradient: 2.0k -> 6.4k instructions); holding the values instead cost the same.
The Recorder's step ends for a layer's own state and a restore (5dfdc6e, fb19d09), the same
A/B: the lecture's recorder on 539.5k -> 539.5k a step (predicted unchanged).
The Runner's stop that lets an optimizer's apply return (9905d21: runner_gate.whole_update,
a walk up the frames only while a stop is pending; Keras optimizers no longer hold old values
for a hearing gate). Predicted unchanged for a gate that never hears (these rows), a few
percent off an apply while it hears. Measured (valgrind; the same tree, HEAD at 9905d21
with the gate, listening.py and base.py before it and after): the Runner's gate, lecture's
393.9k (1.027x of 383.7k) -> 394.0k (1.026x of 384.2k), inside the 1.05x goal; against
b8c5742's tree (another's commits between): regression 522.1k (1.018x of 513.0k) -> 521.9k
(1.017x of 513.4k), lecture's 392.5k (1.023x) -> 394.0k (1.026x). An Adam apply of 4
variables of 256 on the main thread while a paused Runner's gate hears every op (200
applies): 999.3k -> 974.3k instructions an apply (-2.5%); with no runner 515.5k -> 515.4k.
The Recorder's epoch start (feaeec4: step_ends.is_set, an evaluation's trailing sets), the
same A/B on 9905d21's tree: the lecture's recorder on 532.3k -> 532.6k a step (1.386x both;
predicted unchanged: one more test on a step's last update and on the ops after it).
Where the Runner's CPU time goes that instructions do not show (issue 14: the lecture's row
1.06-1.07x by CPU against 1.020x by instructions). Predicted first: a wake of the main thread
(a poll or a timed wait taking the GIL from the loop), then cache and branch effects.
- Not the main thread: it waits in Condition.wait_for with no timeout (a blocked lock, no
  wake, no GIL taken). In one process, 9 rounds alternated (load 2-4, lecture's loop, 10
  epochs): the loop on the main thread 84.8 ms; on a bare threading.Thread 0.994x; a bare
  thread with an empty GradientComputed listener 1.033x (median 1.007x); under a Runner
  1.058x (median 1.046x), and the training thread's own time.thread_time 1.053x: the time
  is spent on the loop's thread (process_time less that thread's time: 0.4-0.5 ms a run,
  the start and the join).
- Not a lock, a thread-local or contextvars per op: a gate that never pauses is unsubscribed
  (dispatch's fast path; it reads one ThreadState slot on any thread), and the gate's frames
  sit under the loop's, never walked per op.
- Cache and branch effects of a step's Python callback, yes. callgrind with its cache and
  branch simulation (one epoch, 190 steps, per step; Ir, D1 misses, mispredicted branches):
  plain 387.2k, 2,526, 9,784; a bare thread 387.3k, 2,659, 9,785; the empty listener 391.0k,
  2,888, 9,912; the Runner 396.0k (+2.3%), 2,970 (+18%), 10,099 (+3.2%). Costed at 1 cycle an
  instruction, 12 a D1 miss, 15 a mispredict: +0.3%, +1.8%, +3.3%: the once-a-step listener
  call and _on_gradient's body (cold code each step) cost ~1.5x their share of instructions:
  +3.3% of the 5-6% CPU reads; the rest not found (a second probe's rounds at load 5-7 read
  the Runner 1.021x by thread time, the empty listener 0.972x: this machine's swing is as
  large as the gap).
- _on_gradient alone (valgrind, 10,000 calls, two sources): 5.8k instructions a call over an
  empty method; the sources' values' ids, `list(map(id, map(attrgetter("_value"), ...)))`,
  4.3k of it, now a comprehension: 3.0k (tuple(map(...)) 4.6k, [*map(...)] 4.0k; holding
  the values instead 3.0k, and they could not be recycled); the method 5.8k -> 4.6k (4c40df5,
  predicted -1.3k a step). The lecture's loop under a Runner (callgrind, one epoch, the same
  tree otherwise): 396.0k -> 394.0k a step (1.023x -> 1.018x of plain 387.2k). The step's
  listener call itself (tell, the event: the empty listener's +3.8k, +1.8% by the cycle
  model above) is the floor left while the Runner counts steps by hearing them; going under
  it needs the tape to count a thread's gradient calls without a Python call (not tried).
The tape counts a Runner's steps (issue 14's Runner row, next round): a Runner running freely
calls no listener a step; `tape_gradient.gradient` counts the calls of a thread in
`counted_threads` (its targets, sources and their values' ids: GradientCalls.took), and the
runner's listener hears gradient calls only before the first step (the loop and the engine
judged: torch's steps are counted by the listener, as before), while the gate hears ops, and
while another runner runs (the refusal of a variable both train). Predicted: instructions
-5 to -6k a step (the event, tell and _on_gradient's body, less a method call), CPU from
~1.06x to the bare thread's ~1.0x. Measured: instructions a step (valgrind, one epoch,
0aad82b's tree then with the change): lecture's 394.8k (1.021x of 386.7k) -> 391.6k (1.012x
of 387.0k), regression 521.6k (1.009x of 517.1k): -3.2k, not -5k: took() is a call, and its
two id()s cost ~1.1k (a micro under valgrind, 10,000 calls: the count +0.3k, the stores
+0.2k, two ids +1.1k, as a comprehension +3.2k, list(map(id, map(attrgetter))) +4.4k: id()
makes an int and an audit event; holding the values instead would keep a step's old
parameters alive through the next forward pass). CPU, the lecture's loop (5 epochs) in one
process, plain, this Runner and a Runner whose listener hears every step (the design before,
kept subscribed by a subclass), 15 rounds alternated, load 16-18: best 1.032x against 1.067x,
median of the round ratios 1.048x against 1.079x (read to +-0.03x at that load). With it
(2808ffc), this file's rows (best of 7, load 17-18): the Runner lecture's 0.99x, regression
1.04x; file:line lecture's 1.06x, regression 1.03x; bench_vs_torch --quick (load 16-17): the
Runner CNN 1.00x, lecture's 0.97x; file:line 1.11x, lecture's 1.09x (1.074x by instructions,
415.5k of 386.7k: untouched this round; its 4 untaped ops' walks, whose per-code key is an
id(), ~450 instructions by the micro above, still the largest part).
Breakpoints that look at every op, the edges (next round; a9e3e09's tree, instructions a
step, valgrind, one epoch; the same tree moves ~1k): regression plain 516.2k, file:line
541.4k (1.049x), nan 609.7k (1.181x), a bare condition 644.6k (1.249x); lecture's plain
386.1k, file:line 415.2k (1.075x), nan 457.8k (1.186x), condition 493.1k (1.277x).
- a bare condition's node form, priced by stubs (regression): the whole closure +37.5k a
  step (605.6k with one returning at once), of it the thread-local read of the busy flag
  +13.6k (~600 instructions an op, 20 ops a step; a get_ident() set in its place measured
  +7.3k worse: 650.4k); the loop over (breakpoint, condition) pairs ~8k.
- built: one bare condition (the usual case) gets its own node form, no loop and no pair
  unpacked (breakpoint_listener._condition_asked); predicted -4k to -8k. Measured: regression
  643.1k -> 634.1k (1.249x -> 1.228x), lecture's 493.1k -> 484.9k (1.277x -> 1.256x).
  CPU, one process, old and new node forms alternated with plain, 9 rounds x 5 epochs (load
  8.5, read to +-0.03x): regression best 1.244x -> 1.267x, median 1.191x -> 1.198x; lecture's
  1.280x -> 1.256x, median 1.297x -> 1.257x: under this load's noise, as the -1.4% predicts.
  Again, 15 rounds (load 4.5): regression 1.199x -> 1.196x best (new/old 0.997), median
  1.195x -> 1.196x; lecture's 1.329x -> 1.312x (0.988), median 1.305x -> 1.287x.
- priced, not built: dispatch making the DeferredNode inline (no deferred_node call for the
  11 untaped ops a step) -4.5k to -5.7k (629.3-629.6k, 1.219-1.220x, by a stub in two
  runs; not built: dispatch.py would pass 400 lines, and tests count deferred_node's calls).
  The condition row's 1.22x on the lecture's loop needs ~-14k more; the busy flag's
  thread-local read (~12k) has no cheaper per-thread home reachable from a node form
  (dispatch's ThreadState is not passed to it; a plain _thread._local in place of the
  subclass reads in ~460 instructions against ~550: -1.8k a step, not built).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import sys
import time

import numpy as np

import tapeviz as tf
import tapeviz.contrib.eager as tfe
from tapeviz.datasets import synthetic_birth_life
from tapeviz.debugger import Recorder, Runner, break_on, clear_breakpoints

import instructions


def regression_loop(epochs: int = 10):
    """The CS20 per-example Huber regression (as examples/regression.py), a few epochs."""
    data, _ = synthetic_birth_life()
    dataset = tf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1]))
    w, b = tfe.Variable(0.0), tfe.Variable(0.0)

    def huber_loss(y, y_predicted, m=1.0):
        t = y - y_predicted
        return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)

    grad_fn = tfe.implicit_value_and_gradients(lambda x, y: huber_loss(y, x * w + b))
    optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01)
    for _ in range(epochs):
        for x_i, y_i in tfe.Iterator(dataset):
            _, gradients = grad_fn(x_i, y_i)
            optimizer.apply_gradients(gradients)


def lecture_loop(epochs: int = 10):
    """The lecture's loop as most write it: a GradientTape per example and two assign_sub."""
    data, _ = synthetic_birth_life()
    examples = [(tf.constant(x), tf.constant(y)) for x, y in data]
    w, b = tf.Variable(0.0), tf.Variable(0.0)

    def huber_loss(y, y_predicted, m=1.0):
        t = y - y_predicted
        return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)

    for _ in range(epochs):
        for x, y in examples:
            with tf.GradientTape() as tape:
                loss = huber_loss(y, x * w + b)
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.001 * dw)
            b.assign_sub(0.001 * db)


def cnn_loop(steps: int = 20):
    """The TF2 guide's MNIST CNN and train step, on batches of 32 random 28x28 images."""
    images = np.random.default_rng(0).random((steps, 32, 28, 28, 1), dtype=np.float32)
    labels = np.random.default_rng(1).integers(0, 10, (steps, 32))
    train_guide_cnn(zip(images, labels))


def guide_cnn():
    """The TF2 guide's CNN (seed 0), as its code builds it."""
    tf.random.set_seed(0)
    return tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu', input_shape=(None, None, 1)),
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu'),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10)])


def train_guide_cnn(batches) -> float:
    """The TF2 guide's CNN, Adam and train step over `batches` of (images, labels); returns
    the last loss."""
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss = None
    for x, y in batches:
        with tf.GradientTape() as tape:
            loss = loss_object(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss)


def _never_run(x):
    return x * 2   # the file:line rows' breakpoint: a line of this file that runs an op, never run


NEVER_RUN_LINE = _never_run.__code__.co_firstlineno + 1


def armed(*criteria):
    """A mode: these breakpoints armed while the loop runs (none is ever hit)."""
    @contextlib.contextmanager
    def mode():
        for spec in criteria:
            break_on(**spec)
        try:
            yield
        finally:
            clear_breakpoints()
    return mode


@contextlib.contextmanager
def recorder_on():
    with Recorder():
        yield


@contextlib.contextmanager
def nodes_kept():
    """A listener that keeps each op's node and does nothing else."""
    kept = []

    def keep_event(event):
        kept.append(event.node)

    tf.subscribe(keep_event, kinds=(tf.OpExecuted,), timed=False,
                 on_node=lambda node, taped, duration: kept.append(node))
    try:
        yield
    finally:
        tf.unsubscribe(keep_event)


@contextlib.contextmanager
def every_op_heard():
    """A listener of every op that keeps nothing: what the traced path itself costs."""
    def ignore(event):
        pass

    tf.subscribe(ignore, kinds=(tf.OpExecuted,), timed=False,
                 on_node=lambda node, taped, duration: None)
    try:
        yield
    finally:
        tf.unsubscribe(ignore)


def under_runner(loop) -> None:
    """The loop as a Runner's training function, never paused: what its gate costs."""
    runner = Runner(loop).start()
    runner.join()


NEVER = lambda node: False  # noqa: E731  (a condition no op meets)
SELECTIVE = ({"op": "log"}, {"kind": "pool"}, {"layer": "no_such_layer"},
             {"layer": "dense", "condition": NEVER}, {"op": "log", "phase": "vjp"})
# the modes that arm breakpoints and nothing else
BREAKPOINT_MODES = ("op breakpoint", "op, kind, layer and vjp ones",
                    "file:line (finds each op's line)", "nan in any backward step",
                    "condition on every op", "nan in every op's output")
# mode name -> (how it runs a loop, its goal as a ratio to the plain loop: issue 14's table)
MODES = {
    "plain": (armed(), None),
    "op breakpoint": (armed({"op": "log"}), 1.05),
    "op, kind, layer and vjp ones": (armed(*SELECTIVE), 1.05),
    "file:line (finds each op's line)": (armed({"file": __file__, "line": NEVER_RUN_LINE}), 1.1),
    "nan in any backward step": (armed({"phase": "vjp", "nan": True}), None),
    "condition on every op": (armed({"condition": NEVER}), 1.3),
    "nan in every op's output": (armed({"nan": True}), 1.3),
    "recorder on": (recorder_on, 1.5),
    "nodes kept, nothing else": (nodes_kept, None),
    "every op heard, nothing kept": (every_op_heard, None),
    "runner's gate": (under_runner, 1.05),
}


def run(mode, loop) -> float:
    """CPU seconds (every thread of this process) `loop` takes under `mode` (a context
    manager factory, or a loop runner): on a shared machine, other processes' load moves
    wall time far more than it moves this. The garbage of the runs before is collected
    first, so no mode pays for another's."""
    gc.collect()
    start = time.process_time()
    if mode is under_runner:
        under_runner(loop)
    else:
        with mode():
            loop()
    return time.process_time() - start


def measure(loops: dict, modes: dict, repeats: int) -> dict:
    """{(loop name, mode name): best CPU seconds} over `repeats` interleaved rounds of every
    loop of `loops` ({name: loop}) under every mode of `modes` (as `MODES`)."""
    for loop in loops.values():
        loop()  # warm up: first-call caches, the op routes, numpy's allocator
    best = {(loop, mode): float("inf") for loop in loops for mode in modes}
    for _ in range(repeats):  # interleaved: every mode sees the same machine load
        for loop_name, loop in loops.items():
            for mode_name, (mode, _) in modes.items():
                best[loop_name, mode_name] = min(best[loop_name, mode_name], run(mode, loop))
    return best


COUNTED_MODES = ("plain", "recorder on", "every op heard, nothing kept",
                 "file:line (finds each op's line)", "condition on every op",
                 "nan in every op's output", "op breakpoint", "op, kind, layer and vjp ones",
                 "runner's gate")


def counted_run(loop_key: str, mode_name: str) -> None:
    """The worker valgrind counts: one epoch of a regression loop under one mode (a
    breakpoint is armed outside the count: what it costs a step, not to arm)."""
    loop = LOOPS[loop_key][1]
    mode = MODES[mode_name][0]
    if mode is under_runner:   # counted on the runner's thread, its start and join not
        Runner(instructions.run_counted, lambda: loop(1)).start().join()
        return
    if mode_name in BREAKPOINT_MODES:
        with mode():
            instructions.run_counted(lambda: loop(1))
        return

    def one_epoch():
        with mode():
            loop(1)
    instructions.run_counted(one_epoch)


def report_instructions(chosen: list, modes: tuple, cache: bool = False) -> None:
    """Instructions a step of each chosen regression loop under each of `modes` (plain
    first), and the ratio to plain; with `cache`, the first-level cache misses a step too
    (instruction and data: what CPU time pays that instructions do not show)."""
    if not instructions.available():
        sys.exit("valgrind is not installed (apt-get install valgrind) to count instructions")
    steps = len(synthetic_birth_life()[0])
    for key in (k for k in chosen if k != "cnn"):
        print(LOOPS[key][0] + ", instructions a step (valgrind, one epoch)")
        plain = None
        for mode_name in modes:
            argv = [__file__, "--count", key, mode_name]
            counted = instructions.misses(argv) if cache else {"Ir": instructions.count(argv)}
            plain = plain or counted
            line = f"  {mode_name:<34}{counted['Ir'] / steps / 1e3:9.1f}k " \
                   f"{counted['Ir'] / plain['Ir']:7.3f}x"
            if cache:
                for event, label in (("I1mr", "I1 misses"), ("D1mr", "D1 read misses")):
                    line += f"  {label} {counted[event] / steps:7.0f} " \
                            f"({counted[event] / max(plain[event], 1):.2f}x)"
            print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--loops", default="regression,lecture,cnn",
                        help="comma-separated: regression, lecture, cnn")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions a step instead (valgrind)")
    parser.add_argument("--misses", action="store_true",
                        help="with --instructions: first-level cache misses a step too")
    parser.add_argument("--recorder", action="store_true",
                        help="the plain loop and the Recorder alone")
    parser.add_argument("--epochs", type=int, default=10,
                        help="epochs of each regression loop a run (the CNN: twice as many "
                             "steps): longer runs, less swing")
    parser.add_argument("--only", help="comma-separated words: the rows whose names hold "
                                           "one (and plain), e.g. runner,file:line")
    parser.add_argument("--count", nargs=2, help=argparse.SUPPRESS)  # the counted worker
    args = parser.parse_args()
    if args.count:
        return counted_run(*args.count)
    chosen = args.loops.split(",")
    rows = ("plain", "recorder on") if args.recorder else tuple(MODES)
    if args.only:
        words = args.only.split(",")
        rows = tuple(row for row in rows if row == "plain" or any(w in row for w in words))
    if args.instructions:
        return report_instructions(chosen, tuple(row for row in rows if row in COUNTED_MODES),
                                   args.misses)
    sizes = {"regression": args.epochs, "lecture": args.epochs, "cnn": 2 * args.epochs}
    loops = {name.replace("10 epochs", f"{args.epochs} epochs").replace(
                 "10 x", f"{args.epochs} x").replace("20 steps", f"{2 * args.epochs} steps"):
             functools.partial(loop, sizes[key]) for key, (name, loop) in LOOPS.items()
             if key in chosen}
    modes = {name: MODES[name] for name in rows}
    best = measure(loops, modes, args.repeats)
    print(f"best of {args.repeats} interleaved rounds, CPU seconds; ratio = best time / best "
          f"plain time")
    for loop_name in loops:
        print(loop_name)
        base = best[loop_name, "plain"]
        for mode_name, (_, goal) in modes.items():
            seconds = best[loop_name, mode_name]
            ratio = seconds / base
            verdict = ""
            if goal is not None:
                verdict = f"  goal <= {goal}x: {'met' if ratio <= goal else 'MISSED'}"
            print(f"  {mode_name:<34}{seconds:8.3f} s {ratio:7.2f}x{verdict}")


LOOPS = {
    "regression": ("regression (tfe, 10 epochs x 190 examples)", regression_loop),
    "lecture": ("lecture's regression (tape + 2 assign_sub, 10 x 190)", lecture_loop),
    "cnn": ("CNN (20 steps, batch 32, 28x28)", cnn_loop),
}


if __name__ == "__main__":
    main()
