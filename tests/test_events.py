"""Who hears what: subscriptions through the public `subscribe` API and the routes they
give each op (`op.route`, the one object dispatch asks), observed by what subscribers hear.

No test here reads a private table: an op keeps dispatch's fast path exactly when its
route is not `heard` and its thread is in no layer that someone listens to.
"""
import threading

import pytest
from programs import line_of

import tapeviz as tf
from tapeviz.debugger import break_on, clear_breakpoints
from tapeviz.threadstate import thread_state

EXP, MULTIPLY, LOG = (tf.ops.REGISTRY[name] for name in ("exp", "multiply", "log"))


@pytest.fixture(autouse=True)
def _nobody_listens(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    clear_breakpoints()
    assert tf.events.subscribers() == ()
    yield
    clear_breakpoints()
    assert tf.events.subscribers() == (), "a test left a subscriber behind"


def _every_op_quiet() -> bool:
    return not any(op.route.heard or op.route.steps for op in tf.ops.REGISTRY.values())


def _gradient_of_exp_times_three():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.exp(x) * 3.0)
    return tape.gradient(loss, x)


# ---- subscribing and unsubscribing ---------------------------------------------------------
def test_nobody_subscribed_leaves_every_op_on_the_fast_path():
    assert _every_op_quiet()
    assert thread_state().layer_listeners == ()


def test_unsubscribe_stops_events_and_gives_the_fast_path_back():
    seen = []
    tf.subscribe(seen.append)
    assert all(op.route.heard and seen.append in op.route.ops for op in tf.ops.REGISTRY.values())
    _ = tf.constant(1.0) * 2.0
    tf.unsubscribe(seen.append)
    _ = tf.constant(1.0) * 2.0
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    assert len(seen) == 1
    assert _every_op_quiet()


def test_subscriber_may_unsubscribe_itself():
    seen = []

    def once(event):
        seen.append(event)
        tf.unsubscribe(once)

    tf.subscribe(once)
    _ = tf.constant(1.0) + 1.0
    _ = tf.constant(1.0) + 1.0
    assert len(seen) == 1


def test_subscribers_are_called_in_subscription_order_once_each():
    calls = []
    first, second = (lambda e: calls.append("first")), (lambda e: calls.append("second"))
    tf.subscribe(first)
    tf.subscribe(second, ops={EXP})
    tf.subscribe(first, ops={EXP})  # subscribed twice: still heard once per event
    try:
        tf.exp(tf.constant(1.0))
    finally:
        tf.unsubscribe(first)
        tf.unsubscribe(second)
    assert calls == ["first", "second"]


def test_dispatch_hands_a_node_form_the_node_and_other_engines_send_the_event():
    """`on_node` is the same listener without an event: tapeviz's dispatch calls it (first,
    making no OpExecuted for it); an engine of its own sends one event to `route.ops`."""
    calls, heard = [], []

    def on_event(event):
        calls.append(("event", event))

    tf.subscribe(heard.append, ops={EXP})
    tf.subscribe(on_event, kinds=(tf.OpExecuted,),
                 on_node=lambda node, taped, duration: calls.append(("node", node, taped)))
    try:
        y = tf.exp(tf.constant(1.0))
        (kind, node, taped), = calls
        assert kind == "node" and node.output is y and taped is False
        assert [event.node for event in heard] == [node]   # the others still get the event
        assert EXP.route.on_node and on_event in EXP.route.ops
        assert on_event not in EXP.route.evented
        event = tf.OpExecuted(node, True, 0.5)
        for callback in EXP.route.ops:                    # as another engine tells it
            callback(event)
        assert calls[-1] == ("event", event) and heard[-1] is event
    finally:
        tf.unsubscribe(on_event)
        tf.unsubscribe(heard.append)


def test_an_op_is_timed_only_for_node_forms_that_read_the_duration():
    durations = {}

    def listener(name, timed):
        def on_event(event):
            pass
        tf.subscribe(on_event, ops={EXP}, timed=timed,
                     on_node=lambda node, taped, duration: durations.update({name: duration}))
        return on_event

    untimed = listener("untimed", False)
    try:
        tf.exp(tf.ones([1000]))
        assert durations == {"untimed": 0.0} and not EXP.route.timed
        timed = listener("timed", True)
        try:
            tf.exp(tf.ones([1000]))
            assert durations["timed"] > 0.0 and EXP.route.timed
        finally:
            tf.unsubscribe(timed)
    finally:
        tf.unsubscribe(untimed)


def test_a_node_form_goes_with_listeners_by_op_or_kind_only():
    with pytest.raises(ValueError, match="on_node="):
        tf.subscribe(print, sites=lambda source: True, on_node=print)
    with pytest.raises(ValueError, match="on_node="):
        tf.subscribe(print, layers=lambda scope: True, on_node=print)


def test_sites_and_layers_do_not_combine_with_ops_or_kinds():
    with pytest.raises(ValueError, match="sites= and layers="):
        tf.subscribe(print, ops={EXP}, sites=lambda source: True)
    with pytest.raises(ValueError, match="sites= and layers="):
        tf.subscribe(print, kinds=(tf.OpExecuted,), layers=lambda scope: True)
    with pytest.raises(ValueError, match="not both"):
        tf.subscribe(print, sites=lambda source: True, layers=lambda scope: True)


# ---- by kind and by op ---------------------------------------------------------------------
def test_a_subscriber_of_some_kinds_hears_only_those_and_ops_keep_the_fast_path():
    steps = []
    tf.subscribe(steps.append, kinds=(tf.VJPApplied,))
    try:
        assert not any(op.route.heard for op in tf.ops.REGISTRY.values())  # no op makes a node
        assert all(op.route.steps == (steps.append,) for op in tf.ops.REGISTRY.values())
        _gradient_of_exp_times_three()
    finally:
        tf.unsubscribe(steps.append)
    assert [type(e) for e in steps] == [tf.VJPApplied] * 3
    assert [e.step.node.op.name for e in steps] == ["reduce_sum", "multiply", "exp"]


def test_ops_and_kinds_together_choose_the_steps_of_those_ops():
    chosen, ops_only = [], []
    tf.subscribe(chosen.append, ops={EXP}, kinds=(tf.VJPApplied,))
    tf.subscribe(ops_only.append, ops={MULTIPLY})
    try:
        assert EXP.route.steps and not EXP.route.heard
        assert MULTIPLY.route.heard and not MULTIPLY.route.steps
        assert not LOG.route.heard and not LOG.route.steps
        _gradient_of_exp_times_three()
    finally:
        tf.unsubscribe(chosen.append)
        tf.unsubscribe(ops_only.append)
    assert [(type(e), e.step.node.op.name) for e in chosen] == [(tf.VJPApplied, "exp")]
    assert {type(e) for e in ops_only} == {tf.OpExecuted}
    assert {e.node.op.name for e in ops_only} == {"multiply"}
    assert {e.node.phase for e in ops_only} == {"forward", "backward"}
    assert _every_op_quiet()


def test_a_kind_subscriber_of_op_events_hears_every_op_but_no_steps():
    seen = []
    tf.subscribe(seen.append, kinds=(tf.OpExecuted, tf.GradientComputed))
    try:
        _gradient_of_exp_times_three()
    finally:
        tf.unsubscribe(seen.append)
    assert {type(e) for e in seen} == {tf.OpExecuted, tf.GradientComputed}
    assert type(seen[-1]) is tf.GradientComputed


@pytest.mark.parametrize("how", [{}, {"sites": lambda source: source.filename == __file__}],
                         ids=["every op", "by line"])
def test_an_op_registered_after_a_subscriber_is_routed_to_it(how):
    from tapeviz.ops.registry import REGISTRY, defop
    heard = []
    tf.subscribe(heard.append, **how)
    try:
        double = defop("test_double_after_subscribing", lambda x: 2 * x,
                       lambda g, ans, x: (2 * g,))
        double(tf.constant(1.0))
    finally:
        tf.unsubscribe(heard.append)
        del REGISTRY["test_double_after_subscribing"]
    assert [e.node.op.name for e in heard] == ["test_double_after_subscribing"]
    assert not double.route.heard


# ---- by line -------------------------------------------------------------------------------
def test_a_subscriber_by_line_hears_only_ops_run_at_the_lines_it_accepts():
    wanted = {line_of(__file__, "# line: heard taped"), line_of(__file__, "# line: heard once")}
    asked, heard, everything = [], [], []

    def accepts(source):
        asked.append(source)
        return source.lineno in wanted

    tf.subscribe(heard.append, sites=accepts)
    try:
        assert EXP.route.heard and EXP.route.ops == ()  # every op looks up its line, no more
        x = tf.Variable(2.0)
        for _ in range(3):
            with tf.GradientTape() as tape:
                y = tf.exp(x) * 2.0                     # line: heard taped
                z = y + 1.0
            tf.constant(1.0) * 3.0                      # untaped, at a line not accepted
            tape.gradient(z, x)
        tf.subscribe(everything.append)                 # both: each event reaches it once
        tf.exp(tf.constant(1.0))                        # line: heard once
    finally:
        tf.unsubscribe(heard.append)
        tf.unsubscribe(everything.append)
    assert [(e.node.op.name, e.taped) for e in heard] == [("exp", True), ("multiply", True)] * 3 \
        + [("exp", False)]
    assert {e.node.source.lineno for e in heard} == wanted
    assert all(e.duration > 0 for e in heard)
    assert len(asked) == len(set(map(id, asked)))        # each call site is asked about once
    assert len([e for e in everything if isinstance(e, tf.OpExecuted)]) == 1
    assert _every_op_quiet()


# ---- by layer ------------------------------------------------------------------------------
def test_a_subscriber_by_layer_hears_every_op_inside_its_layers_only():
    heard = []
    tf.subscribe(heard.append, layers=lambda scope: scope.startswith("model/dense"))
    try:
        assert _every_op_quiet()  # outside the layer, every op keeps the fast path
        x = tf.constant(1.0)
        with tf.name_scope("model"):
            x = x + 1.0
            assert thread_state().layer_listeners == ()
            with tf.name_scope("dense"):
                assert thread_state().layer_listeners == (heard.append,)
                x = x * 2.0
                with tf.name_scope("inner"):
                    x = x - 1.0
            assert thread_state().layer_listeners == ()
    finally:
        tf.unsubscribe(heard.append)
    assert [(e.node.op.name, e.node.scope) for e in heard] == [
        ("multiply", "model/dense"), ("subtract", "model/dense/inner")]


def test_a_subscriber_by_layer_subscribed_inside_the_layer_hears_at_once():
    heard = []
    with tf.name_scope("block"):
        tf.subscribe(heard.append, layers=lambda scope: scope == "block")
        try:
            _ = tf.constant(1.0) - 1.0
        finally:
            tf.unsubscribe(heard.append)
        assert thread_state().layer_listeners == ()
    assert [e.node.op.name for e in heard] == ["subtract"]


def _add_in_worker_layer(while_inside):
    """Run `x + 1.0` inside layer "worker" on another thread; call `while_inside()` here once
    that thread is inside the layer, before it adds."""
    entered, go = threading.Event(), threading.Event()

    def work():
        with tf.name_scope("worker"):
            entered.set()
            go.wait(60)
            _ = tf.constant(1.0) + 1.0

    thread = threading.Thread(target=work)
    thread.start()
    entered.wait(60)
    try:
        while_inside()
    finally:
        go.set()
        thread.join(60)


def test_a_subscriber_by_layer_hears_each_thread_only_while_that_thread_is_inside():
    heard = []
    tf.subscribe(heard.append, layers=lambda scope: scope == "worker")
    try:  # this thread is outside the layer: its multiply is not heard
        _add_in_worker_layer(lambda: tf.constant(2.0) * 2.0)
    finally:
        tf.unsubscribe(heard.append)
    assert [(e.node.op.name, e.node.scope) for e in heard] == [("add", "worker")]


def test_a_layer_subscription_made_on_another_thread_reaches_a_thread_already_inside():
    heard = []
    try:
        _add_in_worker_layer(lambda: tf.subscribe(heard.append,
                                                  layers=lambda scope: scope == "worker"))
    finally:
        tf.unsubscribe(heard.append)
    assert [e.node.op.name for e in heard] == ["add"]


def test_a_layer_subscription_made_while_a_thread_asks_who_hears_its_layer_is_not_lost():
    """The other thread's subscribe lands while this worker's set_scope is asking the old
    routing about "worker": the worker's old answer, written after the new one, must not
    stay (its add is heard)."""
    asking, changed, subscribed = threading.Event(), threading.Event(), threading.Event()
    heard = []

    def slow_to_answer(scope):   # the old routing's question, held until the change is made
        if scope == "worker" and not asking.is_set():
            asking.set()
            changed.wait(60)
        return False

    def work():
        with tf.name_scope("worker"):
            subscribed.wait(60)
            _ = tf.constant(1.0) + 1.0

    def never_hears(event):
        raise AssertionError("no layer is accepted")

    tf.subscribe(never_hears, layers=slow_to_answer)
    thread = threading.Thread(target=work)
    thread.start()
    try:
        assert asking.wait(60)
        tf.subscribe(heard.append, layers=lambda scope: scope == "worker")
    finally:
        changed.set()
        subscribed.set()
        thread.join(60)
        tf.unsubscribe(heard.append)
        tf.unsubscribe(never_hears)
    assert [e.node.op.name for e in heard] == ["add"]


def test_a_layer_and_an_op_subscription_of_one_callback_hear_each_op_once():
    heard = []
    tf.subscribe(heard.append, ops={MULTIPLY})
    tf.subscribe(heard.append, layers=lambda scope: scope == "block")
    try:
        with tf.name_scope("block"):
            _ = tf.constant(2.0) * 2.0
        _ = tf.constant(2.0) * 3.0
    finally:
        tf.unsubscribe(heard.append)
    assert [e.node.scope for e in heard] == ["block", ""]


# ---- what breakpoints subscribe to ---------------------------------------------------------
def test_a_breakpoint_on_an_op_wakes_only_for_that_op():
    bp = break_on(op="log", action="continue")
    assert LOG.route.heard and not EXP.route.heard
    x = tf.constant([1.0, 2.0])
    _ = tf.exp(x)
    assert bp.hits == []
    _ = tf.math.log(x)
    assert [hit.node.op.name for hit in bp.hits] == ["log"]
    condition = break_on(condition=lambda node: False, action="continue")
    assert EXP.route.heard and not EXP.route.steps  # a condition sees every op, no step
    condition.clear()
    assert not EXP.route.heard
    clear_breakpoints()
    assert _every_op_quiet()


def test_a_layer_breakpoint_listens_to_every_op_only_inside_its_layer():
    bp = break_on(layer="model/dense", action="continue")
    x = tf.constant(1.0)
    assert _every_op_quiet()
    with tf.name_scope("model"):
        x = x + 1.0
        assert thread_state().layer_listeners == ()
        with tf.name_scope("dense"):
            assert thread_state().layer_listeners != ()
            x = x * 2.0
        assert thread_state().layer_listeners == ()
    assert [h.node.op.name for h in bp.hits] == ["multiply"]
    bp.clear()
    with tf.name_scope("model"), tf.name_scope("dense"):
        assert thread_state().layer_listeners == ()
        late = break_on(layer="dense", action="continue")  # armed inside: heard at once
        _ = x - 1.0
    assert [h.node.op.name for h in late.hits] == ["subtract"]
    clear_breakpoints()
    assert thread_state().layer_listeners == () and tf.events.subscribers() == ()


def test_a_vjp_breakpoint_leaves_ops_on_the_fast_path():
    named = break_on(phase="vjp", op="exp", action="continue")
    assert _every_op_quiet() is False and not EXP.route.heard and EXP.route.steps
    assert not MULTIPLY.route.steps    # only steps of exp nodes are announced to it
    every = break_on(phase="vjp", nan=True, action="continue")
    assert not any(op.route.heard for op in tf.ops.REGISTRY.values())
    assert MULTIPLY.route.steps
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.exp(x) * 3.0)
    tape.gradient(loss, x)
    assert [h.node.op.name for h in named.hits] == ["exp"] and every.hits == []
