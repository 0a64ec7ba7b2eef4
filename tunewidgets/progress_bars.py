"""transformers' progress bars switched off for a moment: a tiny model's save ("Writing model shards") or the
loads ``tunewidgets compare`` reports in its own lines. Any layer may use it; transformers loads when it runs."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def transformers_bars_off():
    """No transformers progress bar inside the block; the setting as it was after it."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
