"""How many times registry rows' forwards run: what a path taken while nobody can tell
(relu_fold, the sparse cross-entropy's VJP in numpy) must skip, and run where anyone can."""
from tapeviz.ops.registry import REGISTRY


def forwards_counted(monkeypatch, names) -> dict:
    """{op name: how many times its forward runs from now on}, for each of `names`."""
    calls = dict.fromkeys(names, 0)
    for name in names:
        forward = REGISTRY[name].forward

        def counting(*arrays, _name=name, _forward=forward, **params):
            calls[_name] += 1
            return _forward(*arrays, **params)
        monkeypatch.setattr(REGISTRY[name], "forward", counting)
    return calls
