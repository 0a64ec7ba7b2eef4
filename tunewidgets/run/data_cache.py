"""Say when a run's data came from datasets' cache: a rerun, a resume or a sweep trial on the same data
prepares nothing again (local files are loaded through datasets' cache, and every map after it, ours and
TRL's tokenization, is cached by its fingerprint: the data, the tokenizer, the template, the max length and
the formatting). datasets says so at INFO level only; this listens for those lines while the job is built and
keeps them (and its other INFO lines) off the user's screen."""

from __future__ import annotations

import logging
from contextlib import contextmanager

_LOGGERS = ("datasets.arrow_dataset", "datasets.builder")


class CacheReuse(logging.Filter):
    """Counts datasets' cache hits: raw data loaded from the cache, and prepared (mapped) data reused."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded = 0
        self.reused = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        text = record.getMessage()
        if text.startswith("Found cached dataset"):
            self.loaded += 1
        elif text.startswith("Loading cached processed dataset"):
            self.reused += 1
        return False  # INFO lines were never shown: listening must not start showing them

    def describe(self) -> str | None:
        if not self.reused:
            return None
        return (f"tokenized data reused: {self.reused} preparation step{'s' * (self.reused > 1)} read from "
                "datasets' cache (same data, tokenizer, template, max length and formatting)")


@contextmanager
def watch_reuse():
    """Listen for datasets' cache hits while the job is built; yields the CacheReuse that counts them."""
    reuse = CacheReuse()
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addFilter(reuse)
        logger.setLevel(logging.INFO)
    try:
        yield reuse
    finally:
        for logger, level in zip(loggers, levels):
            logger.removeFilter(reuse)
            logger.setLevel(level)
