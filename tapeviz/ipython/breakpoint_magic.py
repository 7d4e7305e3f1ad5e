"""`%tapeviz_break`: breakpoints (`tapeviz.debugger.break_on`) set, listed and cleared from
a notebook.

Criteria come as KEY=VALUE pairs checked against the op registry, flags through
`IPython.core.magic_arguments`; bad input is a UsageError that names the magic and what
was expected. Breakpoints get stable numbers, pdb-style, the first time the magic sees
them (including those set with `break_on` in code); the ones the magic set are cleared
when the extension is unloaded.
"""
from __future__ import annotations

import difflib
import sys
import warnings
import weakref

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..debugger import breakpoint as _breakpoints
from ..errors import OpError
from ..ops.registry import REGISTRY
from ..sourceinfo import SourceInfo
from .magic import parse_magic_line

_CRITERIA = ("op", "kind", "layer", "file", "line", "phase")


@magics_class
class BreakpointMagics(Magics):
    """`%tapeviz_break`, with the numbers it gave breakpoints and the ones it set."""

    def __init__(self, shell):
        super().__init__(shell)
        self.set_breakpoints: list = []   # cleared at unload
        self._numbers = weakref.WeakKeyDictionary()   # Breakpoint -> its number in --list
        self._next_number = 1

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

            In [2]: %tapeviz_break layer=sequential/dense phase=vjp --nan

            In [3]: %tapeviz_break file=train.py line=12 --once --action continue

            In [4]: %tapeviz_break --list
             #  state    criteria          action  hits
             1  enabled  op=log            raise   0
             ...

            In [5]: %tapeviz_break --clear 1
        """
        args = parse_magic_line(self.tapeviz_break, line, "%tapeviz_break")
        if args is None:
            return None
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
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always")
                bp = _breakpoints.break_on(nan=args.nan, once=args.once, action=args.action,
                                           **criteria)
        except (ValueError, TypeError) as error:
            # an OpError's text ends with the line that called break_on: IPython's, here
            said = f"{error.op}: {error.detail}" + (f"; {error.hint}" if error.hint else "") \
                if isinstance(error, OpError) else str(error)
            raise UsageError(f"%tapeviz_break: {said}") from None
        for warning in said:   # warned from the line that called break_on: IPython's, here
            print(f"%tapeviz_break: {warning.message}", file=sys.stderr)
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


def _criteria_from(pairs: list) -> dict:
    """`["op=log,exp", "line=12"]` -> `{"op": ["log", "exp"], "line": 12}`, or a UsageError."""
    criteria = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not value or key not in _CRITERIA:
            ops = difflib.get_close_matches(pair, sorted(REGISTRY), n=1) if not sep else []
            meant = f"; did you mean op={ops[0]}?" if ops else ""   # an op's name alone
            raise UsageError(f"%tapeviz_break: expected KEY=VALUE with KEY one of "
                             f"{', '.join(_CRITERIA)}; got {pair!r}{meant}")
        if key in criteria:
            raise UsageError(f"%tapeviz_break: {key}= given twice")
        if key == "line":
            if not value.isdigit():
                raise UsageError(f"%tapeviz_break: line= wants a line number; got {value!r}")
            criteria[key] = int(value)
        elif key == "phase" and value not in _breakpoints.PHASES:
            raise UsageError(f"%tapeviz_break: phase= wants forward, backward or vjp; "
                             f"got {value!r}")
        elif key in ("op", "kind"):   # names checked by break_on, which knows every engine's
            criteria[key] = value.split(",")
        else:
            criteria[key] = value
    return criteria


def _describe(bp) -> str:
    """The breakpoint's criteria; a file and line as the user knows the place (a notebook
    cell's `Cell In[3], line 2`, not the kernel's temp file)."""
    placed = bp.file is not None and bp.line is not None
    parts = [f"{key}={','.join(sorted(value)) if isinstance(value, frozenset) else value}"
             for key in _CRITERIA if (value := getattr(bp, key)) is not None
             and not (placed and key in ("file", "line"))]
    if placed:
        parts.append(f"at {SourceInfo(bp.file, bp.line, '').location}")
    parts += [flag for flag in ("nan", "once") if getattr(bp, flag)]
    if bp.condition is not None:
        parts.append("condition")
    return " ".join(parts) or "any op"
