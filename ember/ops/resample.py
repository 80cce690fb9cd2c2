"""Placeholder: filled in by the resample family."""

__all__: list[str] = []
