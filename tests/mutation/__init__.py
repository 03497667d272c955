"""Mutation testing of krm_fn (``make mutation``): see run.py."""
