"""Placeholder: filled in by the reduce family."""

__all__: list[str] = []
