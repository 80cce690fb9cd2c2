"""Placeholder: filled in by the recurrent-cell work."""

__all__: list[str] = []
