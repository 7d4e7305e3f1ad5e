"""The torch adapter's tests run where torch is installed, and are skipped, saying how to
install it, where it is not: every module here imports torch."""
import importlib.util

import pytest

INSTALL = 'pip install "tapeviz[torch]"'

if importlib.util.find_spec("torch") is None:
    class _NeedsTorch(pytest.File):
        def collect(self):
            pytest.skip(f"torch is not installed: {INSTALL}")

    def pytest_pycollect_makemodule(module_path, parent):
        return _NeedsTorch.from_parent(parent, path=module_path)
else:
    @pytest.fixture(autouse=True)
    def _adapter_left_clean():
        """Every test leaves torch's mode stack, the global module hooks and the tapeviz
        subscriptions as it found them."""
        import torch
        from torch.optim import optimizer

        from tapeviz import events
        from tapeviz.torch import modules
        yield
        assert torch._C._len_torch_function_stack() == 0, "a torch function mode was left on"
        assert not events.subscribers(), f"left subscribed: {events.subscribers()}"
        assert not modules.installed(), "the global module hooks were left installed"
        assert not torch.nn.modules.module._global_forward_pre_hooks
        assert not optimizer._global_optimizer_pre_hooks, "the optimizer hooks were left"
