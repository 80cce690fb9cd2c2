"""Placeholder: filled in by the Module-system work."""

__all__: list[str] = []
