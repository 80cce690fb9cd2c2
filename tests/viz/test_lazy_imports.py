"""``import ember.viz`` stays cheap: its optional heavy packages load on first use."""

import subprocess
import sys


def test_import_ember_viz_loads_no_torch_matplotlib_or_tensorboardx():
    # A fresh interpreter: this one has them all loaded by the other tests.
    code = (
        "import sys, ember.viz; "
        "print('torch' in sys.modules, 'matplotlib' in sys.modules, 'tensorboardX' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False", "False"], result.stdout
