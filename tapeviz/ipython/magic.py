"""The display and training magics: `%%tapeviz`, `%tapeviz` and `%tapeviz_train`.

`%%tapeviz` runs a cell under a `debugger.Recorder` and shows the `TapeWidget` for what it
did; `%tapeviz` shows a tape or recording (by default the last recording, or the tape a
cell last bound to a name, which the post-run hook notes); `%tapeviz_train` runs a
training function under the debugger's `Runner` with the live `Dashboard`, leaving the
kernel free. The widgets are imported only when something is shown.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import re
import sys

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from .. import events
from ..debugger.recorder import Recorder
from ..errors import OpError
from ..tape import GradientTape
from .train_line import training_function
from ..statements import parse_source

RUNNER_NAME = "_tapeviz_runner"   # where %tapeviz_train leaves its Runner in the user namespace
_KEYWORD = re.compile(r"^([A-Za-z_]\w*)=(?!=)(.*)$", re.S)   # key=value, not key==value


def parse_magic_line(magic, line: str, name: str) -> argparse.Namespace | None:
    """argparse's verdict on `line`, with the magic's name, the option likely meant for an
    unknown one (`--nodes`: `--max-nodes`) and the usage in any error; None after printing
    the magic's help for `--help` or `-h` (IPython's parsers have no help option)."""
    if line.split()[:1] in (["-h"], ["--help"]):
        print(magic.__doc__.removeprefix("::").strip())
        return None
    try:
        return parse_argstring(magic, line)
    except UsageError as error:
        usage = " ".join(magic.parser.format_usage().replace("::", "").split())
        known = [option for action in magic.parser._actions
                 for option in action.option_strings]
        unknown = [token for token in line.split() if token.startswith("-")
                   and token.split("=")[0] not in known and token in str(error)]
        meant = [close[0] for token in unknown
                 if (close := difflib.get_close_matches(token.split("=")[0], known, n=1))]
        hint = f"; did you mean {' and '.join(meant)}?" if meant else ""
        raise UsageError(f"{name}: {error}{hint}\nusage: {usage}") from None


@magics_class
class TapevizMagics(Magics):
    """`%%tapeviz`, `%tapeviz`, `%tapeviz_train`, and what they remember between cells."""

    def __init__(self, shell):
        super().__init__(shell)
        self.last = None               # what `%tapeviz` with no argument shows
        self.runner = None             # the Runner %tapeviz_train started last
        self.dashboard = None          # ... and its Dashboard (subscribed until detached)
        self._tapes = self._bound_tapes()   # name -> id of the tape bound there
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
    @argument("--torch", action="store_true",
              help="Record the cell's PyTorch ops too (tapeviz.torch; pip install "
                   "\"tapeviz[torch]\"): a step ends at each backward().")
    @cell_magic("tapeviz")
    def tapeviz_cell(self, line: str, cell: str):
        """Run the cell with a tapeviz Recorder on and show the tape widget for what it did.

        Every op the cell runs is recorded, grouped into steps (a step ends at each
        `tape.gradient`); the widget opens on the last step, with a slider over the others.
        With `--torch` the cell's PyTorch ops are recorded the same way (a step ends at each
        `loss.backward()`; the optimizer's update joins the step it ends), grouped by module.
        An error in the cell propagates as usual: what ran until then is still recorded,
        shown and kept (`%tapeviz` with no argument shows it again), and an op that
        raised is drawn after it, in red, with its inputs' shapes, message and line. The
        value of the cell's last expression is returned, as for any cell.

        Example::

            In [1]: %%tapeviz --name rec
               ...: with tf.GradientTape() as tape:
               ...:     loss = tf.reduce_sum(tf.matmul(x, w))
               ...: grad = tape.gradient(loss, w)

            In [2]: [op.op for op in rec.last_step.ops]
            Out[2]: ['matmul', 'reduce_sum', ...]

            In [3]: %%tapeviz --torch
               ...: loss = F.cross_entropy(model(images), labels)
               ...: loss.backward()
        """
        __tracebackhide__ = True   # the user's traceback starts in their cell
        args = parse_magic_line(self.tapeviz_cell, line, "%%tapeviz")
        if args is None:
            return None
        if args.max_nodes < 1:
            raise UsageError("%%tapeviz: --max-nodes must be a positive number of nodes")
        if args.name is not None and not args.name.isidentifier():
            raise UsageError(f"%%tapeviz: --name wants a Python identifier; got {args.name!r}")
        if args.torch:
            _load_torch_adapter()   # it hears torch ops while the Recorder listens
        body, last = self._compiled(cell)   # a SyntaxError is raised before anything runs
        recorder = Recorder(split="gradient")
        recorder.start()
        failure = None
        try:
            return self._run(body, last)
        except Exception as error:   # a torch call's failure, kept as an OpError (error_notes)
            failure = error if isinstance(error, OpError) else getattr(error, "tapeviz_failure",
                                                                       None)
            raise
        finally:
            recorder.stop()
            self.last, self._recorded_cell = recorder, True
            if args.name is not None:
                self.shell.user_ns[args.name] = recorder
            if not args.no_show:
                self._show_recording(recorder, args, failure)

    def _compiled(self, cell: str):
        """`cell` compiled: its body, and its last expression (None if it ends otherwise)."""
        __tracebackhide__ = True
        code = self.shell.transform_cell(cell)
        # cached in linecache under the cell's own number, so tracebacks and the recorded
        # source lines show the code and name it `Cell In[n]` as the cell's prompt does
        filename = self.shell.compile.cache(code, self._running_cell_number(), raw_code=cell)
        tree = parse_source(code, filename)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = compile(ast.Expression(tree.body.pop().value), filename, "eval")
        return compile(tree, filename, "exec"), last

    def _run(self, body, last):
        """Run a compiled cell in the user namespace; returns its last expression's value."""
        __tracebackhide__ = True
        namespace = self.shell.user_ns
        exec(body, self.shell.user_global_ns, namespace)
        if last is not None:
            return eval(last, self.shell.user_global_ns, namespace)
        return None

    def _running_cell_number(self) -> int:
        """The In[n] of the cell that runs this magic: the number IPython compiled the
        calling cell's code under (`execution_count` has moved on by then when the cell is
        stored in the history, as in a kernel)."""
        numbers = self.shell.compile._filename_map
        frame = sys._getframe(1)
        while frame is not None:
            number = numbers.get(frame.f_code.co_filename)
            if number is not None:
                return number
            frame = frame.f_back
        return self.shell.execution_count

    def _show_recording(self, recorder: Recorder, args, failure=None) -> None:
        if not len(recorder) and failure is None:
            ran = "PyTorch" if args.torch else "tapeviz"
            print(f"%%tapeviz: the cell ran no {ran} ops; nothing to show.")
            return
        from ..viz.widget import TapeWidget
        phases = ("forward", "backward") if args.all else ("forward",)
        display(TapeWidget(recorder, max_nodes=args.max_nodes, phases=phases, failure=failure))

    # ---- %tapeviz -----------------------------------------------------------------------
    @magic_arguments("tapeviz")
    @argument("source", nargs="*", metavar="EXPR",
              help="An expression for a GradientTape, Recorder, RecordedStep, BackwardStepper "
                   "or list of Nodes (default: the last %%%%tapeviz recording, or else the "
                   "tape a cell last bound to a name).")
    @argument("--step", type=int, metavar="N",
              help="For a Recorder: open on its step N, numbered from 1 as the widget's title "
                   "names it ('step 3 of 3'); negative counts back from the last kept step.")
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
        args = parse_magic_line(self.tapeviz_line, line, "%tapeviz")
        if args is None:
            return None
        if args.max_nodes < 1:
            raise UsageError("%tapeviz: --max-nodes must be a positive number of nodes")
        expression = " ".join(args.source).strip()
        if expression:
            source = _evaluated(self.shell, "%tapeviz", expression)
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

            from ..viz.export import to_svg
            display(SVG(to_svg(source, max_nodes=args.max_nodes)))
            return
        from ..viz.widget import TapeWidget
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
    @argument("fn", help="The training function: a callable in the user namespace, or a "
                         "call that makes one, make_train(model), evaluated once here.")
    @argument("args", nargs=argparse.REMAINDER,
              help="Its arguments, each a Python expression evaluated in the user "
                   "namespace (quote one that holds spaces); NAME=EXPR passes a keyword.")
    @line_magic("tapeviz_train")
    def tapeviz_train(self, line: str):
        """Train in the background under the debugger's Runner, with the live dashboard.

        Calls `fn(*args, **kwargs)` in a background thread, displays the Dashboard (loss
        curve, gradient norms, the current step's tape; Pause, Step, Resume, Stop) and
        returns at once, so the kernel stays free. The Runner is stored in the user
        namespace as `_tapeviz_runner` (`await .wait()`, which keeps the dashboard's
        buttons answering, `.result`, `.stop()`). Options go before `fn`; everything after
        it is passed to `fn`. `fn` may be a call of a function that makes the training
        function, `make_train(model)`, when its source returns a function it defines; a call
        of the training itself, `train(model)`, would run it here, and is refused unrun.

        Example::

            In [1]: %tapeviz_train --max-rate 5 train model dataset epochs=2

            In [2]: await _tapeviz_runner.wait()
        """
        if not line.split("#")[0].strip():   # argparse would ask for "fn, args"
            raise UsageError("%tapeviz_train: name the training function to run: "
                             "%tapeviz_train train, or %tapeviz_train train model epochs=2 "
                             "to pass it arguments")
        args = parse_magic_line(self.tapeviz_train, line, "%tapeviz_train")
        if args is None:
            return None
        if args.max_rate <= 0:
            raise UsageError("%tapeviz_train: --max-rate must be a positive number per second")
        if self.runner is not None and self.runner.state in ("running", "paused"):
            raise UsageError(f"%tapeviz_train: {self.runner.name!r} is still {self.runner.state};"
                             f" stop it first: {RUNNER_NAME}.stop()")
        expression, arguments = training_function(self.shell, args.fn, args.args)
        fn = _evaluated(self.shell, "%tapeviz_train", expression)
        positional, keywords = [], {}
        for token in arguments:
            keyword = _KEYWORD.match(token)
            if keyword:
                keywords[keyword.group(1)] = _evaluated(self.shell, "%tapeviz_train",
                                                        keyword.group(2))
            else:
                positional.append(_evaluated(self.shell, "%tapeviz_train", token))
        from ..debugger.runner import Runner
        from ..viz.dashboard import Dashboard
        try:
            runner = Runner.made_by("%tapeviz_train", fn, tuple(positional), keywords)
        except OpError as error:   # fn refused (its arguments, a generator): not in the thread
            hint = f"\nhint: {error.hint}" if error.hint else ""
            raise UsageError(f"%tapeviz_train: {error.detail}{hint}") from None
        if args.pause:
            runner.pause()          # before start: at the very first op
        if self.dashboard is not None:
            self.dashboard.detach()  # the last run's dashboard keeps its final picture
        self.dashboard = Dashboard(runner, max_rate=args.max_rate)
        self.runner = runner
        self.shell.user_ns[RUNNER_NAME] = runner
        display(self.dashboard)
        runner.start()

    # ---- the run hooks ------------------------------------------------------------------
    def pre_run_cell(self, info) -> None:
        """Before a cell: what a training run that ended in the background hooked into this
        thread goes (a Pause clicked here subscribed here; torch's modes are per thread)."""
        events.settle_thread()

    def post_run_cell(self, result) -> None:
        """Remember the tape a cell bound to a name last, for a bare `%tapeviz`."""
        tapes = self._bound_tapes()
        fresh = [name for name, ident in tapes.items() if self._tapes.get(name) != ident]
        self._tapes = tapes
        if fresh and not self._recorded_cell:   # a %%tapeviz cell's recording wins
            self.last = self.shell.user_ns[fresh[-1]]
        self._recorded_cell = False

    def _bound_tapes(self) -> dict:
        """name -> id of each GradientTape, or tapeviz.torch tape once that is imported."""
        torch_tape = getattr(sys.modules.get("tapeviz.torch.tape"), "TorchTape", None)
        kinds = GradientTape if torch_tape is None else (GradientTape, torch_tape)
        return {name: id(value) for name, value in self.shell.user_ns.items()
                if isinstance(value, kinds) and not name.startswith("_")}


# ---- helpers ------------------------------------------------------------------------------
def _evaluated(shell, magic: str, expression: str):
    """`expression` evaluated in the user namespace; a name not defined yet or text that is
    no expression is a UsageError naming the magic (IPython's own traceback of the magic's
    eval named neither, and said 'Could not get source')."""
    try:
        return shell.ev(expression)
    except NameError as error:
        names = [name for name in shell.user_ns if not name.startswith("_")]
        close = difflib.get_close_matches(getattr(error, "name", None) or "", names, n=1)
        meant = f"; did you mean {close[0]!r}?" if close else \
            "; run the cell that defines it first, or check its spelling"
        raise UsageError(f"{magic}: {error} (in {expression!r}){meant}") from None
    except SyntaxError as error:
        raise UsageError(f"{magic}: {expression!r} is not a Python expression ({error.msg}); "
                         f"quote an argument that holds spaces") from None


def _load_torch_adapter() -> None:
    try:
        import tapeviz.torch  # noqa: F401
    except ImportError as error:
        raise UsageError(f"%%tapeviz --torch: {error}") from None


def _check_source(source, what: str) -> None:
    from ..debugger.history import RecordedStep
    from ..debugger.stepper import BackwardStepper
    from ..viz.scene import _other_engines_tape   # (the widget takes what it takes)
    if getattr(source, "freed", False):   # said here, not from inside IPython's run_line_magic
        raise UsageError(f"%tapeviz: {what} is a GradientTape that gradient() consumed: it "
                         f"freed its ops\nhint: use GradientTape(persistent=True), show it "
                         f"before calling gradient(), or run the cell under %%tapeviz")
    if isinstance(source, (GradientTape, Recorder, RecordedStep, BackwardStepper)) \
            or _other_engines_tape(source):
        return
    if isinstance(source, list) and all(hasattr(node, "op") for node in source):
        return
    raise UsageError(f"%tapeviz: {what} is a {type(source).__name__}; expected a GradientTape, "
                     f"Recorder, RecordedStep, BackwardStepper, a list of Nodes or a "
                     f"tapeviz.torch tape")


def _step_index(source, step: int) -> int:
    """The position in `source.steps` of `--step step` (a step's number, or negative from
    the end), or a UsageError."""
    if not isinstance(source, Recorder):
        raise UsageError(f"%tapeviz: --step picks a step of a Recorder; got a "
                         f"{type(source).__name__}")
    steps = source.steps
    if step < 0 and -step <= len(steps):
        return len(steps) + step
    numbers = [kept.number for kept in steps]
    if step in numbers:
        return numbers.index(step)
    kept = f"steps {numbers[0]} to {numbers[-1]}" if numbers else "no steps"
    raise UsageError(f"%tapeviz: --step {step}: the recorder keeps {kept} (numbered as the "
                     f"widget's title numbers them), or -1 to -{len(steps)} from the end")
