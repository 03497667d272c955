"""Tests that run the real kpt and kubectl."""
