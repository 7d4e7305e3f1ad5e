"""Shared test fixtures: paths to the real data beside the project, when present."""
import pathlib

import pytest

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture
def keras_session():
    """Fresh Keras layer names and a fixed random seed, before and after a test."""
    from tapeviz.keras import backend
    import tapeviz as tf
    backend.clear_session()
    tf.random.set_seed(0)
    yield
    backend.clear_session()
    tf.random.set_seed(None)
