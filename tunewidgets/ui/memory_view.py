"""Will it fit? The memory estimate in the Checks panel: a GPU to aim at, the table, and a warning when it won't.

The estimate builds the model on the meta device from its config.json (a second for an 8B model), so it runs in
the checks' background thread; choosing another GPU re-estimates there too.
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

from ..config.run_config import RunConfig
from . import theme

FOUND = "found"  # the dropdown's value for "the GPU this machine has"


def _options(has_gpu: bool) -> list[tuple[str, str]]:
    from ..memory.gpus import GPUS

    found = [("the GPU found here", FOUND)] if has_gpu else []
    table = [(f"{gpu.name} ({gpu.memory_gb:.0f} GB{', ' + gpu.note if gpu.note else ''})", gpu.name) for gpu in GPUS]
    return [*found, *table, ("this CPU (fp32)", "cpu")]


class MemoryView:
    """A GPU dropdown, the estimate's table and its verdict (a warning when the step will not fit)."""

    def __init__(self, background: Callable[[Callable[[], None]], None], has_gpu: bool):
        self._background = background
        self.target = widgets.Dropdown(options=_options(has_gpu), value=FOUND if has_gpu else "T4",
                                       description="Fits", style={"description_width": "40px"},
                                       layout=widgets.Layout(width="330px"))
        self.target.add_class("tw-memory-target")
        self.table = widgets.HTML()
        self.table.add_class("tw-memory")
        self.verdict = theme.message_widget("tw-memory-verdict")
        self.fits: bool | None = None  # None: not estimated, or no GPU to fit
        self.verdict_text = ""
        self._config: RunConfig | None = None
        self.target.observe(lambda _change: self._again(), names="value")
        self.widget = widgets.VBox([self.target, self.table, self.verdict])

    def _again(self) -> None:
        if self._config is not None:
            config = self._config
            self._background(lambda: self.show(config))

    def _gpu(self):
        from ..memory.gpus import gpu_named, local_gpu

        if self.target.value == "cpu":
            return None
        if self.target.value == FOUND:
            return local_gpu()
        return gpu_named(self.target.value)

    def show(self, config: RunConfig) -> None:
        """Estimate ``config`` for the chosen target and show it (runs in a background thread)."""
        from ..errors import TunewidgetsError
        from ..memory.estimate import estimate
        from ..memory.report import human_count, rows, verdict

        self._config = config
        try:
            gpu = self._gpu()
            result = estimate(config, gpu)
        except TunewidgetsError as exc:
            self.fits = None
            self.table.value = ""
            theme.set_message(self.verdict, f"no memory estimate: {exc}", "info")
            return
        cells = "".join(f"<tr><td>{theme.esc(name)}</td><td style='text-align:right'>{value} GB</td></tr>"
                        for name, value in rows(result))
        notes = "".join(f"<div>{theme.esc(note)}</div>" for note in result.notes)
        where = "on this CPU (fp32)" if gpu is None else f"on a {theme.esc(gpu.name)}"
        self.table.value = (
            f"<div class='tw-help'><b>Memory per device</b> {where}: {human_count(result.params)} parameters, "
            f"{human_count(result.trainable_params)} trainable</div>"
            f"<table class='tw-memory-table' style='font-size:12px'>{cells}</table>"
            f"<div class='tw-help' style='font-size:11px'>{notes}</div>")
        if gpu is None or not result.params:
            self.fits = None
            theme.set_message(self.verdict, None)
            return
        self.fits = result.fits(gpu)
        self.verdict_text = verdict(result, gpu)
        theme.set_message(self.verdict, self.verdict_text, "info" if self.fits else "warning")
