"""Placeholder: filled in by the index family."""

__all__: list[str] = []
