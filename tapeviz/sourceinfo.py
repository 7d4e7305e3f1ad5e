"""Find the user's line cheaply: the first caller outside the tapeviz package.

Used by dispatch (only when someone records) and by error messages. The walk up
`sys._getframe` looks each frame's file up in a cache of "is this tapeviz's own" (a file
name's hash is kept in the string: no call per frame; hashing a code object costs up to
~0.2 us, and `id()` allocates an int and raises an audit event), and the user's line is
interned per (id(code), instruction offset): reading `f_lineno` decodes the line table (up
to ~0.3 us) and is done once per call site. `traceback.extract_stack` costs ~10 us and
is never used on the hot path.
"""
from __future__ import annotations

import linecache
import os
import site
import sys
import sysconfig

from .statements import statement_at

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_not_user: tuple = (_PACKAGE_DIR,)   # code under these directories is never the user's line
_own: dict = {}          # the file name of each code object seen -> whether it is tapeviz's
_sites: dict = {}        # (id(code), f_lasti) -> the SourceInfo of that call site
_codes: dict = {}        # id(code) -> the code of each call site in _sites: kept alive, so
#                          no id in _sites is reused


class SourceInfo:
    """Where in user code an op was called: file, line and function.

    Interned per call site: nodes recorded at one line share one SourceInfo, so asking a
    node for its source costs nothing and nothing should modify one (but `unheard`, the
    mark the line listeners of the moment leave on a line none of them accepts).
    """

    __slots__ = ("filename", "lineno", "function", "_location", "unheard")

    def __init__(self, filename: str, lineno: int, function: str):
        self.filename = filename
        self.lineno = lineno
        self.function = function
        self._location = None
        self.unheard = None   # the mark of the line route none of whose listeners accepts
        #                       this line (routing.LineRoute.mark): one read an op tells it

    @property
    def location(self) -> str:
        """Where, as the user knows the place: `Cell In[12], line 14` for a notebook cell (as
        IPython's tracebacks say), else `path:14` with the path relative to the working
        directory when that is shorter. Every location shown to a user is this one string,
        made on first use (never on the hot path) and kept."""
        if self._location is None:
            cell = _cell_name(self.filename)
            if cell is not None:
                self._location = f"{cell}, line {self.lineno}"
            else:
                self._location = f"{_short_path(self.filename)}:{self.lineno}"
        return self._location

    @property
    def line(self) -> str:
        """The source text of the line, stripped ('' when the file is not readable)."""
        return linecache.getline(self.filename, self.lineno).strip()

    @property
    def statement(self) -> str:
        """The whole statement this line is part of, dedented (the line, when the statement
        is on one line): what is shown as the user's code."""
        return statement_at(self.filename, self.lineno)

    def placed(self) -> str:
        """'\n  at file:line in f' and the statement below it, indented: how an error or a note
        ends, as a traceback places the user's line."""
        code = self.statement
        return f"\n  at {self}" + ("\n      " + code.replace("\n", "\n      ") if code else "")

    def __str__(self) -> str:
        """The location, and the function when the line is in one."""
        inside = self.function and not self.function.startswith("<")
        return f"{self.location} in {self.function}" if inside else self.location

    def __repr__(self) -> str:
        return f"SourceInfo({self.filename!r}, {self.lineno}, {self.function!r})"

    def __eq__(self, other) -> bool:
        return (isinstance(other, SourceInfo) and self.filename == other.filename
                and self.lineno == other.lineno and self.function == other.function)

    def __hash__(self) -> int:
        return hash((self.filename, self.lineno, self.function))


def _cell_name(filename: str) -> str | None:
    """`Cell In[12]` when IPython compiled `filename` from cell 12 (the name its tracebacks
    give it), else None; IPython is asked only when already imported."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    name_of = getattr(getattr(shell, "compile", None), "format_code_name", None)
    named = name_of(filename) if name_of is not None else None
    return f"{named[0]} {named[1]}" if named else None


def _short_path(filename: str) -> str:
    """`filename` relative to the working directory when that is shorter, else as given."""
    if filename.startswith("<"):
        return filename   # <stdin>, <string>: not a file
    try:
        relative = os.path.relpath(filename)
    except ValueError:    # another drive, on Windows
        return filename
    return relative if len(relative) < len(filename) else filename


class Origin:
    """The user line every op of one backward pass shares: the line that called `gradient`
    or stepped the pass. The walk from a VJP's op stops at the frame of `code` (the
    engine's) and looks above it once, the first time an op asks. While a listener by line
    is subscribed (`find_origins_early`) every pass's ops ask, so the line is found when
    the pass starts instead: walked from the caller of the engine's `run` or `__next__`
    (which makes it through `_enter_backward_phase`), with no VJP's or engine's frames to
    pass, so every op of the pass knows it and, unheard, keeps the fast path."""

    __slots__ = ("code", "source", "found")

    def __init__(self, code):
        self.code = code
        if _early:   # frame 2 is the engine's run or __next__, always tapeviz's: start above it
            self.source, self.found = source_from(sys._getframe(3)), True
        else:
            self.source, self.found = None, False


_early = False   # whether each Origin finds its line when made (see find_origins_early)


def find_origins_early(early: bool) -> None:
    """Find each backward pass's line as the pass starts (`early`: a listener by line is
    subscribed, so the pass's first op would ask anyway) or only when an op first asks."""
    global _early
    _early = early


def user_source(depth: int = 1) -> SourceInfo | None:
    """SourceInfo of the innermost frame, starting `depth` frames up, whose code is not
    tapeviz's (None when the whole stack is tapeviz's own)."""
    return source_from(sys._getframe(depth), None)


def source_from(frame, origin: Origin | None = None) -> SourceInfo | None:
    """SourceInfo of the innermost frame from `frame` up whose code is not tapeviz's.

    With an `origin`, a walk that reaches the frame of `origin.code` returns the origin's
    line (found on the first such walk), so the frames above the backward engine are
    walked once per pass, not once per VJP op.
    """
    stop = origin.code if origin is not None else None
    own = _own
    while frame is not None:
        code = frame.f_code
        try:
            mine = own[code.co_filename]   # a subscript, not .get(): no method call per frame
        except KeyError:
            mine = _learn(code.co_filename)
        if not mine:
            source = _sites.get((id(code), frame.f_lasti))
            return source if source is not None else _intern(frame)
        if code is stop:
            if not origin.found:   # above the engine's frame: its run or __next__, then theirs
                origin.source, origin.found = source_from(frame.f_back.f_back), True
            return origin.source
        frame = frame.f_back
    return None


def refused(frame, lines) -> bool:
    """Whether the user's line of an op called from `frame` is surely one that `lines` (an
    `routing.LineRoute`) refuses: no line of its frame's code is accepted (judged once per
    code object), or its call site is interned and marked unheard. False when unsure (a
    site not seen yet, or one in code that has an accepted line): dispatch's walk decides.

    Dispatch asks this before leaving its fast path, so an op at a refused line costs this
    walk alone: no SourceInfo is built or looked up for code none of whose lines can be
    heard (a breakpoint in another file or function), and no traced path is taken. The walk
    passes the frames `source_from` passes (a VJP's op walks on past the backward engine to
    the frame whose line its pass shares: the same line); the whole stack tapeviz's is
    refused, as `source_from`'s None is.
    """
    own = _own
    while frame is not None:
        code = frame.f_code
        try:
            mine = own[code.co_filename]
        except KeyError:
            mine = _learn(code.co_filename)
        if not mine:
            key = id(code)
            try:
                refused_code = lines.codes[key]
            except KeyError:
                refused_code = lines.judge(code)
            if refused_code:
                return True
            source = _sites.get((key, frame.f_lasti))
            return source is not None and source.unheard is lines.mark
        frame = frame.f_back
    return True


def call_site_source(site: tuple) -> SourceInfo | None:
    """The SourceInfo of a call site kept as (code, instruction offset), which costs one
    tuple where the line may never be asked for (a tape's gradient call: named only if the
    tape is asked again); None for tapeviz's own code."""
    code, lasti = site
    if _is_own(code.co_filename):
        return None
    line = next((line for start, end, line in code.co_lines() if start <= lasti < end), None)
    return SourceInfo(code.co_filename, line, code.co_name) if line is not None else None


def user_frame(frame):
    """The innermost frame from `frame` up whose code is not tapeviz's (the frame of the
    line `source_from` names), or None."""
    while frame is not None:
        if not _is_own(frame.f_code.co_filename):
            return frame
        frame = frame.f_back
    return None


def runs_own_code_only(function) -> bool:
    """Whether calling `function` runs only code the walk passes (tapeviz's own): the
    function, and every function (or tuple of them) its closure holds, judged as the walk
    judges frames. A callable of another kind (a user's object, a partial) is not."""
    seen = set()
    pending = [function]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, tuple):
            pending.extend(item)
            continue
        code = getattr(item, "__code__", None)
        if code is None:
            if callable(item) and not _frameless(item):
                return False    # a user's callable object or partial: it may call theirs
            continue
        if not _is_own(code.co_filename):
            return False
        for cell in item.__closure__ or ():
            try:
                pending.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
    return True


def _frameless(item) -> bool:
    """Whether calling `item` (no `__code__`) runs no frame the walk would stop at: a
    builtin, a numpy ufunc, or a class of tapeviz, numpy or the builtins."""
    owner = item.__module__ if isinstance(item, type) else type(item).__module__
    return (owner or "").partition(".")[0] in ("builtins", "numpy", "tapeviz")


def _is_own(filename: str) -> bool:
    """Whether code in `filename` is tapeviz's own (or another excluded package's)."""
    mine = _own.get(filename)
    return _learn(filename) if mine is None else mine


def _learn(filename: str) -> bool:
    """`_is_own`, found out and remembered."""
    own = _own[filename] = filename.startswith(_not_user)
    return own


def exclude_package(directory: str) -> None:
    """Walk past code under `directory` too (the torch adapter: torch's own frames, such
    as `Module.__call__` and `F.conv2d`, are not the user's line)."""
    global _not_user
    directory = os.path.dirname(os.path.abspath(directory) + os.sep) + os.sep
    if directory not in _not_user:
        _not_user = _not_user + (directory,)
        for filename in _own:   # files seen before now are judged again
            _own[filename] = filename.startswith(_not_user)


# where installed code lives: the scheme's paths, and site's (Debian's apt packages in
# dist-packages, `pip install --user`'s user site, which the scheme does not name)
_LIBRARIES = tuple({os.path.normcase(os.path.join(os.path.abspath(path), ""))
                    for path in [*(sysconfig.get_paths()[key] for key in
                                   ("stdlib", "platstdlib", "purelib", "platlib")),
                                 *site.getsitepackages(), site.getusersitepackages(),
                                 os.path.dirname(__file__)]})
_library_files: dict = {}   # file name -> whether it is a library's (tapeviz's own included)


def in_a_library(filename: str) -> bool:
    """Whether `filename` is installed code (the standard library, a package, tapeviz), not
    the user's own script, module or notebook cell."""
    found = _library_files.get(filename)
    if found is None:
        found = _library_files[filename] = \
            os.path.normcase(os.path.abspath(filename)).startswith(_LIBRARIES)
    return found


def _intern(frame) -> SourceInfo:
    code = frame.f_code
    source = SourceInfo(code.co_filename, frame.f_lineno, code.co_name)
    _sites[id(code), frame.f_lasti] = source
    _codes[id(code)] = code
    return source
