"""The project's own fuzzer: ``python -m tests.fuzz`` (``make fuzz``); a bounded run is in the suite."""
