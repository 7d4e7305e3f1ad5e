"""Cases whose result differs from TensorFlow's, each with its reason. Never skipped: the
replay asserts each still differs (a strict xfail), so a fix or a TF change shows.

DELIBERATE: tapeviz's choice; each reason is a row of README's "Differences from
TensorFlow" table (test_tf_fidelity checks the case name is there). TO_FIX: a difference
still to fix, in a file outside this suite's owner's part, named in the reason.
"""
DELIBERATE: dict[str, str] = {}

TO_FIX: dict[str, str] = {}
