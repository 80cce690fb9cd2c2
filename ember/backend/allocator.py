"""Keeping freed array memory for reuse, as a caching allocator does (glibc on Linux).

A training step allocates and frees the same large arrays at every step: im2col columns,
activations, gradients. With its default, adaptive settings, glibc hands the top of its heap
back to the kernel once more than a few tens of MiB are free there, and serves arrays past
its threshold with fresh mappings; the next step's first writes then fault every page in
again. In the ResNet benchmark that was about 6,000 page faults and 16 ms of kernel time per
step. At import, Ember asks glibc to serve arrays of up to 32 MiB from its heap and to keep
up to 1 GiB of freed heap for reuse. ``EMBER_KEEP_FREED_MEMORY=0`` leaves the allocator as
it is; other C libraries are left alone.
"""

from __future__ import annotations

import ctypes
import os
import platform

__all__ = ["keep_freed_memory"]

# mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 1 << 30


def keep_freed_memory() -> bool:
    """Tune glibc's malloc to keep freed memory (see the module docstring).

    Returns:
        True if the settings took effect; False where the C library is not glibc, or
        ``EMBER_KEEP_FREED_MEMORY=0`` is set.
    """
    if os.environ.get("EMBER_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(
            libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        )
    except (OSError, AttributeError):  # pragma: no cover - an unusual C library
        return False
