"""Generations in the app: what the model answers to the fixed validation prompts, beside the references, with a
step slider to see how the answers changed (``params.eval_generate``).

Read from the run directory's generations.jsonl, so a run in this kernel, in a subprocess or re-attached later
shows the same. Hidden until the first round is written. The slider follows the newest round until the user
moves it back; moving it to the newest again follows again. Each row shows the answer at the chosen step and the
first round's (the starting model's) for the before-and-after; an answer equal to its reference (SQuAD's
normalisation) is shaded green.
"""

from __future__ import annotations

import threading
from pathlib import Path

import ipywidgets as widgets

from ..tasks.shared.generation_file import GENERATIONS_FILE, read_generations
from ..tasks.shared.generation_scores import generation_scores
from . import theme
from .answer_cells import answer_cell, table, text_cell

CSS_CLASS = "tw-generations"


class GenerationsView:
    """The newest answers beside the references, any earlier round on the slider."""

    def __init__(self):
        self.title = widgets.HTML('<b style="font-size:13px">Generations</b>')
        self.caption = widgets.HTML()
        self.caption.add_class("tw-generations-caption")
        self.slider = widgets.SelectionSlider(options=[0], value=0, description="Step", continuous_update=False,
                                              style=theme.label_style(), layout=widgets.Layout(width="420px"))
        self.slider.add_class("tw-generations-step")
        self.table = widgets.HTML()
        self.table.add_class("tw-generations-table")
        self.widget = widgets.VBox([self.title, self.caption, self.slider, self.table],
                                   layout=widgets.Layout(display="none"))
        self.widget.add_class(CSS_CLASS)
        self.rounds: dict[int, list[dict]] = {}
        self.following = True  # the slider moves to each new round
        self._setting = False
        self._lock = threading.Lock()
        self._seen: tuple | None = None
        self.run_dir: Path | None = None
        self.slider.observe(self._moved, names="value")

    def show(self, run_dir) -> None:
        """Get ready for the run writing ``run_dir``: hidden until it writes a round (a re-attached run's rounds
        show at once)."""
        with self._lock:
            self.run_dir = Path(run_dir) if run_dir else None
            self.rounds, self._seen, self.following = {}, None, True
        self.widget.layout.display = "none"
        self.table.value = self.caption.value = ""
        self.refresh()

    def refresh(self) -> bool:
        """Read new rounds (when the file changed) and show them; True when something new was read."""
        with self._lock:
            if self.run_dir is None:
                return False
            path = self.run_dir / GENERATIONS_FILE
            try:
                stat = path.stat()
            except OSError:
                return False
            seen = (stat.st_size, stat.st_mtime_ns)
            if seen == self._seen:
                return False
            self._seen = seen
            self.rounds = read_generations(self.run_dir)
        if not self.rounds:
            return False
        steps = list(self.rounds)
        keep = self.slider.value if not self.following and self.slider.value in self.rounds else steps[-1]
        self._setting = True
        try:
            self.slider.options = steps
            self.slider.value = keep
        finally:
            self._setting = False
        self.slider.disabled = len(steps) < 2
        self._render(keep)
        self.widget.layout.display = None
        return True

    def _moved(self, change) -> None:
        if self._setting or not self.rounds:
            return
        step = change["new"]
        self.following = step == list(self.rounds)[-1]
        self._render(step)

    def _render(self, step: int) -> None:
        rows = self.rounds.get(step, [])
        first_step = next(iter(self.rounds))
        first = {r["index"]: r for r in self.rounds.get(first_step, [])} if step != first_step else {}
        scores = generation_scores([r["output"] for r in rows], [r.get("reference") for r in rows])
        shown = [f"step {step}", f"{len(rows)} prompts"]
        for key, name in (("exact_match", "exact match"), ("f1", "F1"), ("rougeL", "ROUGE-L")):
            if key in scores:
                shown.append(f"{name} {scores[key]:.2f}")
        if first:
            before = generation_scores([r["output"] for r in first.values()],
                                       [r.get("reference") for r in first.values()])
            if "exact_match" in before:
                shown.append(f"(step {first_step}: exact match {before['exact_match']:.2f})")
        self.caption.value = theme.help_html(" · ".join(shown))
        self.table.value = generations_table(rows, first, first_step)


def generations_table(rows: list[dict], first: dict[int, dict], first_step: int) -> str:
    """Prompt, reference, the answer at the chosen step and (when another) the first round's answer."""
    if not rows:
        return ""
    body = []
    for row in rows:
        cells = [f"<td>{row['index'] + 1}</td>", text_cell(row.get("prompt")), text_cell(row.get("reference")),
                 answer_cell(row.get("output", ""), row.get("reference"), "tw-generation-answer")]
        if first:
            cells.append(text_cell(first.get(row["index"], {}).get("output"), grey=True))
        body.append(f"<tr>{''.join(cells)}</tr>")
    return table(["#", "prompt", "reference", "answer"] + ([f"step {first_step}"] if first else []), body)
