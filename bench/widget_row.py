"""bench_viz's TapeWidget row (issue 14): a widget opened and stepped on a 99,002-node tape
against a 3,002-node one, its first view, the checks after it, a whole open and three Steps,
with the parts of opening, and the worker valgrind counts for `--instructions`. The rounds'
history of this row, with their figures, is the comment above WIDGET_BEFORE. Run it through
bench_viz.py (`--widget-only`, `--instructions`).
"""
from __future__ import annotations

import gc
import time

import instructions  # this folder
import tapeviz as tf
from tapeviz.viz import render
from tapeviz.viz.graph import Graph


WIDGET_GOALS = {"first view": 5.0, "step": 3.0}   # issue 14: 99,000 nodes against 3,000


def blocks_tape(blocks: int):
    """A persistent tape of `blocks` name scopes of tanh(h * 0.9): a constant and two ops
    each, so 3 * blocks + 2 nodes with the variable and the final sum."""
    w = tf.Variable([0.5, -0.25], name="w")
    with tf.GradientTape(persistent=True) as tape:
        h = w
        for block in range(blocks):
            with tf.name_scope(f"block{block}"):
                h = tf.tanh(h * 0.9)
        tf.reduce_sum(h)
    return tape


WIDGET_ROWS = ("first view", "checks after it", "open, checked at once", "first step",
               "opening step", "step")


def widget_timing(blocks: int, repeats: int = 3) -> dict:
    """Best-of-`repeats` seconds of a TapeWidget on `blocks_tape(blocks)`: its first view (as a
    kernel opens it: values unchecked, no alerts yet), the checks that complete it, a whole
    open that checks at once (as a script opens it), its first Step (which starts the
    backward pass), the Step that opens the hidden block of the next op, and a Step inside
    that open block (the Step a user presses most). Layouts are timed, not cached. Also the
    parts of opening (graph build, collapse, the alerts' `diagnose`) and a floor: one pass
    that only reads each node's inputs and output."""
    from tapeviz.viz.panel import find_alerts
    from tapeviz.viz.scene import Scene
    from tapeviz.viz.widget import TapeWidget
    tape = blocks_tape(blocks)
    best = dict.fromkeys(WIDGET_ROWS + OPEN_PARTS, float("inf"))
    for _ in range(repeats):
        times = []
        render._cache.clear()
        start = time.perf_counter()
        first = TapeWidget(tape, check_later=True)
        times.append(time.perf_counter() - start)
        assert first.checking, "the first view checked its values already"
        start = time.perf_counter()
        first.finish_checks()
        times.append(time.perf_counter() - start)
        render._cache.clear()
        start = time.perf_counter()
        widget = TapeWidget(tape, check_later=False)
        times.append(time.perf_counter() - start)
        assert (first.svg, first.alerts) == (widget.svg, widget.alerts), \
            "the checked first view differs from the whole open"
        for _ in range(3):
            render._cache.clear()
            start = time.perf_counter()
            widget.step()
            times.append(time.perf_counter() - start)
        assert widget.error == "", widget.error
        times += _open_parts(tape, lambda graph: find_alerts(Scene(tape), graph.id_of))
        for name, seconds in zip(best, times):
            best[name] = min(best[name], seconds)
    return {"blocks": blocks, "nodes": len(widget.graph.nodes), "shown": len(widget.view.nodes),
            **best}


OPEN_PARTS = ("graph build", "scope tree", "collapse", "values checked", "alerts",
              "read each node")


def _open_parts(tape, alerts) -> list:
    """Seconds of each part of opening: the first view's graph build (values unchecked),
    scope tree and collapse; then the checks after it: every value's NaN/Inf and each op's
    shape and dtype (`Graph.check_values`), `alerts(graph)`; then of reading each node's
    inputs and output once (what any open that looks at every node pays at least)."""
    start = time.perf_counter()
    graph = Graph.from_tape(tape, check_values=False)
    built = time.perf_counter()
    table = graph.table()
    gc.disable()   # as Graph.collapse builds the tree: the collector would walk the tape's objects
    try:
        Graph._scope_tree(table)
    finally:
        gc.enable()
    grown = time.perf_counter()
    graph.collapse(max_nodes=300)
    collapsed = time.perf_counter()
    graph.check_values()
    checked = time.perf_counter()
    alerts(graph)
    alerted = time.perf_counter()
    values = [[tensor._value for tensor in node.inputs] + [node.output._value]
              for node in tape.nodes]
    del values
    return [built - start, grown - built, collapsed - grown, checked - collapsed,
            alerted - checked, time.perf_counter() - alerted]


# issue 14's widget row before and after the columnar graph (viz/table.py: a tape's nodes as
# columns, GraphNodes made only for what is drawn; collapsing by the columns; commits
# 6cba09d..95d7976), each run interleaved with the tree before them on the 2-core shared
# machine (load 8-11), best of 3, seconds (3,002 / 99,002 nodes). In CPU time (medians of 6,
# interleaved) the 99,002-node open went 756-801 ms -> 371-384 ms (36-38x the 3,002-node
# open -> 23.5-24x) and the Step that opens a hidden block 267-292 -> 47-67 ms. What is left
# is work every node needs for the first view (its scope, op, shape and dtype for the ×N
# boxes, its producer for the edges between boxes, its value's NaN/Inf check: ~2.2 us a node
# as C-level passes over the tape) and `diagnose` for the alerts (~0.6 us a node).
# The next round (commits 1a8a0e5..ae645f8: float scalars' NaN check as one array, a level's
# identical blocks found by numpy over the codes, a box of blocks side by side folded as one
# run, fewer passes over the leaves) took the 99,002-node open from 415 to 327 ms CPU time
# (medians of 15, alternating processes with the tree before it, load 7-14) and the 3,002-node
# one from 13.7 to 11.5 ms: 30x -> 28x. Both cost ~3.2 us a node, so the ratio is the node
# count's: the <= 5x goal needs ~0.12 us a node in CPU time, below one Python read of each
# node (0.46 us); what the first view shows (a ×N box checks every block's ops and shapes,
# NaN marks every value) is read from every node, at ~1.7 us a node for the graph's columns
# (0.4 of it the NaN/Inf check), 0.55 for the scope tree and the block runs, 0.55 for the
# alerts' `diagnose` (0.22 its broadcast check, 0.25 its NaN check of the outputs again).
# The round after (commits 92e90e1, 7ed8797, 9e30b15: NaN/Inf checks join values of one
# dtype as bytes, ~40 ns a value against np.concatenate's ~300; the table numbers scopes so
# the tree finds its runs by numpy, and reads leaf shapes for variables alone) took one open
# from 3,300M to 2,620M instructions at 99,002 nodes and 108.2M to 88.0M at 3,002 (valgrind,
# Graphviz's process not counted), and in CPU time with Graphviz (medians of 15 and 25,
# alternating processes with the tree before, load ~8) 365 -> 314 ms against 17.0 -> 15.5:
# 21.5x -> 20.3x. An index kept by GradientTape.record (each node's scope and signature as
# ints, so the open reads no Node for them) was measured and left out: +5.7% instructions
# an iteration of bench_dispatch's taped scalar chain inlined in `record` (+6.8% as a
# method; the scope number alone +2.3%), for the passes it replaces at the 99,002-node
# open (scopes, ops, shapes, dtypes and their numbering: 41 ms CPU at best, median 99 of 7
# rounds under load, ~13% of the open: 20x would become ~18x, not 5x). The open is
# still ~3 us a node at both sizes, spread over ~20 C-level passes of 3-5 ms each at
# 99,002 nodes (build ~50%, alerts ~18%, collapse ~15%, scope tree ~10%).
# This round (commits 238508d..62c3d2e) made the scope tree arrays over the table's scope codes
# (runs, parents, first and last runs; a scope whose runs follow each other is one range; a
# Scope object only for an entry someone reads) and a level a Level of three arrays, so the
# 33,000 blocks are cut, compared and folded by numpy (tree + collapse 65 -> ~21 ms CPU at
# 99,002 nodes), and kept the table's flags and codes as arrays (fewer 100,000-object lists
# for the collector to walk after the build). Instructions of one open (`--instructions`):
# 2,637M -> 1,767M at 99,002 nodes, 87.8M -> 63.6M at 3,002 (30.0x -> 27.8x); CPU time with
# Graphviz, medians of 12 opens in processes alternating with the tree before, load 10-20:
# 308 -> 216 ms against 14.9 -> 12.4 ms, 20.7x -> 17.5x. Both sizes fell, so the ratio moved
# less: an open is F + c * nodes with F ~6 ms and c ~2.1 us a node, and <= 5x needs
# c <= 4F / 84,000 ~0.29 us a node all told, about one C-level pass over the tape (0.1-0.3
# us a node each; reading every node's inputs and output once in Python costs 0.5). What is
# left is that O(nodes) work: the build's ~25 passes (~60%: each op's scope, op, output,
# value, shape, dtype, inputs and producers, every value's NaN/Inf check), `diagnose` for
# the alerts (~25%: its broadcast loop over the nodes, a second NaN/Inf check of the
# outputs), the collector's walks of the table's lists (~5%). The first view needs every
# node (a ×N box's blocks must be identical, a box's NaN mark must see each value), so 5x
# needs that index kept as the tape records.
# This round (commits bccd625..ecf00e9) split the open (issue 14's option b): in a kernel a
# widget sends its first view (the boxes, labels and edges, laid out, drawn faded and dashed
# under a 'checking every value…' note) and, at the end of the cell, while the browser draws
# it, checks every value for NaN/Inf, numbers each op's shape and dtype (a ×N box's blocks
# were told alike by their ops alone; told apart, the view is cut again) and finds the
# alerts; a script's open still does both at once. The first view reads no value of a hidden
# op; each input's producer is found by numpy over the sorted output ids (~9 against ~20 ms
# at 99,002 nodes). Predicted: the first view at ~123 against ~10.5 ms, ~12x (the open less
# its NaN check, alerts and signatures). Measured, CPU time with Graphviz, medians of 15 in
# processes alternating with the tree before (load 14-16): first view 99.9 against 9.0 ms,
# 11.1x (the whole open before: 221.9 against 12.2, 18.2x); the checks after it 118.7 and
# 4.1 ms; a whole open now 211.3 against 12.9 ms, 16.4x. Instructions (--instructions):
# first view 747.7M against 32.3M, 23.2x (whole open before 1,766M against 63.4M, 27.8x).
# Where the first view's ~100 ms go at 99,002 nodes (CPU, one process): the build ~70
# (numbering the ops' scopes ~13, the inputs and their count ~15, each input's producer ~9,
# the leaves ~9, op codes and columns ~9, the edges ~4, the rest a pass each), the collapse
# ~20 (comparing 33,000 block names' stems ~8), the scope tree ~3, layout and traits ~5.
# <= 5x needs ~45 ms: the edges between boxes need every input's producer and every op's
# scope, so it needs them kept as the tape records (the scope runs could come from
# name_scope at no cost an op; the producers could not).
# This round (commits bb384e1..bfc2937, issue 14's first view). Predicted: an index kept by
# GradientTape.record (each input's producer by a dict id -> op index, each op's input count
# and op number, the scope runs) would take the build's scopes, inputs, producers and op codes
# (~45 of ~100 ms CPU at 99,002 nodes) for a few % of bench_dispatch's taped chain. Measured
# (valgrind, a record of a 2-input op): the producers cost ~2.8k instructions a record (a
# map of dict.get per input, appended), the counts and op numbers ~1.2k more, tracking by that
# dict instead of the set +480: the whole index +19% of the chain (425.2k -> 505.2k an
# iteration with array('q') columns; ~+9.7% by a record's count with lists), and its ints
# still cost a conversion to arrays at the open. Dropped. Kept: the runs of one scope, noted
# where an op's scope object is not the one before's, the scope numbered by path once per run
# (tape_index.py), so a tape's table reads no node's scope: the chain 427.7k -> 428.2k
# instructions an iteration (+0.1%, the same tree with and without). And at the open: each
# node's fields read 2,048 nodes at a time while in the cache (viz/node_columns.py: those passes
# 28.4 -> 18.7 ms CPU at 99,002 nodes, with no fewer instructions), the leaves told distinct by
# sorting their ids (their values and the id -> leaf dict made when first read), a level's
# name stems in two passes, not five, the scope runs kept unboxed (array('q'): read back in
# 1.8 ms, not 5.0). Measured, CPU time of the process (Graphviz's not counted), medians of 5
# opens in each of 6 processes alternating with the tree before, load 6-10: first view 98.1
# -> 71.4 ms at 99,002 nodes, 5.92 -> 5.51 at 3,002: 16.6x -> 13.0x (each round's
# 99,002-node open 0.71-0.77 of the one before). Instructions of the first view
# (--instructions): 28.8M / 620.4M (21.5x) before, 29.1M / 635.0M (21.8x) at 41e7666: the
# gain is memory, not instructions (a long tape's nodes are scattered; each pass over them waited on
# RAM), so the instruction ratio does not show it.
# `bench_viz.py --widget-only` after it (wall with Graphviz, best of 5, load ~6): first view
# 0.013 against 0.123 s, 9.8x (wall figures on this shared machine move with its load: 7.9x
# in a run at load ~10, 11.1x before this round at load ~10). Where the 99,002-node first
# view's ~72 ms CPU go now: reading the nodes' fields ~19-22 (the input tuples and three
# conversions of Python ints to arrays, 99,001 input ids, 66,001 output ids and counts),
# collapse ~19 (a level's 33,000 names and stems about half), the leaves ~7, the table's
# columns ~7, edges ~4, producers ~4, scope tree ~3, scope codes ~2. <= 5x needs ~28 ms:
# not reached. What is left is per-node and memory-bound; an index kept by `record` would
# move it to dispatch at ~1k instructions an input, not remove it.
# This round (commits a235118..5a17e0e, issue 14's first view): what the first view draws of
# the 99,002-node tape is three boxes (block0, block ×32999, the sum) and two edges; 33,000
# blocks in a row are one box to a person, so its cost should follow the boxes, not the nodes
# they hide. The first view of a long scoped tape is now told from the scope runs `record`
# notes (viz/outline.py): the level shown and its ×N boxes from the runs' paths, each block's
# op count and its name stem, the boxes' labels, shapes and edges from the nodes drawn (a ×N
# box's first two blocks, compared by their ops and variables as the first view compares
# blocks, and its last). No hidden block is read; the table is built with the checks after
# the first view, which redraw where the guess differs (a block the first two do not stand
# for) and complete the toolbar's count (the outline knows the ops, not yet the leaves).
# Where the runs cannot tell the view (a leaf drawn at the top, more ops outside every scope
# than a loop needs, a scope run twice apart, an input made inside hidden blocks, a level cut
# into ranges) the table is built first, as before. Predicted: a few ms at both sizes (the
# runs' arrays and 33,000 stems compared by numpy ~1 ms, layout and traits ~2 ms), ~2-3x.
# Measured, CPU time, medians of 6 opens in each of 6 processes alternating with the tree
# before (59d9fc9), load 9-13: first view 6.13 -> 3.19 ms at 3,002 nodes, 75.5 -> 5.9 ms at
# 99,002: 12.1x -> 1.76x (rounds 1.62-2.27x; before 11.8-12.5x). Instructions of the first
# view (--instructions): 28.5M / 618.7M (21.7x) -> 9.5M / 24.5M (2.6x). `--widget-only` at
# load ~13 (wall, best of 5): first view 0.032 against 0.049 s, 1.5x.
# The stems: made at the open, the 33,000 names cost 5-11 ms at 99,002 nodes (each name a
# string scattered in memory: the first view 13.2-17.6 against 5.6-6.6 ms, 4.1-4.9x, four
# alternating rounds), so `record` numbers a new path's stem as it numbers the path (and keeps
# the paths as a list handed out uncopied, and whether any nests): +4.6k instructions a new
# scope path (a block of two ops under its own new name scope records in 68,955 -> 73,553
# instructions, valgrind, +6.7%; an op in a scope already seen, and the taped chain of
# bench_dispatch, which enters none, run the same `record` as before: the chain 428.3k ->
# 428.2k instructions an iteration, the same tree with and without).
# At 57f7069 (a leaf of an op drawn alone now drawn by the outline too; ×N boxes' node counts;
# guards), four more rounds alternating with 59d9fc9, load ~10: 5.91 -> 3.25 ms against
# 77.6 -> 5.6 ms, 12.9x -> 1.72x (rounds 1.65-1.80x); instructions 9.6M / 24.6M (2.6x).
# What it costs elsewhere: the checks after the first view now build the table too, 4.2 ->
# 8.1 ms at 3,002 nodes and 111 -> 180 ms at 99,002 (CPU, the same rounds; in a kernel they
# run once the cell has returned, while the browser draws the first view); first view and
# checks together are what they were (186 ms); a whole open and a Step are unchanged (a whole
# open's instructions 62.7M / 1,757.8M before, 62.5M / 1,758.6M after).
# Variables named as the code names them (variable_names.shown_names, once per table; the
# stepper names only sources the graph does not draw): a whole open with Continue of the
# lecture's regression step, unnamed w and b (valgrind, worktrees alternated, Graphviz not
# counted; predicted +0.05-0.15M): 21.17M before, 21.44M with the names (+1.3%: naming w and
# b alone counted 286k, two statements parsed anew), 21.37M with each statement parsed once
# (lru_cache; naming alone 126k, predicted ~30k: name_in_code's scope lookup keeps ~60k a
# variable). Keras' and given names cost a regular expression each, nothing parsed.
# The view opening at a NaN's origin and the strip naming where each input came from (commits
# e53fdba..27b18d4; no change to the graph's build). Predicted: opens unchanged (a NaN-free tape
# sets one trait more), a Step +~0.1M (one more input_makers, ~20-27 us, the same at both sizes).
# Measured (--instructions, e6d414f's tree then the working tree, load 10-17): first view 9.8M /
# 24.8M (2.5x) -> 9.9M / 24.8M (2.5x), whole open 79.1M / 2,280.2M -> 79.2M / 2,281.5M; three
# Steps inside the 3,002-node tape's blocks (valgrind, 6640efe against 056e2e4, two counts each)
# 200.54M, 200.89M -> 201.33M, 201.33M a Step (+0.2-0.4%, more than predicted, not explained;
# size-independent, so the 99,002 / 3,002 ratio does not move).
WIDGET_BEFORE = {"open": ((0.050, 0.056), (1.910, 2.513))}
WIDGET_AFTER = {"open": ((0.043, 0.052), (0.963, 1.649))}


def print_widget(small: dict, large: dict, repeats: int) -> None:
    print(f"\nTapeWidget on {large['nodes']:,} nodes ({large['blocks']:,} scoped blocks) "
          f"against {small['nodes']:,}; best of {repeats}, layouts not cached")
    print(f"  {'':<22}{small['nodes']:>10,}{large['nodes']:>10,}{'ratio':>8}{'goal':>8}")
    for name in WIDGET_ROWS + OPEN_PARTS:
        goal = WIDGET_GOALS.get(name)
        ratio = large[name] / small[name]
        verdict = "" if goal is None else f"<= {goal:.0f}x " + ("met" if ratio <= goal else
                                                                "MISSED")
        part = "    " if name in OPEN_PARTS else ""
        print(f"  {part + name:<22}{small[name]:9.3f}s{large[name]:9.3f}s{ratio:7.1f}x  "
              f"{verdict}")
    budget = WIDGET_GOALS["first view"] * small["first view"] / large["nodes"] * 1e6
    print(f"  <= {WIDGET_GOALS['first view']:.0f}x leaves {budget:.2f} us a node of the "
          f"{large['nodes']:,}-node first view; it spends "
          f"{large['first view'] / large['nodes'] * 1e6:.2f}, and reading each node once "
          f"{large['read each node'] / large['nodes'] * 1e6:.2f}")
    for label, figures in (("before", WIDGET_BEFORE), ("after", WIDGET_AFTER)):
        (small_lo, small_hi), (large_lo, large_hi) = figures["open"]
        print(f"  open, {label} (recorded): {small_lo:.3f}-{small_hi:.3f} s against "
              f"{large_lo:.3f}-{large_hi:.3f} s")


WIDGET_SIZES = (1000, 33000)   # blocks: 3,002 and 99,002 nodes


def counted_open(blocks: int, first_view: bool) -> None:
    """The worker valgrind counts: one TapeWidget on `blocks_tape(blocks)`, its first view
    alone or a whole open (values checked, alerts found)."""
    from tapeviz.viz.widget import TapeWidget
    tape = blocks_tape(blocks)

    def open_once():
        render._cache.clear()   # the layout is made, as a first open makes it
        TapeWidget(tape, check_later=first_view)
    instructions.run_counted(open_once)
