"""A new user's mistakes with the debugger, each made on purpose: the error names the call,
what it takes and what came at the user's line, arms nothing, and the next correct call works."""
import pytest

from tapeviz import debugger


@pytest.fixture(autouse=True)
def no_breakpoints_left():
    yield
    debugger.clear_breakpoints()


@pytest.mark.parametrize("written, meant", [("tf.matmul", "matmul"),
                                            ("tf.math.reduce_sum", "reduce_sum")])
def test_break_on_an_op_written_with_its_module_names_the_op_meant(written, meant):
    with pytest.raises(ValueError) as raised:
        debugger.break_on(op=written)
    said = str(raised.value)
    assert f"no op is called {written!r}; ops are named without their module: did you mean " \
           f"{meant!r}?" in said
    assert "test_mistakes_debugger.py" in said and debugger.breakpoints() == []
    assert debugger.break_on(op=meant) in debugger.breakpoints()
