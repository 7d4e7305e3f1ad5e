"""TensorFlow's eager tutorials, followed step by step in our own programs (see
tests/test_tutorials.py)."""
