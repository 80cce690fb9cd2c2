"""Placeholder: filled in by the data work."""

__all__: list[str] = []
