"""Look and feel: stable CSS class names, layout constants, messages and section frames.

The class names are a public contract: browser tests and user scripts find
widgets by them, so they never change without a deprecation. Colours are
inline in the HTML we generate so a message stays red even where a front end
drops the ``<style>`` block (some sanitising renderers do).
"""

from __future__ import annotations

import html
import threading
import traceback
from typing import Any, Callable

import ipywidgets as widgets

# --------------------------------------------------------------------------- class names

APP = "tw-app"
TASK = "tw-task"
MODEL = "tw-model"
DATA = "tw-data"
PREVIEW = "tw-preview"
MAPPING = "tw-mapping"
CHECKS = "tw-checks"
PARAMS = "tw-params"
TRAIN = "tw-train"
STOP = "tw-stop"
RESUME = "tw-resume"
PROGRESS = "tw-progress"
STEP = "tw-step"
STATUS = "tw-status"
PLOT = "tw-plot"
LOG = "tw-log"
RESULTS = "tw-results"
EXPORT = "tw-export"
HISTORY = "tw-history"
ERROR = "tw-error"
SECTION = "tw-section"

LABEL_WIDTH = "170px"
FIELD_WIDTH = "430px"
WIDE_WIDTH = "640px"
APP_MAX_WIDTH = "1000px"

RED = "#c62828"
AMBER = "#a15c00"
GREEN = "#2e7d32"
GREY = "#666"
LOSS_SHADE = "#c8e6c9"
# ipywidgets gives HTML content a 28px line height (one widget row): text blocks set their own.
TABLE_STYLE = "border-collapse:collapse;font-size:12px;line-height:1.3"
CODE_STYLE = ("background:#f7f7f7;border:1px solid #e3e3e3;padding:6px;font-size:12px;line-height:1.35;"
              "font-family:var(--jp-code-font-family, monospace);max-height:320px;overflow:auto;margin:0;"
              "white-space:pre;max-width:100%;box-sizing:border-box")
CUT_SHADE = "#eeeeee"

CSS = f"""
<style>
.{APP} {{ font-family: var(--jp-ui-font-family, system-ui, sans-serif); }}
.{APP} .tw-section {{ border-top: 1px solid #ddd; padding: 6px 0 10px 0; }}
.{APP} .tw-title {{ font-size: 15px; font-weight: 600; margin: 2px 0 4px 0; }}
.{APP} .tw-help {{ color: {GREY}; font-size: 12px; line-height: 1.3; }}
.{APP} table.tw-table {{ border-collapse: collapse; font-size: 12px; }}
.{APP} table.tw-table th, .{APP} table.tw-table td {{
  border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top;
  max-width: 320px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }}
.{APP} table.tw-table th small {{ color: {GREY}; font-weight: normal; }}
.{APP} pre.tw-code {{ background: #f7f7f7; border: 1px solid #e3e3e3; padding: 6px; font-size: 12px;
  max-height: 320px; overflow: auto; white-space: pre; margin: 0; }}
.{APP} .tw-tokens {{ font-family: var(--jp-code-font-family, monospace); font-size: 12px; line-height: 1.9;
  white-space: pre-wrap; word-break: break-all; max-height: 260px; overflow: auto; }}
</style>
"""


def style_widget() -> widgets.HTML:
    """The one ``<style>`` block; the app puts it first."""
    return widgets.HTML(CSS, layout=widgets.Layout(margin="0px"))


# --------------------------------------------------------------------------- text helpers


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


_COLOURS = {"error": RED, "warning": AMBER, "ok": GREEN, "info": GREY}
_PREFIX = {"error": "", "warning": "Warning: ", "ok": "", "info": ""}


def message_html(text: str | None, level: str = "error") -> str:
    """A one-line coloured message; empty text gives an empty string."""
    if not text:
        return ""
    colour = _COLOURS.get(level, GREY)
    return (f'<div class="tw-msg tw-msg-{level}" style="color:{colour};font-size:13px;line-height:1.35;'
            f'white-space:normal">{html.escape(_PREFIX.get(level, "") + str(text), quote=False)}</div>')


def set_message(widget: widgets.HTML, text: str | None, level: str = "error") -> None:
    """Show ``text`` in ``widget`` (hidden when empty); tags it tw-error while it shows an error."""
    widget.value = message_html(text, level)
    widget.layout.display = None if text else "none"
    if text and level == "error":
        widget.add_class(ERROR)
    else:
        widget.remove_class(ERROR)


def message_widget(cls: str | None = None) -> widgets.HTML:
    widget = widgets.HTML("", layout=widgets.Layout(display="none"))
    if cls:
        widget.add_class(cls)
    return widget


def help_html(text: str) -> str:
    return (f'<span class="tw-help" style="color:{GREY};font-size:12px;line-height:1.3;display:inline-block">'
            f"{esc(text)}</span>")


# --------------------------------------------------------------------------- layout helpers


def section(number: int | None, title: str, children: list, cls: str, subtitle: str = "") -> widgets.VBox:
    """A titled block of the app: '3  Data' with an optional grey line under it."""
    head = f"{number}&nbsp;&nbsp;{esc(title)}" if number else esc(title)
    sub = f'<div class="tw-help" style="color:{GREY};font-size:12px">{esc(subtitle)}</div>' if subtitle else ""
    header = widgets.HTML(f'<div class="tw-title" style="font-size:15px;font-weight:600">{head}</div>{sub}')
    box = widgets.VBox([header, *children], layout=widgets.Layout(padding="4px 0 8px 0"))
    box.add_class(SECTION)
    box.add_class(cls)
    return box


def label_style() -> dict:
    return {"description_width": LABEL_WIDTH}


def field_layout(width: str = FIELD_WIDTH) -> widgets.Layout:
    return widgets.Layout(width=width)


def row(*children, **layout) -> widgets.HBox:
    return widgets.HBox(list(children), layout=widgets.Layout(align_items="center", flex_flow="row wrap", **layout))


def tagged(widget, *classes: str):
    for cls in classes:
        widget.add_class(cls)
    return widget


# --------------------------------------------------------------------------- callbacks


def guarded(report: Callable[[str], None], on_unexpected: Callable[[str], None] | None = None):
    """Decorate a widget callback so nothing is raised into the notebook.

    A TunewidgetsError is a user problem: its message is reported. Anything else
    is a bug: a one-line summary is reported and the traceback goes to
    ``on_unexpected`` (the app's log), never to the cell.
    """
    from ..errors import TunewidgetsError

    def decorate(fn):
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except TunewidgetsError as exc:
                report(str(exc))
            except Exception as exc:  # noqa: BLE001 - a widget callback must never raise
                report(f"unexpected error: {type(exc).__name__}: {exc}")
                if on_unexpected is not None:
                    try:
                        on_unexpected(traceback.format_exc())
                    except Exception:  # noqa: BLE001
                        pass
            return None

        wrapper.__name__ = getattr(fn, "__name__", "callback")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper

    return decorate


class Background:
    """Run slow work (building the demo, checks, generation) off the kernel's thread.

    The work only sets widget values. ``join`` lets tests and scripts wait.
    """

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, name: str, fn: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=fn, name=f"tunewidgets-{name}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return thread

    def busy(self, name: str | None = None) -> bool:
        with self._lock:
            return any(t.is_alive() and (name is None or t.name == f"tunewidgets-{name}") for t in self._threads)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for all work started so far; True when none is left running."""
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                alive = [t for t in self._threads if t.is_alive()]
            if not alive:
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            alive[0].join(left)
