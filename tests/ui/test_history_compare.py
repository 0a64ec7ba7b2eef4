"""The History tab compares the chosen runs: every config key that differs (one column per run), a table of final and
best metrics with the best in bold, and an Export CSV that writes runs-compared.csv in the workdir (inside the
workspace when served) and offers it as a download."""

from __future__ import annotations

import base64
import csv
import os
import re
from html.parser import HTMLParser

import pytest
from ui_helpers import text_of

from tunewidgets.run.rundir import RunDirectory
from tunewidgets.ui.confine import Confinement
from tunewidgets.ui.history import CSV_NAME, HistoryPanel

RED = "#c62828"


class _Table(HTMLParser):
    """The header and body cells of the first table in some HTML: (text, bold) per cell."""

    def __init__(self, html: str):
        super().__init__()
        self.head: list[str] = []
        self.rows: list[list[tuple[str, bool]]] = []
        self._cell: list[str] | None = None
        self._bold = False
        self._in_head = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell, self._bold = [], False
        elif tag == "b":
            self._bold = True

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._in_head:
                self.head.append(text)
            else:
                self.rows[-1].append((text, self._bold))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def column(self, name: str) -> dict[str, tuple[str, bool]]:
        """run name -> (text, bold) of one column (the first column names the run)."""
        i = self.head.index(name)
        return {row[0][0]: row[i] for row in self.rows}


def _run(folder, *, lr=0.001, extra="", eval_losses=(0.9,), accuracy=(0.5,), state="finished", runtime=None):
    rundir = RunDirectory(folder)
    rundir.prepare()
    rundir.write_config_text(f"task: text-classification\nbase_model: some/model\nproject_name: {folder.name}\n"
                             f"params:\n  lr: {lr}\n  epochs: 1\n{extra}")
    for i, (loss, acc) in enumerate(zip(eval_losses, accuracy), start=1):
        rundir.append_metrics({"step": 10 * i, "epoch": float(i), "loss": 2.0 / i})
        rundir.append_metrics({"step": 10 * i, "epoch": float(i), "eval_loss": loss, "eval_accuracy": acc,
                               "eval_runtime": 0.5, "eval_samples_per_second": 99.0})
    status = {"step": 10 * len(eval_losses), "max_steps": 10 * len(eval_losses)}
    if runtime is not None:
        status["train_runtime"] = runtime
    rundir.write_status(state, **status)
    return rundir.path


@pytest.fixture()
def three(tmp_path):
    """Three runs: lr differs, a key only b has, and b has the best eval loss, c the best accuracy."""
    workdir = tmp_path / "runs"
    _run(workdir / "a", lr=0.001, eval_losses=(0.9, 0.7), accuracy=(0.5, 0.6), runtime=10.0)
    _run(workdir / "b", lr=0.01, extra="  warmup_ratio: 0.1\n", eval_losses=(0.8, 0.4, 0.5), accuracy=(0.6, 0.7, 0.65),
         state="stopped", runtime=20.0)
    _run(workdir / "c", lr=0.0003, eval_losses=(1.2,), accuracy=(0.9,))
    return workdir


def _panel(workdir, confine=None):
    unexpected: list[str] = []
    panel = HistoryPanel(workdir, on_attach=lambda p: None, report_unexpected=unexpected.append, confine=confine)
    panel.refresh_button.click()
    return panel, unexpected


def _choose(panel, *names):
    by_name = {os.path.basename(value): value for _, value in panel.select.options}
    panel.select.value = tuple(by_name[n] for n in names)


def test_the_widgets_are_in_order_and_tagged(three):
    panel, _ = _panel(three)
    classes = [c for child in panel.widget.children for c in getattr(child, "_dom_classes", ())]
    order = ["tw-history-table", "tw-history-select", "tw-history-plot", "tw-history-diff", "tw-history-metrics",
             "tw-history-message"]
    assert [c for c in classes if c in order] == order
    export_row = panel.widget.children[panel.widget.children.index(panel.metrics) + 1]
    assert list(export_row.children) == [panel.csv_button, panel.csv_link]
    assert "tw-history-csv" in panel.csv_button._dom_classes and "tw-history-csv-link" in panel.csv_link._dom_classes


def test_one_run_gives_the_hint_and_its_metrics_without_bold(three):
    panel, unexpected = _panel(three)
    _choose(panel, "a")
    assert "Select two runs" in text_of(panel.diff)
    table = _Table(panel.metrics.value)
    assert table.head[:3] == ["run", "state", "steps"] and [r[0][0] for r in table.rows] == ["a"]
    assert table.column("best eval_loss")["a"] == ("0.7", False)
    assert "<b>" not in panel.metrics.value and not unexpected


def test_all_chosen_runs_are_diffed_side_by_side(three):
    panel, unexpected = _panel(three)
    _choose(panel, "a", "b", "c")
    diff = _Table(panel.diff.value)
    names = diff.head[1:]
    assert diff.head[0] == "key" and sorted(names) == ["a", "b", "c"]
    keys = {row[0][0]: dict(zip(names, (text for text, _ in row[1:]))) for row in diff.rows}
    assert keys["params.lr"] == {"a": "0.001", "b": "0.01", "c": "0.0003"}
    assert keys["params.warmup_ratio"] == {"a": "\u2014", "b": "0.1", "c": "\u2014"}  # absent in a and c: still shown
    assert keys["project_name"] == {"a": "a", "b": "b", "c": "c"}
    assert "params.epochs" not in keys and "task" not in keys and "base_model" not in keys  # the same everywhere
    assert not unexpected


def test_two_runs_diff_only_their_keys(three):
    panel, _ = _panel(three)
    _choose(panel, "a", "c")
    diff = _Table(panel.diff.value)
    assert sorted(diff.head[1:]) == ["a", "c"]
    assert "params.warmup_ratio" not in {row[0][0] for row in diff.rows}  # only b has it


def test_the_metrics_table_shows_four_digits_and_the_best_in_bold(three):
    panel, unexpected = _panel(three)
    _choose(panel, "a", "b", "c")
    table = _Table(panel.metrics.value)
    assert sorted(r[0][0] for r in table.rows) == ["a", "b", "c"]
    assert "eval_runtime" not in " ".join(table.head) and "eval_samples_per_second" not in " ".join(table.head)
    best_loss = table.column("best eval_loss")
    assert best_loss == {"a": ("0.7", False), "b": ("0.4", True), "c": ("1.2", False)}  # lower is better
    assert table.column("best eval_loss step") == {"a": ("20", False), "b": ("20", False), "c": ("10", False)}
    accuracy = table.column("best eval_accuracy")
    assert accuracy == {"a": ("0.6", False), "b": ("0.7", False), "c": ("0.9", True)}  # higher is better
    assert table.column("final eval_accuracy")["b"] == ("0.65", False)
    assert table.column("loss") == {"a": ("1", False), "b": ("0.6667", True), "c": ("2", False)}  # 4 digits
    assert table.column("state") == {"a": ("finished", False), "b": ("stopped", False), "c": ("finished", False)}
    assert table.column("train_runtime")["c"] == ("", False)
    panel.select.value = ()
    assert panel.metrics.value == "" and panel.diff.value == "" and not unexpected


def test_export_csv_writes_the_chosen_runs_and_offers_a_download(three):
    panel, unexpected = _panel(three)
    _choose(panel, "b", "c")
    panel.csv_button.click()
    target = three / CSV_NAME
    assert target.is_file() and not unexpected
    with open(target, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["run"] for r in rows) == ["b", "c"]
    by_run = {r["run"]: r for r in rows}
    assert float(by_run["b"]["best eval_loss"]) == 0.4 and by_run["b"]["best eval_loss step"] == "20"
    assert float(by_run["b"]["final eval_accuracy"]) == 0.65 and by_run["c"]["train_runtime"] == ""
    assert by_run["b"]["loss"] == repr(2.0 / 3)  # unformatted
    message = text_of(panel.message)
    assert str(target) in message and RED not in panel.message.value and panel.message.layout.display is None
    link = re.search(r'<a download="runs-compared.csv" href="data:text/csv;base64,([^"]+)"', panel.csv_link.value)
    assert link and base64.b64decode(link.group(1)) == target.read_bytes()
    _choose(panel, "a")  # another choice: the old link would download the wrong runs
    assert panel.csv_link.value == ""
    panel.csv_button.click()
    with open(target, newline="", encoding="utf-8") as handle:
        assert [r["run"] for r in csv.DictReader(handle)] == ["a"]


def test_export_with_nothing_chosen_says_so(three):
    panel, unexpected = _panel(three)
    panel.csv_button.click()
    assert "select" in text_of(panel.message) and RED in panel.message.value
    assert not (three / CSV_NAME).exists() and panel.csv_link.value == "" and not unexpected


@pytest.fixture()
def served(tmp_path):
    """A workspace with two runs inside, a run outside linked in, and a folder outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    _run(outside / "secret-run", lr=0.5)
    workspace = tmp_path / "ws"
    _run(workspace / "one", lr=0.001, eval_losses=(0.6,), accuracy=(0.8,))
    _run(workspace / "two", lr=0.002, eval_losses=(0.5,), accuracy=(0.7,))
    os.symlink(outside / "secret-run", workspace / "linkrun")
    return workspace.resolve(), outside.resolve()


def test_a_confined_panel_writes_the_csv_inside_the_workspace(served):
    workspace, outside = served
    panel, unexpected = _panel(workspace, confine=Confinement(workspace))
    assert "linkrun" not in panel.table.value and len(panel.select.options) == 2
    _choose(panel, "one", "two")
    panel.csv_button.click()
    assert (workspace / CSV_NAME).is_file() and not unexpected
    assert str(workspace / CSV_NAME) in text_of(panel.message) and RED not in panel.message.value
    assert not list(outside.rglob("*.csv"))


def test_a_confined_panel_refuses_a_csv_path_that_leads_out(served):
    workspace, outside = served
    os.symlink(outside / "stolen.csv", workspace / CSV_NAME)  # dangling: a write would create a file outside
    panel, unexpected = _panel(workspace, confine=Confinement(workspace))
    _choose(panel, "one", "two")
    panel.csv_button.click()
    assert "outside the workspace" in text_of(panel.message) and RED in panel.message.value
    assert not (outside / "stolen.csv").exists() and panel.csv_link.value == "" and not unexpected
