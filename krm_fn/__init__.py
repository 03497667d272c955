"""modelservice-fn: the OtterScale model-operator's generation logic as a KRM function."""

__version__ = "0.1.0"
