"""The Jupyter extra's widget packages, or an error that says how to install them.

`widget.py` and `dashboard.py` import anywidget and traitlets from here, so a user without
the extra reads `pip install "tapeviz[jupyter]"` instead of a bare ModuleNotFoundError.
"""
try:
    import anywidget
    import traitlets
except ModuleNotFoundError as missing:
    raise ModuleNotFoundError(
        f"tapeviz's Jupyter widgets need {missing.name!r}, which is not installed: "
        f'pip install "tapeviz[jupyter]"', name=missing.name) from missing

__all__ = ["anywidget", "traitlets"]
