"""`%load_ext tapeviz`: the IPython magics that put the debugger and the widgets in a notebook.

`%%tapeviz` runs a cell under a `debugger.Recorder` and shows the `TapeWidget` for what it
did; `%tapeviz` shows a tape or recording (the last one by default); `%tapeviz_train` runs
a training function under the debugger's `Runner` with the live `Dashboard`, leaving the
kernel free; `%tapeviz_break` sets, lists and clears `debugger.break_on` breakpoints. The
widgets are imported only when something is shown, and `tapeviz/__init__.py` imports this
module only when the extension is loaded, so `import tapeviz` never imports IPython.
`%unload_ext tapeviz` removes the magics, the event hook, the breakpoints the magics set
and stops a training run they started.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import re
import weakref

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from .debugger import breakpoint as _breakpoints
from .debugger.recorder import Recorder
from .ops.registry import REGISTRY
from .tape import GradientTape

RUNNER_NAME = "_tapeviz_runner"   # where %tapeviz_train leaves its Runner in the user namespace
_KEYWORD = re.compile(r"^([A-Za-z_]\w*)=(?!=)(.*)$", re.S)   # key=value, not key==value
_CRITERIA = ("op", "kind", "layer", "file", "line", "phase")


def _parse(magic, line: str, name: str) -> argparse.Namespace:
    """argparse's verdict on `line`, with the magic's name and usage in any error."""
    try:
        return parse_argstring(magic, line)
    except UsageError as error:
        usage = " ".join(magic.parser.format_usage().replace("::", "").split())
        raise UsageError(f"{name}: {error}\nusage: {usage}") from None


@magics_class
class TapevizMagics(Magics):
    """The magics `%load_ext tapeviz` registers, and what they remember between cells."""

    def __init__(self, shell):
        super().__init__(shell)
        self.last = None               # what `%tapeviz` with no argument shows
        self.set_breakpoints: list = []   # set by %tapeviz_break: cleared at unload
        self.runner = None             # the Runner %tapeviz_train started last
        self.dashboard = None          # ... and its Dashboard (subscribed until detached)
        self._numbers = weakref.WeakKeyDictionary()   # Breakpoint -> its number in --list
        self._next_number = 1
        self._tapes = self._bound_tapes()   # name -> id of the GradientTape bound there
        self._recorded_cell = False    # the cell that just ran was a %%tapeviz cell

    # ---- %%tapeviz ----------------------------------------------------------------------
    @magic_arguments("%tapeviz")
    @argument("--max-nodes", type=int, default=300, metavar="N",
              help="Lay out at most about N nodes; larger steps open collapsed by layer "
                   "(default 300).")
    @argument("--all", action="store_true",
              help="Also draw the ops run inside the backward pass (phase 'backward').")
    @argument("--no-show", action="store_true", help="Record only; show nothing.")
    @argument("--name", metavar="VAR",
              help="Also store the Recorder in the user namespace as VAR.")
    @cell_magic("tapeviz")
    def tapeviz_cell(self, line: str, cell: str):
        """Run the cell with a tapeviz Recorder on and show the tape widget for what it did.

        Every op the cell runs is recorded, grouped into steps (a step ends at each
        `tape.gradient`); the widget opens on the last step, with a slider over the others.
        An error in the cell propagates as usual: what ran until then is still recorded,
        shown and kept (`%tapeviz` with no argument shows it again). The value of the
        cell's last expression is returned, as for any cell.

        Example::

            In [1]: %%tapeviz --name rec
               ...: with tf.GradientTape() as tape:
               ...:     loss = tf.reduce_sum(tf.matmul(x, w))
               ...: grad = tape.gradient(loss, w)

            In [2]: [op.op for op in rec.last_step.ops]
            Out[2]: ['matmul', 'reduce_sum', ...]
        """
        __tracebackhide__ = True   # the user's traceback starts in their cell
        args = _parse(self.tapeviz_cell, line, "%%tapeviz")
        if args.max_nodes < 1:
            raise UsageError("%%tapeviz: --max-nodes must be a positive number of nodes")
        if args.name is not None and not args.name.isidentifier():
            raise UsageError(f"%%tapeviz: --name wants a Python identifier; got {args.name!r}")
        recorder = Recorder(split="gradient")
        recorder.start()
        try:
            return self._run_cell(cell)
        finally:
            recorder.stop()
            self.last, self._recorded_cell = recorder, True
            if args.name is not None:
                self.shell.user_ns[args.name] = recorder
            if not args.no_show:
                self._show_recording(recorder, args)

    def _run_cell(self, cell: str):
        """Run `cell` in the user namespace; returns its last expression's value, if any."""
        __tracebackhide__ = True
        code = self.shell.transform_cell(cell)
        # cached in linecache, so tracebacks and the recorded source lines show the code
        filename = self.shell.compile.cache(code, self.shell.execution_count, raw_code=cell)
        tree = ast.parse(code, filename)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        namespace = self.shell.user_ns
        exec(compile(tree, filename, "exec"), self.shell.user_global_ns, namespace)
        if last is not None:
            return eval(compile(last, filename, "eval"), self.shell.user_global_ns, namespace)
        return None

    def _show_recording(self, recorder: Recorder, args) -> None:
        if not len(recorder):
            print("%%tapeviz: the cell ran no tapeviz ops; nothing to show.")
            return
        from .viz.widget import TapeWidget
        phases = ("forward", "backward") if args.all else ("forward",)
        display(TapeWidget(recorder, max_nodes=args.max_nodes, phases=phases))

    # ---- %tapeviz -----------------------------------------------------------------------
    @magic_arguments("tapeviz")
    @argument("source", nargs="*",
              help="An expression for a GradientTape, Recorder, RecordedStep, BackwardStepper "
                   "or list of Nodes (default: the last %%%%tapeviz recording, or else the "
                   "tape a cell last bound to a name).")
    @argument("--step", type=int, metavar="N",
              help="For a Recorder: open on its kept step N (negative counts from the end).")
    @argument("--svg", action="store_true", help="Display a static SVG instead of the widget.")
    @argument("--max-nodes", type=int, default=300, metavar="N",
              help="Lay out at most about N nodes (default 300).")
    @line_magic("tapeviz")
    def tapeviz_line(self, line: str):
        """Show a tape or a recording: the widget, or with --svg a static picture.

        With no expression it shows the last recording `%%tapeviz` made or, if a cell bound
        a GradientTape to a name more recently, that tape.

        Example::

            In [1]: with tf.GradientTape() as tape:
               ...:     y = tf.reduce_sum(x * x)

            In [2]: %tapeviz tape --svg

            In [3]: %tapeviz rec --step -2
        """
        args = _parse(self.tapeviz_line, line, "%tapeviz")
        if args.max_nodes < 1:
            raise UsageError("%tapeviz: --max-nodes must be a positive number of nodes")
        expression = " ".join(args.source).strip()
        if expression:
            source = self.shell.ev(expression)
        elif self.last is not None:
            source = self.last
        else:
            raise UsageError("%tapeviz: nothing to show yet; run a cell under %%tapeviz, "
                             "or name what to show: %tapeviz tape")
        _check_source(source, expression or "the last recording")
        step = None if args.step is None else _step_index(source, args.step)
        if args.svg:
            if step is not None:
                source = source.steps[step]
            from IPython.display import SVG

            from .viz.export import to_svg
            display(SVG(to_svg(source, max_nodes=args.max_nodes)))
            return
        from .viz.widget import TapeWidget
        widget = TapeWidget(source, max_nodes=args.max_nodes)
        if step is not None:
            widget.show_step(step)
        display(widget)

    # ---- %tapeviz_train -----------------------------------------------------------------
    @magic_arguments()
    @argument("--pause", action="store_true",
              help="Pause at the first op; step or resume it from the dashboard.")
    @argument("--max-rate", type=float, default=10.0, metavar="R",
              help="Update the dashboard at most R times a second (default 10).")
    @argument("fn", help="The training function: a callable in the user namespace.")
    @argument("args", nargs=argparse.REMAINDER,
              help="Its arguments, each a Python expression evaluated in the user "
                   "namespace (quote one that holds spaces); NAME=EXPR passes a keyword.")
    @line_magic("tapeviz_train")
    def tapeviz_train(self, line: str):
        """Train in the background under the debugger's Runner, with the live dashboard.

        Calls `fn(*args, **kwargs)` in a background thread, displays the Dashboard (loss
        curve, gradient norms, the current step's tape; Pause, Step, Resume, Stop) and
        returns at once, so the kernel stays free. The Runner is stored in the user
        namespace as `_tapeviz_runner` (`.join(timeout)`, `.result`, `.stop()`). Options
        go before `fn`; everything after it is passed to `fn`.

        Example::

            In [1]: %tapeviz_train --max-rate 5 train model dataset epochs=2

            In [2]: _tapeviz_runner.join(60); _tapeviz_runner.result
        """
        args = _parse(self.tapeviz_train, line, "%tapeviz_train")
        if args.max_rate <= 0:
            raise UsageError("%tapeviz_train: --max-rate must be a positive number per second")
        if self.runner is not None and self.runner.state in ("running", "paused"):
            raise UsageError(f"%tapeviz_train: {self.runner.name!r} is still {self.runner.state};"
                             f" stop it first: {RUNNER_NAME}.stop()")
        fn = self.shell.ev(args.fn)
        if not callable(fn):
            raise UsageError(f"%tapeviz_train: expected a training function; {args.fn!r} is "
                             f"a {type(fn).__name__}")
        positional, keywords = [], {}
        for token in args.args:
            keyword = _KEYWORD.match(token)
            if keyword:
                keywords[keyword.group(1)] = self.shell.ev(keyword.group(2))
            else:
                positional.append(self.shell.ev(token))
        from .debugger.runner import Runner
        from .viz.dashboard import Dashboard
        runner = Runner(fn, *positional, **keywords)
        if args.pause:
            runner.pause()          # before start: at the very first op
        if self.dashboard is not None:
            self.dashboard.detach()  # the last run's dashboard keeps its final picture
        self.dashboard = Dashboard(runner, max_rate=args.max_rate)
        self.runner = runner
        self.shell.user_ns[RUNNER_NAME] = runner
        display(self.dashboard)
        runner.start()

    # ---- %tapeviz_break -----------------------------------------------------------------
    @magic_arguments()
    @argument("criteria", nargs="*", metavar="KEY=VALUE",
              help="What to stop on, all of them at once: op=NAME[,NAME...], "
                   "kind=KIND[,KIND...], layer=PATH, file=FILE, line=N, "
                   "phase=forward|backward|vjp.")
    @argument("--nan", action="store_true", help="Only when the output has a NaN or Inf.")
    @argument("--once", action="store_true", help="Remove the breakpoint after its first hit.")
    @argument("--action", choices=_breakpoints.ACTIONS,
              help="Where no debugger can take input: raise BreakpointError (default) or "
                   "record the hit and continue.")
    @argument("--list", action="store_true", help="List the breakpoints (also with no input).")
    @argument("--clear", nargs="?", const="all", metavar="N",
              help="Remove breakpoint N, or all of them.")
    @argument("--disable", type=int, metavar="N", help="Stop breakpoint N from matching.")
    @argument("--enable", type=int, metavar="N", help="Let breakpoint N match again.")
    @line_magic("tapeviz_break")
    def tapeviz_break(self, line: str):
        """Stop in a debugger when a matching op runs (tapeviz.debugger.break_on).

        The criteria combine: every one given must match. A hit opens the debugger that fits
        (IPython's in a notebook); `node`, `tape`, `nextop` and `nextvjp` work at its
        prompt. Breakpoints are numbered as `--list` shows them.

        Example::

            In [1]: %tapeviz_break op=log

            In [2]: %tapeviz_break layer=sequential/dense phase=backward --nan

            In [3]: %tapeviz_break file=train.py line=12 --once --action continue

            In [4]: %tapeviz_break --list
             #  state    criteria          action  hits
             1  enabled  op=log            raise   0
             ...

            In [5]: %tapeviz_break --clear 1
        """
        args = _parse(self.tapeviz_break, line, "%tapeviz_break")
        managing = [flag for flag, value in (("--list", args.list), ("--clear", args.clear),
                    ("--disable", args.disable), ("--enable", args.enable))
                    if value is not None and value is not False]
        setting = bool(args.criteria or args.nan or args.once or args.action)
        if len(managing) > 1 or (managing and setting):
            raise UsageError("%tapeviz_break: use one of --list, --clear, --disable, --enable "
                             f"at a time, and without criteria; got {line.strip()!r}")
        if args.clear is not None:
            targets = list(_breakpoints.breakpoints()) if args.clear == "all" \
                else [self._numbered(args.clear, "--clear")]
            for bp in targets:
                bp.clear()
            return
        if args.disable is not None:
            self._numbered(args.disable, "--disable").disable()
            return
        if args.enable is not None:
            self._numbered(args.enable, "--enable").enable()
            return
        if args.list or not setting:
            print(self._table())
            return
        criteria = _criteria_from(args.criteria)
        try:
            bp = _breakpoints.break_on(nan=args.nan, once=args.once, action=args.action,
                                       **criteria)
        except (ValueError, TypeError) as error:
            raise UsageError(f"%tapeviz_break: {error}") from None
        self.set_breakpoints.append(bp)
        print(f"Breakpoint {self._number(bp)}: {_describe(bp)}")

    def _number(self, bp) -> int:
        if bp not in self._numbers:
            self._numbers[bp] = self._next_number
            self._next_number += 1
        return self._numbers[bp]

    def _numbered(self, number, flag: str):
        """The breakpoint listed as `number`, or a UsageError naming the ones there are."""
        listed = {self._number(bp): bp for bp in _breakpoints.breakpoints()}
        try:
            return listed[int(number)]
        except (KeyError, ValueError):
            there = ", ".join(map(str, sorted(listed))) or "none are set"
            raise UsageError(f"%tapeviz_break {flag}: no breakpoint {number!r}; "
                             f"the numbers are: {there}") from None

    def _table(self) -> str:
        rows = sorted((self._number(bp), bp) for bp in _breakpoints.breakpoints())
        if not rows:
            return "No breakpoints. Set one with: %tapeviz_break op=NAME"
        table = [("#", "state", "criteria", "action", "hits")]
        table += [(str(n), "enabled" if bp.enabled else "disabled", _describe(bp), bp.action,
                   str(len(bp.hits))) for n, bp in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                         for row in table)

    # ---- the post-run hook --------------------------------------------------------------
    def post_run_cell(self, result) -> None:
        """Remember the GradientTape a cell bound to a name last, for a bare `%tapeviz`."""
        tapes = self._bound_tapes()
        fresh = [name for name, ident in tapes.items() if self._tapes.get(name) != ident]
        self._tapes = tapes
        if fresh and not self._recorded_cell:   # a %%tapeviz cell's recording wins
            self.last = self.shell.user_ns[fresh[-1]]
        self._recorded_cell = False

    def _bound_tapes(self) -> dict:
        return {name: id(value) for name, value in self.shell.user_ns.items()
                if isinstance(value, GradientTape) and not name.startswith("_")}


# ---- helpers ------------------------------------------------------------------------------
def _check_source(source, what: str) -> None:
    from .debugger.history import RecordedStep
    from .debugger.stepper import BackwardStepper
    if isinstance(source, (GradientTape, Recorder, RecordedStep, BackwardStepper)):
        return
    if isinstance(source, list) and all(hasattr(node, "op") for node in source):
        return
    raise UsageError(f"%tapeviz: {what} is a {type(source).__name__}; expected a GradientTape, "
                     f"Recorder, RecordedStep, BackwardStepper or a list of Nodes")


def _step_index(source, step: int) -> int:
    """The position in `source.steps` of `--step step`, or a UsageError."""
    if not isinstance(source, Recorder):
        raise UsageError(f"%tapeviz: --step picks a step of a Recorder; got a "
                         f"{type(source).__name__}")
    steps = source.steps
    if not -len(steps) <= step < len(steps):
        raise UsageError(f"%tapeviz: --step {step}: the recorder keeps {len(steps)} steps "
                         f"(0 to {len(steps) - 1}, or negative from the end)")
    return step % len(steps)


def _criteria_from(pairs: list) -> dict:
    """`["op=log,exp", "line=12"]` -> `{"op": ["log", "exp"], "line": 12}`, or a UsageError."""
    criteria = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not value or key not in _CRITERIA:
            raise UsageError(f"%tapeviz_break: expected KEY=VALUE with KEY one of "
                             f"{', '.join(_CRITERIA)}; got {pair!r}")
        if key in criteria:
            raise UsageError(f"%tapeviz_break: {key}= given twice")
        if key == "line":
            if not value.isdigit():
                raise UsageError(f"%tapeviz_break: line= wants a line number; got {value!r}")
            criteria[key] = int(value)
        elif key == "phase" and value not in _breakpoints.PHASES:
            raise UsageError(f"%tapeviz_break: phase= wants forward, backward or vjp; "
                             f"got {value!r}")
        elif key in ("op", "kind"):
            criteria[key] = [_known(key, name) for name in value.split(",")]
        else:
            criteria[key] = value
    return criteria


def _known(key: str, name: str) -> str:
    known = sorted(REGISTRY) if key == "op" else sorted({op.kind for op in REGISTRY.values()})
    if name in known:
        return name
    close = difflib.get_close_matches(name, known, n=3)
    if close:
        hint = f"; did you mean {' or '.join(close)}?"
    else:
        hint = f"; the {key}s are: {', '.join(known)}" if key == "kind" else ""
    what = "op named" if key == "op" else "op kind"
    raise UsageError(f"%tapeviz_break: no {what} {name!r}{hint}")


def _describe(bp) -> str:
    parts = [f"{key}={','.join(sorted(value)) if isinstance(value, frozenset) else value}"
             for key in _CRITERIA if (value := getattr(bp, key)) is not None]
    parts += [flag for flag in ("nan", "once") if getattr(bp, flag)]
    if bp.condition is not None:
        parts.append("condition")
    return " ".join(parts) or "any op"


# ---- loading and unloading ----------------------------------------------------------------
_loaded: dict = {}   # id(shell) -> its TapevizMagics


def load_ipython_extension(shell) -> None:
    """Register the tapeviz magics and the post-run hook on `shell` (`%load_ext tapeviz`)."""
    magics = TapevizMagics(shell)
    shell.register_magics(magics)
    shell.events.register("post_run_cell", magics.post_run_cell)
    _loaded[id(shell)] = magics


def unload_ipython_extension(shell) -> None:
    """Remove all `load_ipython_extension` added: magics, hook, breakpoints, a live run."""
    magics = _loaded.pop(id(shell), None)
    if magics is None:
        return
    shell.events.unregister("post_run_cell", magics.post_run_cell)
    manager = shell.magics_manager
    for kind, names in magics.magics.items():
        for name in names:
            if getattr(manager.magics[kind].get(name), "__self__", None) is magics:
                del manager.magics[kind][name]
    manager.registry.pop(type(magics).__name__, None)
    for bp in magics.set_breakpoints:
        bp.clear()
    runner = magics.runner
    if runner is not None and runner.state in ("running", "paused"):
        runner.stop()
        runner.join(5.0)
    if magics.dashboard is not None:
        magics.dashboard.detach()
    if shell.user_ns.get(RUNNER_NAME) is runner:
        shell.user_ns.pop(RUNNER_NAME, None)
