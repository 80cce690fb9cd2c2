"""Placeholder: filled in by the linalg family."""

__all__: list[str] = []
