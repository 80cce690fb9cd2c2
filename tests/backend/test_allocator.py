"""Ember keeps freed array memory: a step that frees and reallocates big arrays does not
fault its pages in again."""

import os
import platform
import resource
import subprocess
import sys

import numpy as np
import pytest

import ember.backend
from ember.backend import allocator

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="the tuning applies to glibc only")
def test_import_keeps_freed_memory_and_reuse_does_not_fault():
    assert ember.backend.KEEPS_FREED_MEMORY
    sizes = [(3 << 20) + 4096 * i for i in range(6)]  # 3 MiB: past glibc's default threshold
    for _ in range(2):  # the first round grows the heap
        arrays = [np.ones(n, dtype=np.uint8) for n in sizes]
        del arrays
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        arrays = [np.ones(n, dtype=np.uint8) for n in sizes]
        del arrays
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    # Five rounds of 18 MiB would fault about 23,000 pages in with fresh mappings.
    assert faults < 1000


def test_the_environment_variable_leaves_the_allocator_alone(monkeypatch):
    monkeypatch.setenv("EMBER_KEEP_FREED_MEMORY", "0")
    assert allocator.keep_freed_memory() is False


def test_import_in_a_fresh_process_with_the_tuning_off():
    env = {**os.environ, "EMBER_KEEP_FREED_MEMORY": "0"}
    code = "import ember.backend as b; print(b.KEEPS_FREED_MEMORY)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
