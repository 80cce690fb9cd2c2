"""Placeholder: filled in by the viz work."""

__all__: list[str] = []
