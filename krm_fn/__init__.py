"""modelservice-fn: the OtterScale model-operator's generation logic as a KRM function."""

__version__ = "0.1.0"

import os

_DATA = os.path.join(os.path.dirname(__file__), "data")


def data_text(name: str) -> str:
    """A file shipped in krm_fn/data, read directly (importing importlib.resources costs more)."""
    with open(os.path.join(_DATA, name), encoding="utf-8") as f:
        return f.read()
