"""Ctrl-C (or Jupyter's interrupt) while `runner.join()` waits stops the training loop at its
next op, as it stops a loop run in place, and is raised; a later `join()` waits for the real
end. Was: the loop trained on, and CPython's interrupted `Thread.join` left the thread
saying it had ended, so the next `join()` returned True at once while it still ran, its gate
still subscribed."""
import signal
import threading

import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Runner


def _train(steps: int):
    w = tf.Variable(1.0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        w.assign_sub(0.001 * tape.gradient(loss, w))
    return float(w)


def test_an_interrupted_join_stops_the_loop_and_a_later_join_waits_for_its_end():
    runner = Runner(_train, 10**9).start()
    main = threading.main_thread().ident   # Ctrl-C: a real SIGINT, which wakes a wait
    timer = threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.join(60)
    finally:
        timer.cancel()
    assert runner.join(60) is True
    assert runner.state == "stopped" and not events.subscribers()
    assert 0 < runner.step_count < 10**9


def test_a_loop_that_raises_keyboard_interrupt_itself_fails_cleanly():
    def train():
        _train(2)
        raise KeyboardInterrupt
    runner = Runner(train).start()
    with pytest.raises(KeyboardInterrupt):
        runner.join(60)
    assert runner.state == "failed" and not events.subscribers()
    fresh = Runner(_train, 3).start()
    assert fresh.join(60) and fresh.state == "finished"
