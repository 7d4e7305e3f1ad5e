"""`tapeviz.contrib`: TF1 names that TF 2 dropped but lectures still use (CS20's `tfe`)."""
from . import eager

__all__ = ["eager"]
