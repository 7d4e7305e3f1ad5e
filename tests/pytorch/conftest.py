"""The torch adapter's tests (this folder is not called `torch`: without PyTorch, `tests/` on
sys.path would make it a namespace package that `import torch` finds) run where torch is
installed, and are skipped, saying how to install it, where it is not: every module here
imports torch."""
import pytest

INSTALL = 'pip install "tapeviz[torch]"'

try:
    import torch
except ImportError:
    torch = None

if torch is None:
    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(collector):
        """A module here that cannot import torch (as tests, or as doctests under
        --doctest-modules) is reported skipped, saying how to install it."""
        report = yield
        if report.failed and isinstance(collector, pytest.File):
            report.outcome = "skipped"
            report.longrepr = (str(collector.path), 0,
                               f"Skipped: torch is not installed: {INSTALL}")
        return report
else:
    @pytest.fixture
    def adapter_calls(monkeypatch) -> list:
        """The torch functions that reach the adapter's mode from now on, in order."""
        from tapeviz.torch.mode import AdapterMode
        heard = []
        handler = AdapterMode.__torch_function__

        def counting(self, func, types, args=(), kwargs=None):
            heard.append(func)
            return handler(self, func, types, args, kwargs)
        monkeypatch.setattr(AdapterMode, "__torch_function__", counting)
        return heard

    @pytest.fixture
    def switch(monkeypatch):
        """set(on): a Recorder's kept torch steps on or off for the Recorders made after."""
        from tapeviz.torch import kept_steps

        def set_(on: bool) -> None:
            monkeypatch.setattr(kept_steps, "ON", on)
        return set_

    @pytest.fixture
    def counting_mode():
        """The class of a user's own TorchFunctionMode that counts the calls it sees."""
        from torch.overrides import TorchFunctionMode

        class Counting(TorchFunctionMode):
            def __init__(self):
                super().__init__()
                self.calls = 0

            def __torch_function__(self, func, types, args=(), kwargs=None):
                self.calls += 1
                return func(*args, **(kwargs or {}))
        return Counting

    @pytest.fixture(autouse=True)
    def _adapter_left_clean():
        """Every test leaves torch's mode stack, the global module hooks and the tapeviz
        subscriptions as it found them."""
        from torch.optim import optimizer

        from tapeviz import events
        from tapeviz.torch import modules, stand_ins
        yield
        assert torch._C._len_torch_function_stack() == 0, "a torch function mode was left on"
        assert not events.subscribers(), f"left subscribed: {events.subscribers()}"
        assert not modules.installed(), "the global module hooks were left installed"
        assert not torch.nn.modules.module._global_forward_pre_hooks
        assert not optimizer._global_optimizer_pre_hooks, "the optimizer hooks were left"
        assert not stand_ins._zero_grads, "zero_grad was left wrapped"
        assert torch.autograd.Function.__dict__["apply"] is stand_ins._FUNCTION_APPLY
        assert torch.nn.utils.clip_grad_norm_ is stand_ins._CLIP, "clip_grad_norm_ left wrapped"
        assert torch.nn.utils.clip_grad_value_ is stand_ins._CLIP_VALUE, \
            "clip_grad_value_ left wrapped"
        assert torch.nn.functional.handle_torch_function is torch.overrides.handle_torch_function, \
            "torch.nn.functional's handle_torch_function left standing in"

    @pytest.fixture
    def nothing_left(quiet_breakpoints):
        """The bug hunts' (test_hunt_*.py, by `usefixtures`): breakpoints quiet, and nothing
        of tapeviz's listening or recording when the test starts and when it ends."""
        from tf_program_tools import nothing_left_around
        yield from nothing_left_around()

    @pytest.fixture
    def no_debugger(monkeypatch):
        """Hits are kept (or raise) instead of opening pdb; every breakpoint is cleared
        (before `_adapter_left_clean` checks that nothing listens)."""
        import tapeviz.torch as tvt
        monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
        yield
        tvt.clear_breakpoints()
