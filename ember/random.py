"""The one seeded random generator behind every random op in Ember."""

from __future__ import annotations

import numpy

__all__ = ["default_generator", "initial_seed", "manual_seed", "seed"]


class _Generator:
    """Holds NumPy's PCG64 generator, reseeded by ``manual_seed``."""

    def __init__(self, seed: int = 0) -> None:
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> _Generator:
        self.seed = int(seed)
        self.rng = numpy.random.Generator(numpy.random.PCG64(self.seed))
        return self

    def get_state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state


default_generator = _Generator(numpy.random.SeedSequence().entropy % (2**63))


def manual_seed(seed: int) -> _Generator:
    """Seed the generator, so that runs repeat exactly.

    >>> import ember
    >>> _ = ember.manual_seed(0); a = ember.rand(2)
    >>> _ = ember.manual_seed(0); b = ember.rand(2)
    >>> bool((a == b).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the generator from fresh entropy and return the seed."""
    value = int(numpy.random.SeedSequence().entropy % (2**63))
    default_generator.manual_seed(value)
    return value


def initial_seed() -> int:
    """The seed the generator was last seeded with."""
    return default_generator.seed
