"""7 Results: final metrics, try the model, export, load a YAML, run history and re-attach, compare answers."""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

from ..config.tasks import TASKS, default_task
from . import theme


def metrics_html(records: list[dict], status: dict) -> str:
    """Final metrics of a run as a small table."""
    losses = [r for r in records if isinstance(r.get("loss"), (int, float))]
    evals = [r for r in records if isinstance(r.get("eval_loss"), (int, float))]
    rows = [("state", status.get("state", "?"))]
    if status.get("step") is not None:
        rows.append(("steps", f"{status['step']}" + (f" / {status['max_steps']}" if status.get("max_steps") else "")))
    if status.get("duration"):
        rows.append(("duration", f"{status['duration']:.1f} s"))
    if losses:
        rows.append(("final train loss", f"{losses[-1]['loss']:.4f} (step {losses[-1]['step']})"))
        rows.append(("first train loss", f"{losses[0]['loss']:.4f} (step {losses[0]['step']})"))
    if evals:
        best = min(evals, key=lambda r: r["eval_loss"])
        rows.append(("final eval loss", f"{evals[-1]['eval_loss']:.4f} (step {evals[-1]['step']})"))
        rows.append(("best eval loss", f"{best['eval_loss']:.4f} (step {best['step']})"))
    last = records[-1] if records else {}
    for key, value in last.items():
        if key.startswith("eval_") and key not in ("eval_loss", "eval_runtime", "eval_samples_per_second",
                                                    "eval_steps_per_second") and isinstance(value, (int, float)):
            rows.append((key, f"{value:.4g}"))
    if status.get("path"):
        rows.append(("saved in", status["path"]))
    if status.get("error"):
        rows.append(("error", status["error"]))
    body = "".join(f"<tr><th>{theme.esc(k)}</th><td>{theme.esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="tw-table tw-metrics-table" style="{theme.TABLE_STYLE}">{body}</table>'


class ResultsPanel:
    """Metrics, a prompt box for the trained model, and tabs for export, loading, history."""

    def __init__(self, get_model: Callable[[], tuple], background: theme.Background,
                 report_unexpected: Callable[[str], None], export_widget, load_widget, history_widget,
                 compare_widget=None):
        self.get_model = get_model
        self.background = background
        self.report_unexpected = report_unexpected
        guard = theme.guarded(self._error, report_unexpected)
        self.metrics = widgets.HTML(theme.help_html("Train a model (or re-attach to a run) to see its metrics here."))
        self.metrics.add_class("tw-metrics")
        self.confusion = widgets.Image(format="png", layout=widgets.Layout(display="none", max_width="100%"))
        self.confusion.add_class("tw-confusion")
        self.confusion_step: int | None = None  # the evaluation it shows (None: none shown)
        self._confusion_drawn: tuple[str, str] | None = None  # (file, content) on show: not drawn twice
        self.summary = widgets.HBox([self.metrics, self.confusion], layout=widgets.Layout(
            flex_flow="row wrap", align_items="flex-start", grid_gap="4px 24px", max_width="100%"))
        self.prompt = widgets.Textarea(placeholder="Ask the trained model something, e.g. What is 2 plus 3?",
                                       description="Prompt", style=theme.label_style(),
                                       layout=widgets.Layout(width=theme.WIDE_WIDTH, height="60px"))
        self.prompt.add_class("tw-prompt")
        self.query = widgets.Textarea(description="Question", style=theme.label_style(),  # a task's predict.query
                                      layout=widgets.Layout(width=theme.WIDE_WIDTH, height="40px", display="none"))
        self.query.add_class("tw-query")
        self.max_new_tokens = widgets.BoundedIntText(value=48, min=1, max=4096, description="Max new tokens",
                                                     style=theme.label_style(),
                                                     layout=widgets.Layout(width="260px"))
        self.chat = widgets.Checkbox(value=True, description="Use the chat template", indent=False,
                                     layout=widgets.Layout(width="200px"))
        self.image_upload = widgets.FileUpload(accept="image/*", multiple=False, description="Choose an image",
                                               layout=widgets.Layout(display="none", width="180px"))
        self.image_upload.add_class("tw-predict-image")
        self.generate_button = widgets.Button(description="Generate", disabled=True,
                                              layout=widgets.Layout(width="100px"))
        self.generate_button.add_class("tw-generate")
        self.output = widgets.HTML()
        self.output.add_class("tw-generation")
        self.message = theme.message_widget("tw-results-message")
        self.task = default_task()
        self.generate_button.on_click(guard(lambda _b: self.generate()))
        try_box = widgets.VBox([
            widgets.HTML('<b style="font-size:13px">Try the model</b>'), self.prompt, self.query,
            theme.row(self.image_upload, self.max_new_tokens, self.chat, self.generate_button), self.output,
            self.message])
        try_box.add_class("tw-try")
        tabs = [("Export", export_widget), ("Load a config", load_widget), ("History", history_widget),
                ("Compare", compare_widget)]
        tabs = [(title, child) for title, child in tabs if child is not None]
        self.tabs = widgets.Tab(children=[child for _, child in tabs], titles=tuple(title for title, _ in tabs))
        self.tabs.add_class("tw-results-tabs")
        self.widget = theme.section(7, "Results", [self.summary, try_box, self.tabs], theme.RESULTS,
                                    "The trained model is app.model (and app.tokenizer); export the run to rerun it.")

    def show_metrics(self, records: list[dict], status: dict) -> None:
        self.metrics.value = metrics_html(records, status)

    def show_confusion(self, run_dir, step: int | None = None) -> bool:
        """Draw the run's latest confusion matrix (classifiers write one per evaluation); hide it if there is none."""
        import json
        from pathlib import Path

        path = Path(run_dir) / "confusion_matrix.json" if run_dir is not None else None
        try:
            record = json.loads(path.read_text(encoding="utf-8")) if path is not None and path.is_file() else None
        except (OSError, ValueError):
            record = None  # a file being replaced right now: the next evaluation (or the end) draws it
        if not record or not record.get("matrix"):
            self.confusion.value, self.confusion.layout.display, self.confusion_step = b"", "none", None
            self._confusion_drawn = None
            return False
        drawn = (str(path), json.dumps(record, sort_keys=True))
        if drawn != self._confusion_drawn:  # the run's end shows what its last evaluation already drew
            from .plot import confusion_png

            self.confusion.value = confusion_png(record.get("labels") or [], record["matrix"])
            self._confusion_drawn = drawn
        self.confusion.layout.display = None
        self.confusion_step = step
        return True

    def enable_generation(self, enabled: bool, note: str = "", task: str | None = None) -> None:
        """Offer the Try-the-model box as the task's ``predict`` declares it (a text box or an image upload,
        its button, its options); a task without one says so."""
        self.task = task or self.task
        predict = TASKS[self.task].predict
        kind = predict.input if predict is not None else "text"
        options = predict.options if predict is not None else ()
        self.prompt.layout.display = "none" if kind == "image" else None  # image_text: an image and a prompt
        self.image_upload.layout.display = None if kind in ("image", "image_text") else "none"
        self.generate_button.description = predict.button if predict is not None else "Predict"
        self.chat.layout.display = None if "chat" in options else "none"
        self.max_new_tokens.layout.display = None if "max_new_tokens" in options else "none"
        self.prompt.placeholder = predict.placeholder if predict is not None else ""
        self.query.layout.display = None if predict is not None and predict.query else "none"
        self.query.placeholder = (predict.query or "") if predict is not None else ""
        self.generate_button.disabled = not enabled or predict is None
        self.generate_button.tooltip = note if predict is not None else "this task has no Try the model: use app.model"

    def generate(self) -> None:
        predict = TASKS[self.task].predict
        prompt = self.prompt.value.strip()
        if predict is not None and predict.input in ("image", "image_text"):
            if not self.image_upload.value:
                self._error("choose an image first")
                return
            value = bytes(self.image_upload.value[0]["content"])
        else:
            value = prompt
        if not value:
            self._error("type a prompt first")
            return
        if predict is not None and predict.query and not self.query.value.strip():
            self._error("type a question first")
            return
        theme.set_message(self.message, None)
        self.output.value = theme.help_html("generating ...")
        self.generate_button.disabled = True
        self.background.start("generate", lambda: self._generate(value, prompt))

    def _generate(self, value, prompt: str = "") -> None:
        from ..errors import TunewidgetsError

        predict = TASKS[self.task].predict
        try:
            model, processor = self.get_model()
            if model is None or processor is None:
                self._error("no trained model in memory: train one or re-attach to a finished run")
                return
            options = {"max_new_tokens": self.max_new_tokens.value, "chat": self.chat.value}
            options = {key: options[key] for key in predict.options}
            if predict.input == "image_text":  # the prompt beside the image (may be empty: the task's default)
                options["prompt"] = prompt
            if predict.query:  # a question about the text (its answer is a span of it)
                options["query"] = self.query.value.strip()
            picture = ""
            if predict.input in ("image", "image_text"):
                import io

                from PIL import Image

                from .thumbnails import thumbnail_uri

                value = Image.open(io.BytesIO(value))
            answer = predict.run(model, processor, value, **options)
            if predict.input in ("image", "image_text"):
                uri = thumbnail_uri(value, answer.objects, size=160)
                picture = f'<img class="tw-predicted-image" src="{uri}" style="max-width:160px">' if uri else ""
            self.output.value = (f'{picture}<div class="tw-generated" style="white-space:pre-wrap;'
                                 f'font-family:monospace;font-size:12px;border-left:3px solid {theme.GREEN};'
                                 'padding:4px 8px">'
                                 f"{theme.esc(answer.text) or '(empty)'}</div>" + _span_html(answer))
        except TunewidgetsError as exc:
            self._error(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown, never raised
            import traceback

            self._error(f"generation failed: {type(exc).__name__}: {exc}")
            self.report_unexpected(traceback.format_exc())
        finally:
            self.generate_button.disabled = False

    def _error(self, text: str) -> None:
        self.output.value = ""
        theme.set_message(self.message, text, "error")


def _span_html(answer) -> str:
    """The text an answer was found in, with the answer's span marked (nothing for other predictions)."""
    if answer.context is None:
        return ""
    text, inner = answer.context, theme.esc(answer.context)
    if answer.span is not None:
        start, end = answer.span
        inner = (f'{theme.esc(text[:start])}<mark class="tw-answer-span" style="background:{theme.LOSS_SHADE}">'
                 f'{theme.esc(text[start:end])}</mark>{theme.esc(text[end:])}')
    return f'<div class="tw-answer-context" style="white-space:pre-wrap;font-size:12px;padding:4px 8px">{inner}</div>'
