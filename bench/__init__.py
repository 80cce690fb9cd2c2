"""Benchmarks of Ember against NumPy and PyTorch (run by hand; numbers never go in tests)."""
