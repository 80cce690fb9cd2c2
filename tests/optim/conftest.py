"""Settings for comparing with torch: float64 scalars and one thread."""

import pytest
import torch


@pytest.fixture(autouse=True)
def torch_settings():
    # torch keeps scalar optimizer state (NAdam's mu_product) in the default
    # dtype; float64 makes it comparable. On a loaded CI machine torch's thread
    # pool makes each tiny op take milliseconds; one thread avoids that.
    dtype, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    yield
    torch.set_default_dtype(dtype)
    torch.set_num_threads(threads)
