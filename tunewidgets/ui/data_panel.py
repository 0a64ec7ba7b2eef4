"""3 Data: where the data is, what it looks like, and which column plays which role.

Four sources: a file or folder path, an upload (saved into the workdir), a Hub
dataset id, or a DataFrame/Dataset already in the kernel. Every change
previews the first rows (the head only: a multi-GB file answers at once),
re-guesses the column mapping for the task's roles and checks it; problems
show in red under the panel and keep Train disabled.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

import ipywidgets as widgets

from ..config.tasks import TASKS, default_task
from ..errors import DataError, TunewidgetsError
from . import theme
from .confine import Confinement
from .distribution_view import distribution_html, target_of
from .mapping import MappingEditor
from .tables import PREVIEW_ROWS, describe_preview, preview_table
from .variables import list_variables, rows_text, table_kind

SOURCES = [("File or folder", "path"), ("Upload", "upload"), ("Hub dataset", "hub"), ("Kernel variable", "variable")]
TEMPLATES = [("(none: the tokenizer's own, if it has one)", ""), ("tokenizer", "tokenizer"), ("chatml", "chatml"),
             ("zephyr", "zephyr"), ("a jinja file ...", "file")]
GIVEN = "<given>"  # the variable key of TrainerApp(data=...)
_SAMPLE_ROWS = 20


class DataPanel:
    """Source, splits, chat template, preview table and column mapping."""

    def __init__(self, workdir: Path, on_change: Callable[[], None], background: theme.Background,
                 report_unexpected: Callable[[str], None], namespace: Callable[[], dict | None],
                 confine: Confinement | None = None):
        self.workdir = workdir
        self.confine = confine or Confinement(None)
        self.on_change = on_change
        self.background = background
        self.namespace = namespace
        self.task = default_task()
        self.columns: list[tuple[str, str]] = []
        self.frame = None
        self.num_rows: int | None = None
        self.error: str | None = None
        self.template_error: str | None = None
        self.in_memory: Any = None
        self._given: Any = None
        self._snapshot: tuple | None = None  # (train, valid, data fields) last written by save_in_memory_data
        self._previewed: tuple[Any, str] | None = None  # (source, split) of the preview on show
        self._distribution_key: tuple | None = None
        self._marked = False  # the preview on show has highlighted spans
        self._suspend = False
        guard = theme.guarded(self._report, report_unexpected)

        style, wide = theme.label_style(), theme.field_layout(theme.WIDE_WIDTH)
        self.source = widgets.ToggleButtons(options=SOURCES, value="path", description="Source", style=style)
        self.source.add_class("tw-data-source")
        self.source.add_class("widget-inline-hbox")  # its label in the label column, like every other field
        self.path = widgets.Text(
            description="Path",
            placeholder="a .csv/.jsonl/.parquet file, or a folder with train.jsonl, valid.jsonl ...",
            style=style, layout=wide, continuous_update=False)
        self.path.add_class("tw-data-path")
        self.upload = widgets.FileUpload(accept=".csv,.tsv,.jsonl,.json,.parquet", multiple=False,
                                         description="Upload a file")
        self.upload.add_class("tw-upload")
        self.upload_note = widgets.HTML(theme.help_html(
            "Saved into the workdir's uploads/ folder, then read from there (best under about 100 MB; "
            "for bigger files give a path)."))
        self.hub_id = widgets.Text(description="Dataset id", placeholder="owner/name on the Hugging Face Hub",
                                   style=style, layout=theme.field_layout(), continuous_update=False)
        self.hub_id.add_class("tw-hub-id")
        self.hub_button = widgets.Button(description="Preview", layout=widgets.Layout(width="90px"))
        self.hub_button.add_class("tw-hub-load")
        self.variable = widgets.Dropdown(description="Variable", options=[], style=style,
                                         layout=theme.field_layout())
        self.variable.add_class("tw-variable")
        self.variable_refresh = widgets.Button(description="Refresh list", layout=widgets.Layout(width="110px"))
        self.variable_refresh.add_class("tw-variable-refresh")
        self.train_split = widgets.Combobox(description="Train split", value="train", options=[], style=style,
                                            layout=theme.field_layout("330px"), ensure_option=False,
                                            continuous_update=False)
        self.train_split.add_class("tw-train-split")
        self.valid_split = widgets.Combobox(description="Valid split", value="", placeholder="(none)", options=[],
                                            style=style, layout=theme.field_layout("330px"), ensure_option=False,
                                            continuous_update=False)
        self.valid_split.add_class("tw-valid-split")
        self.chat_template = widgets.Dropdown(description="Chat template", options=TEMPLATES, value="", style=style,
                                              layout=theme.field_layout(), tooltip=(
                                                  "How conversations become text: the tokenizer's template, or a "
                                                  "built-in one (chatml, zephyr: both mark assistant turns for "
                                                  "assistant-only loss), or your own jinja file"))
        self.chat_template.add_class("tw-chat-template")
        self.template_file = widgets.Text(description="Template file", placeholder="path/to/template.jinja",
                                          style=style, layout=theme.field_layout(), continuous_update=False)
        self.template_file.add_class("tw-template-file")
        self.template_message = theme.message_widget("tw-template-message")
        self.info = widgets.HTML()
        self.info.add_class("tw-data-info")
        self.preview_html = widgets.HTML(layout=widgets.Layout(max_width=theme.APP_MAX_WIDTH, overflow="auto"))
        self.preview_html.add_class(theme.PREVIEW)
        self.message = theme.message_widget("tw-data-message")
        self.mapping_editor = MappingEditor(self._mapping_changed)
        self.distribution = widgets.HTML(layout=widgets.Layout(max_width=theme.APP_MAX_WIDTH, overflow="auto"))
        self.distribution.add_class("tw-distribution-box")

        self.rows = {
            "path": theme.row(self.path),
            "upload": widgets.VBox([self.upload, self.upload_note]),
            "hub": theme.row(self.hub_id, self.hub_button),
            "variable": theme.row(self.variable, self.variable_refresh),
        }
        self.template_row = theme.row(self.chat_template, self.template_file)
        self.widget = theme.section(
            3, "Data",
            [self.source, *self.rows.values(), theme.row(self.train_split, self.valid_split), self.template_row,
             self.template_message, self.message, self.info, self.preview_html, self.mapping_editor.widget,
             self.distribution],
            theme.DATA, "A file, a folder of splits, an upload, a Hub dataset, or a DataFrame in this notebook.")

        self.source.observe(guard(self._source_changed), names="value")
        self.path.observe(guard(lambda change: self.refresh()), names="value")
        self.upload.observe(guard(self._uploaded), names="value")
        self.hub_id.observe(guard(lambda change: self.refresh()), names="value")
        self.hub_button.on_click(guard(lambda _b: self.refresh()))
        self.variable.observe(guard(lambda change: self.refresh()), names="value")
        self.variable_refresh.on_click(guard(lambda _b: self.refresh_variables()))
        self.train_split.observe(guard(lambda change: self.refresh()), names="value")
        self.valid_split.observe(guard(lambda change: self.on_change()), names="value")
        self.chat_template.observe(guard(self._template_changed), names="value")
        self.template_file.observe(guard(self._template_file_changed), names="value")
        self._show_source_row()
        self._template_changed()
        self.set_task(self.task)

    # ------------------------------------------------------------------ public

    @property
    def has_data(self) -> bool:
        return bool(self.columns)

    def set_task(self, task: str) -> None:
        self.task = task
        self.template_row.layout.display = None if TASKS[task].chat_template else "none"
        self._build_mapping(reguess=True)

    def set_dataframe(self, obj: Any, name: str = "data") -> None:
        """Use an object held in the kernel (TrainerApp(data=df))."""
        if not table_kind(obj):
            raise DataError(f"data must be a pandas DataFrame or a datasets Dataset, got {type(obj).__name__}")
        self._given = (name, obj)
        self.refresh_variables(select=GIVEN)
        self.source.value = "variable"
        self.refresh()

    def refresh_variables(self, select: str | None = None) -> None:
        options = list_variables(self.namespace())
        if self._given is not None:
            name, obj = self._given
            options.insert(0, (f"{name}  ({table_kind(obj)}{rows_text(obj)}, given to TrainerApp)", GIVEN))
        current = select or self.variable.value
        self._suspend = True
        try:
            self.variable.options = options
            names = [v for _, v in options]
            self.variable.value = current if current in names else (names[0] if names else None)
        finally:
            self._suspend = False
        if not options:
            self.info.value = theme.help_html("No DataFrame or Dataset found in the notebook's variables.")
        if self.source.value == "variable":
            self.refresh()

    def data_config(self) -> dict:
        """The ``data`` section of the config, as the form stands."""
        template = self.chat_template.value
        if template == "file":
            template = self.template_file.value.strip() or None
        where = {"path": self._config_path(), "train_split": (self.train_split.value or "train").strip(),
                 "valid_split": self.valid_split.value.strip() or None}
        if self.source.value == "variable":  # the written copy, once there is one (Export, Train)
            where = self._written() or {**where, "path": None}
        return {**where, "chat_template": template or None, "column_mapping": self.mapping()}

    def mapping(self) -> dict:
        return self.mapping_editor.mapping()

    def set_config(self, data) -> None:
        """Fill the panel from a DataConfig (a loaded YAML)."""
        self.mapping_editor.pending = dict(data.column_mapping or {})
        self._suspend = True
        try:
            template = data.chat_template or ""
            if template and template not in ("tokenizer", "chatml", "zephyr"):
                self.template_file.value, template = template, "file"
            self.chat_template.value = template
            self.train_split.value = data.train_split or "train"
            self.valid_split.value = data.valid_split or ""
            if data.path:
                if self._looks_hub(data.path):
                    self.hub_id.value = data.path
                    self.source.value = "hub"
                else:
                    self.path.value = data.path
                    self.source.value = "path"
        finally:
            self._suspend = False
        self._template_changed()
        self._show_source_row()
        self.refresh(keep_splits=True)

    def in_memory_data(self) -> Any:
        """The kernel object to train on, or None when the data comes from a path or the Hub."""
        return self.in_memory if self.source.value == "variable" else None

    def in_memory_parts(self) -> tuple[Any, Any]:
        """(train, valid) kernel objects to train on: a DatasetDict's chosen splits, else the object itself."""
        from ..data.snapshot import split_parts

        obj = self.in_memory_data()
        if obj is None:
            return None, None
        return split_parts(obj, None, (self.train_split.value or "train").strip(),
                           self.valid_split.value.strip() or None)

    def save_in_memory_data(self) -> dict | None:
        """Write the kernel data once under ``<workdir>/data`` (a name with a digest of its content), so the
        YAML reruns headless; a run of the same objects names the very same file. Returns its data fields."""
        from ..data.snapshot import snapshot

        train, valid = self.in_memory_parts()
        if train is None:
            return None
        where = snapshot(train, self.confine.path(self.workdir / "data"), self._variable_name(), valid=valid)
        fresh = self._written() != where
        self._snapshot = (train, valid, where)
        if fresh:
            self.on_change()
        return dict(where)

    def _written(self) -> dict | None:
        """The data fields of the written copy of the kernel data now chosen, if it was written."""
        if self._snapshot is None:
            return None
        train, valid = self.in_memory_parts()
        written_train, written_valid, where = self._snapshot
        return dict(where) if train is written_train and valid is written_valid else None

    def sample_rows(self) -> list[dict]:
        return [] if self.frame is None else self.frame.head(_SAMPLE_ROWS).to_dict("records")

    # ------------------------------------------------------------------ source handling

    def refresh(self, keep_splits: bool = False) -> None:
        """Preview the chosen source, then rebuild and check the mapping."""
        if self._suspend:
            return
        kind = self.source.value
        self.in_memory = None
        if kind == "hub":
            hub_id = self.hub_id.value.strip()
            if not hub_id:
                return self._set_preview(None, None)
            try:
                source = self.confine.source(hub_id)  # a local folder typed here is confined like a path
            except TunewidgetsError as exc:
                return self._set_preview(None, str(exc))
            if source != hub_id:
                return self._preview_local(source, keep_splits)
            self.info.value = theme.help_html(f"asking the Hub for '{hub_id}' ...")
            split = self.train_split.value.strip() or "train"
            self.background.start("hub-preview", lambda: self._preview_in_background(hub_id, split))
            return None
        if kind == "variable":
            obj = self._variable_object()
            self.in_memory = obj
            self._set_split_options(["train"] if table_kind(obj) != "DatasetDict" else list(obj.keys()),
                                    single=table_kind(obj) != "DatasetDict")
            return self._preview(obj, "train" if table_kind(obj) != "DatasetDict" else self.train_split.value)
        path = self.path.value.strip()
        if not path:
            return self._set_preview(None, None)
        try:
            local = str(self.confine.folder(path)) if self.confine.active else path
        except TunewidgetsError as exc:  # outside the served workspace: refused before anything is read
            return self._set_preview(None, str(exc))
        return self._preview_local(local, keep_splits)

    def _preview_local(self, local: str, keep_splits: bool) -> None:
        self._update_splits(local, keep_splits)
        split = self.train_split.value.strip() or "train"
        try:
            self._confine_split(local, split)
        except TunewidgetsError as exc:
            return self._set_preview(None, str(exc))
        return self._preview(local, split)

    def _preview(self, source: Any, split: str) -> None:
        if source is None:
            return self._set_preview(None, None)
        from ..data.preview import preview

        try:
            result = preview(source, split=split, n=_SAMPLE_ROWS)
        except DataError as exc:
            return self._set_preview(None, str(exc))
        except (OSError, ValueError) as exc:
            return self._set_preview(None, f"cannot read '{source}': {exc}")
        self._previewed = (source, split)
        return self._set_preview(result, None)

    def _preview_in_background(self, hub_id: str, split: str) -> None:
        try:
            self._preview(hub_id, split)
        except Exception as exc:  # noqa: BLE001 - shown, never raised
            self._set_preview(None, f"could not preview Hub dataset '{hub_id}': {type(exc).__name__}: {exc}")

    def _set_preview(self, result, error: str | None) -> None:
        self.error = error
        theme.set_message(self.message, error, "error")
        self._distribution_key = None
        if result is None:
            self.frame, self.columns, self.num_rows = None, [], None
            self._previewed = None
            self.preview_html.value = ""
            self.info.value = ""
        else:
            self.frame, self.columns, self.num_rows = result.frame, list(result.columns), result.num_rows
            self.preview_html.value = preview_table(result.frame, result.columns, readable=self.confine.readable)
            self.info.value = theme.help_html(describe_preview(result))
        self._build_mapping(reguess=True)

    def _update_splits(self, path: str, keep: bool) -> None:
        from ..data.loading import list_splits

        try:
            splits = list_splits(path)
        except DataError:
            splits = []
        single = Path(path).expanduser().is_file()
        self._set_split_options(splits, single=single, keep=keep)

    def _set_split_options(self, splits: list[str], single: bool, keep: bool = False) -> None:
        self._suspend = True
        try:
            self.train_split.options = splits
            self.valid_split.options = [s for s in splits if s != self.train_split.value]
            self.train_split.disabled = single
            self.valid_split.disabled = single
            if single:
                self.train_split.value = "train"
                self.valid_split.value = ""
            elif splits and not keep:
                if self.train_split.value not in splits:
                    self.train_split.value = splits[0]
                valid = [s for s in ("valid", "validation", "val", "dev", "eval", "test") if s in splits]
                if self.valid_split.value and self.valid_split.value not in splits:
                    self.valid_split.value = ""
                if not self.valid_split.value and valid:
                    self.valid_split.value = valid[0]
        finally:
            self._suspend = False
        tip = ("a single file is one split: use a folder with train.* and valid.* files for a validation split"
               if single else "")
        self.valid_split.tooltip = tip

    def _source_changed(self, change=None) -> None:
        self._show_source_row()
        if self.source.value == "variable" and not self.variable.options:
            self.refresh_variables()
        else:
            self.refresh()
        self.on_change()

    def _show_source_row(self) -> None:
        for kind, box in self.rows.items():
            box.layout.display = None if kind == self.source.value else "none"

    def _template_changed(self, change=None) -> None:
        self.template_file.layout.display = None if self.chat_template.value == "file" else "none"
        self._check_template()
        if change is not None:
            self.on_change()

    def _template_file_changed(self, change=None) -> None:
        self._check_template()
        self.on_change()

    def _check_template(self) -> None:
        """A jinja file outside the served workspace is refused here, before the checks read it."""
        self.template_error = None
        text = self.template_file.value.strip()
        if self.chat_template.value == "file" and text:
            try:
                self.confine.template(text)
            except TunewidgetsError as exc:
                self.template_error = str(exc)
        theme.set_message(self.template_message, self.template_error, "error")

    def _confine_split(self, local: str, split: str) -> None:
        """A split names a file or subfolder of a local folder: ``../x`` must not lead out of the workspace."""
        if self.confine.active and split and any(sep in split for sep in ("/", "\\", "..")) \
                and Path(local).is_dir():
            self.confine.path(Path(local) / split)

    def _uploaded(self, change) -> None:
        files = change["new"]
        if not files:
            return
        saved = None
        for item in files:
            saved = self._save_upload(item)
        if saved is not None:
            self._suspend = True
            try:
                self.path.value = str(saved)
                self.source.value = "path"
            finally:
                self._suspend = False
            self._show_source_row()
            self.refresh()
            self.on_change()

    def _save_upload(self, item: dict) -> Path:
        name = Path(str(item.get("name") or "upload.csv")).name
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "upload.csv"
        content = item.get("content", b"")
        data = content.tobytes() if isinstance(content, memoryview) else bytes(content)
        folder = self.confine.path(self.workdir / "uploads")
        folder.mkdir(parents=True, exist_ok=True)
        target = self.confine.path(folder / name)
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists() and target.read_bytes() != data:
            n += 1
            target = self.confine.path(folder / f"{stem}-{n}{suffix}")
        target.write_bytes(data)
        return target

    def _variable_object(self) -> Any:
        key = self.variable.value
        if key is None:
            return None
        if key == GIVEN and self._given is not None:
            return self._given[1]
        namespace = self.namespace() or {}
        if key not in namespace:
            raise DataError(f"variable '{key}' is no longer defined in the notebook: click Refresh list")
        return namespace[key]

    def _variable_name(self) -> str:
        key = self.variable.value
        return self._given[0] if key == GIVEN and self._given else str(key or "data")

    def _config_path(self) -> str | None:
        kind = self.source.value
        if kind == "hub":
            return self.hub_id.value.strip() or None
        if kind == "variable":
            return None  # data_config names the written copy
        return self.path.value.strip() or None

    def _looks_hub(self, path: str) -> bool:
        from ..data.loading import is_hub_id

        if self.confine.active:  # local means local to the workspace; one leading out shows under Path
            try:
                return self.confine.source(path) == path.strip() and not os.path.isabs(path.strip())
            except TunewidgetsError:
                return False

        try:
            return is_hub_id(path)
        except DataError:
            return False

    def _report(self, text: str) -> None:
        self.error = text
        theme.set_message(self.message, text, "error")
        self.on_change()

    # ------------------------------------------------------------------ mapping

    def _build_mapping(self, reguess: bool) -> None:
        self.mapping_editor.rebuild(self.task, self.columns, self.sample_rows(), reguess)
        self.show_marks()
        self.show_distribution()
        self.on_change()

    def _mapping_changed(self) -> None:
        self.show_marks()
        self.show_distribution()
        self.on_change()

    def show_marks(self) -> None:
        """Redraw the preview with the spans the task highlights once its columns are mapped (an answer in
        its context); a task without marks keeps the plain table."""
        hook = TASKS[self.task].marks
        if self.frame is None or (hook is None and not self._marked):
            return
        marks = None
        if hook is not None and not self.mapping_error:
            try:
                marks = hook(self.frame.head(PREVIEW_ROWS).to_dict("records"), self.mapping())
            except Exception:  # noqa: BLE001 - highlighting is a hint; training reports real errors
                marks = None
        self._marked = any(marks or [])
        self.preview_html.value = preview_table(self.frame, self.columns, readable=self.confine.readable, marks=marks)

    def show_distribution(self) -> None:
        """Class counts (or a numeric summary) of the mapped label column, for the tasks that have one."""
        target = target_of(TASKS[self.task], self.mapping()) if self.columns and not self.mapping_error else None
        if target is None or target[0] not in dict(self.columns):
            self._distribution_key = None
            self.distribution.value = ""
            return
        source, split = self._previewed or (None, None)
        key = (id(source) if not isinstance(source, (str, os.PathLike)) else str(source), split, *target)
        if key == self._distribution_key:
            return
        self._distribution_key = key
        from ..data.distribution import label_distribution, summarize

        column, kind = target
        try:
            hub = isinstance(source, (str, os.PathLike)) and self._looks_hub(str(source))
            if source is None or hub:  # a Hub dataset: the previewed rows only, no second request
                dist = summarize(column, list(self.frame[column]), kind=kind, exact=False)
            else:
                dist = label_distribution(source, split, column, kind=kind)
        except Exception as exc:  # noqa: BLE001 - the distribution is a hint; training reports real errors
            self.distribution.value = theme.help_html(f"label distribution unavailable: {exc}")
            return
        self.distribution.value = distribution_html(dist)

    @property
    def mapping_widgets(self) -> dict:
        return self.mapping_editor.widgets

    @property
    def mapping_message(self) -> widgets.HTML:
        return self.mapping_editor.message

    @property
    def mapping_error(self) -> str | None:
        return self.mapping_editor.error
