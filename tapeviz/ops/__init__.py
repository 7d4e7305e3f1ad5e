"""The registered ops, one module per family; `REGISTRY` maps each op's name to its row."""
from .registry import REGISTRY, Op, defop

__all__ = ["REGISTRY", "Op", "defop"]
