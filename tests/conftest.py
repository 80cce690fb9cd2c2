"""Suite-wide settings: PyTorch (the oracle) on one thread.

The suite runs under pytest-xdist with one worker per core; torch's own thread
pool on top of that oversubscribes the cores and makes tiny ops slow.
"""

import torch

torch.set_num_threads(1)
