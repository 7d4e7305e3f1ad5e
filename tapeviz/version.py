"""`tf.version`: the version strings a tutorial prints first (`print(tf.version.VERSION)`),
tapeviz's own, as `tf.__version__` is."""
VERSION = "0.1.0"
GIT_VERSION = f"v{VERSION}"

__all__ = ["GIT_VERSION", "VERSION"]


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    from .coverage import missing
    raise missing("version", __name__, name)
