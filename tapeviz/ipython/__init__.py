"""`%load_ext tapeviz`: the IPython extension that puts the debugger and the widgets in a
notebook.

`load_ipython_extension` registers `%%tapeviz`, `%tapeviz` and `%tapeviz_train` (magic.py)
and `%tapeviz_break` (breakpoint_magic.py), plus a post-run hook that notes the tape a cell
last bound to a name, and makes sure tensors, tapes and recordings display drawn
(display.py; importing tapeviz inside IPython already did, unless tapeviz came first).
Importing tapeviz inside IPython also offers the magics by name (`offer_magics`), so the
first `%%tapeviz` loads the extension when `%load_ext tapeviz` was forgotten.
`tapeviz/__init__.py` imports this package only inside a running IPython or when the
extension is loaded, so `import tapeviz` never imports IPython. `unload_ipython_extension`
removes the magics (and their names offered for a lazy load) and the hooks, clears the
breakpoints the magic set, stops a training run the extension started and detaches its
dashboard; the display stays, as `import tapeviz` would have left it.
"""
from .breakpoint_magic import BreakpointMagics
from .display import register_html_display
from .magic import RUNNER_NAME, TapevizMagics

_loaded: dict = {}   # id(shell) -> (TapevizMagics, BreakpointMagics) registered on it


def load_ipython_extension(shell) -> None:
    """Register the tapeviz magics and the post-run hook on `shell` (`%load_ext tapeviz`)."""
    magics, breaks = TapevizMagics(shell), BreakpointMagics(shell)
    shell.register_magics(magics, breaks)
    shell.events.register("pre_run_cell", magics.pre_run_cell)
    shell.events.register("post_run_cell", magics.post_run_cell)
    register_html_display(shell)
    _loaded[id(shell)] = magics, breaks


def offer_magics(shell) -> None:
    """Register the magics' names lazily (IPython's `register_lazy`), for a tapeviz imported
    in a running shell: `%%tapeviz` in a notebook that forgot `%load_ext tapeviz` loads the
    extension at its first use instead of failing with "Cell magic `%%tapeviz` not found"."""
    register_lazy = getattr(shell.magics_manager, "register_lazy", None)
    if register_lazy is None:   # an older IPython, without lazy magics: import still works
        return
    kinds: dict = {}   # each name with its kinds: `%%tapeviz_break` is no magic to offer
    for magics in (TapevizMagics, BreakpointMagics):
        for kind, names in magics.magics.items():
            for name in names:
                kinds.setdefault(name, set()).add(kind)
    for name, kind in sorted(kinds.items()):
        register_lazy(name, "tapeviz", kind.pop() if len(kind) == 1 else "line_cell")


def unload_ipython_extension(shell) -> None:
    """Remove all `load_ipython_extension` added: magics, hook, breakpoints, a live run."""
    if id(shell) not in _loaded:
        return
    magics, breaks = _loaded.pop(id(shell))
    shell.events.unregister("pre_run_cell", magics.pre_run_cell)
    shell.events.unregister("post_run_cell", magics.post_run_cell)
    manager = shell.magics_manager
    for instance in (magics, breaks):
        for kind, names in instance.magics.items():
            for name in names:
                # only if still ours: another extension may have taken the name since
                if getattr(manager.magics[kind].get(name), "__self__", None) is instance:
                    del manager.magics[kind][name]
        manager.registry.pop(type(instance).__name__, None)
    # the names offered for a lazy load (offer_magics), each kind's stand-in too: `%%tapeviz`
    # would load the extension again (a stand-in is read by its __dict__: any other
    # attribute of it loads what it stands for)
    lazy = getattr(manager, "lazy_magics", {})
    for name in [name for name, module in lazy.items() if module == "tapeviz"]:
        del lazy[name]
    for table in manager.magics.values():
        for name in [name for name, magic in table.items()
                     if getattr(magic, "__dict__", {}).get("spec") == "tapeviz"]:
            del table[name]
    for bp in breaks.set_breakpoints:
        bp.clear()
    runner = magics.runner
    if runner is not None and runner.state in ("running", "paused"):
        runner.stop()
        runner.join(5.0)
    if magics.dashboard is not None:
        magics.dashboard.detach()
    if runner is not None and shell.user_ns.get(RUNNER_NAME) is runner:
        del shell.user_ns[RUNNER_NAME]


__all__ = ["load_ipython_extension", "unload_ipython_extension", "offer_magics",
           "register_html_display", "TapevizMagics", "BreakpointMagics", "RUNNER_NAME"]
