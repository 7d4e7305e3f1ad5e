"""A tapeviz tensor given to a torch function (`torch.relu(x)`, a torch module called on
it): refused by `Tensor.__torch_function__`, naming both engines and how to cross over.
"""


def refused_by_torch(cls, func, types, args=(), kwargs=None):
    """`__torch_function__` of tapeviz's Tensor: a torch function given one (torch.relu(x),
    a torch module called on it) says what came and how to cross over, where torch said
    'must be Tensor, not Tensor'."""
    name = getattr(func, "__name__", None) or repr(func)
    raise TypeError(f"torch's {name} was given a tapeviz tensor, which torch does not take: "
                    "tapeviz's and torch's tensors are of two engines. Convert it, "
                    "torch.from_numpy(x.numpy()), or stay in one engine (tapeviz ops, or "
                    "torch's with tapeviz.torch recording them); a gradient does not cross "
                    "from one engine's tape to the other's")
