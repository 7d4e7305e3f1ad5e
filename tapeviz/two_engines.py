"""A tapeviz tensor given to a torch function (`torch.relu(x)`, a torch module called on
it): refused by `Tensor.__torch_function__`, naming both engines and how to cross over; and
one given to torch's factories (`torch.tensor(x)`, `torch.as_tensor(x)`), which ask no
__torch_function__ but a DLPack buffer: refused by `Tensor.__dlpack__` the same way.
"""
import sys

from .sourceinfo import in_a_library, source_from


def refused_by_torch(cls, func, types, args=(), kwargs=None):
    """`__torch_function__` of tapeviz's Tensor: a torch function given one (torch.relu(x),
    a torch module called on it) says what came and how to cross over, where torch said
    'must be Tensor, not Tensor'."""
    name = getattr(func, "__name__", None) or repr(func)
    raise TypeError(f"torch's {name} was given a tapeviz tensor, which torch does not take: "
                    "tapeviz's and torch's tensors are of two engines. Convert it, "
                    "torch.from_numpy(x.numpy()), or stay in one engine (tapeviz ops, or "
                    "torch's with tapeviz.torch recording them); a gradient does not cross "
                    "from one engine's tape to the other's" + _placed())


def refused_as_dlpack(tensor, *args, **kwargs):
    """A tapeviz tensor's `__dlpack__` and `__dlpack_device__`: torch.tensor(x) and
    torch.as_tensor(x) ask for them first (then walked x as nested lists down to a scalar
    tensor, and said 'Scalar tensor has no `len()`'), so each says what came and the way over.
    No buffer is lent: a tapeviz tensor never changes, and one torch shared could be written."""
    raise TypeError(f"torch was given a tapeviz tensor ({tensor._value.dtype.name}"
                    f"{list(tensor._value.shape)}) to make a tensor of (torch.tensor, "
                    "torch.as_tensor, torch.from_dlpack): tapeviz's and torch's tensors are of "
                    "two engines. Convert it through numpy, torch.tensor(x.numpy()), or stay in "
                    "one engine (tapeviz ops, or torch's with tapeviz.torch recording them); a "
                    "gradient does not cross from one engine's tape to the other's" + _placed())


def _placed() -> str:
    """The user's line, past torch's frames as well as tapeviz's (nn.Linear's forward)."""
    frame = sys._getframe(2)
    while frame is not None and in_a_library(frame.f_code.co_filename):
        frame = frame.f_back
    source = source_from(frame) if frame is not None else None
    return source.placed() if source is not None else ""
