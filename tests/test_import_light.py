"""``import tunewidgets`` and its config layer stay light: no torch, no transformers."""

import subprocess
import sys

CHECK = (
    "import sys, tunewidgets, tunewidgets.config, tunewidgets.tiny, tunewidgets.data.chat;"
    "heavy = [m for m in ('torch', 'transformers', 'trl', 'datasets', 'ipywidgets') if m in sys.modules];"
    "print(','.join(heavy))"
)


def test_import_does_not_load_heavy_libraries():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_lazy_attributes_resolve():
    import tunewidgets

    assert tunewidgets.load_config is not None
    assert tunewidgets.__version__
