"""Library loggers that print to stdout (DeepSpeed's) stay out of the cell when our threads emit them."""

from __future__ import annotations

import logging
import threading


def _emit_in(thread_name: str, text: str) -> None:
    thread = threading.Thread(target=lambda: logging.getLogger("DeepSpeed").warning(text), name=thread_name)
    thread.start()
    thread.join()


def test_deepspeed_records_from_our_threads_go_to_the_app_log(app_factory, capsys):
    logger = logging.getLogger("DeepSpeed")
    handler = logging.StreamHandler()  # what DeepSpeed installs: a handler writing to stdout
    handler.setStream(__import__("sys").stdout)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.WARNING)  # DeepSpeed's own level (a run sets ERROR once it has started)
    try:
        app = app_factory()
        _emit_in("tunewidgets-demo", "Setting accelerator to CPU.")
        _emit_in("someone-else", "a record from the user's own thread")
        logger.warning("a record from the kernel's thread")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    out = capsys.readouterr().out
    log = "".join(o.get("text", "") for o in app.train_panel.log.outputs)
    assert "deepspeed warning: Setting accelerator to CPU." in log
    assert "Setting accelerator" not in out  # nothing under the cell
    assert "user's own thread" in out and "kernel's thread" in out  # other records as the library wants
    assert "user's own thread" not in log
