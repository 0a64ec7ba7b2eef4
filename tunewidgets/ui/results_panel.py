"""7 Results: final metrics, try the model, export, load a YAML, run history and re-attach."""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

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


def generate_text(model, tokenizer, prompt: str, max_new_tokens: int = 64, chat: bool = True) -> str:
    """Greedy generation from the trained model (a chat turn when the tokenizer has a template)."""
    import torch

    if chat and getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                             add_generation_prompt=True)
        inputs = tokenizer(text, return_tensors="pt", add_special_tokens=False)
    else:
        inputs = tokenizer(prompt, return_tensors="pt")
    device = next(model.parameters()).device
    inputs = {k: v.to(device) for k, v in inputs.items()}
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model.generate(**inputs, max_new_tokens=int(max_new_tokens), do_sample=False,
                                    pad_token_id=tokenizer.pad_token_id)
    finally:
        if was_training:
            model.train()
    return tokenizer.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)


IMAGE_TASKS = ("image_classification", "image_regression", "object_detection")
ST_TASKS = tuple(f"sentence-transformers:{kind}" for kind in ("pair", "pair_class", "pair_score", "triplet", "qa"))
PREDICT_TASKS = ("text_classification", "text_regression", "token_classification", "seq2seq", *IMAGE_TASKS,
                 *ST_TASKS, "tabular")
PLACEHOLDERS = {
    "tabular": 'a row as JSON, e.g. {"age": 41, "income": 52000} (or a list of rows); missing columns are imputed',
    **{task: "two or more sentences, one per line: each is compared with the first (cosine similarity)"
       for task in ST_TASKS},
}


def predict_sentences(model, text: str) -> str:
    """Cosine similarity of every line to the first, with the trained sentence encoder."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    vectors = model.encode(lines, convert_to_tensor=True, normalize_embeddings=True)
    if len(lines) == 1:
        return f"one {vectors.shape[-1]}-dimensional embedding: give two or more lines to compare them"
    scores = (vectors[1:] @ vectors[0]).tolist()
    return "\n".join(f"{score:+.3f}  {line}" for score, line in zip(scores, lines[1:]))


def predict_rows(pipeline, info: dict, text: str) -> str:
    """The fitted tabular pipeline's prediction for rows given as JSON."""
    import json

    import pandas as pd

    from ..errors import DataError

    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not JSON: {exc.msg} (column {exc.colno}); give a row like {{\"column\": value}}") from None
    rows = [rows] if isinstance(rows, dict) else rows
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError("give a JSON object (one row) or a list of objects")
    features = list(info.get("features") or [])
    unknown = sorted({k for r in rows for k in r} - set(features))
    frame = pd.DataFrame(rows).reindex(columns=features)
    predictions = pipeline.predict(frame)
    targets = info.get("targets") or ["prediction"]
    names = info.get("labels") or {}
    ids = str(info.get("predicts", "")).startswith("class ids")  # xgboost predicts class ids: show the labels

    def shown(target: str, value) -> str:
        if ids and names.get(target):
            return str(names[target][int(value)])
        return str(value.item() if hasattr(value, "item") else value)

    lines = [f"row {i + 1}: " + ", ".join(f"{t} = {shown(t, v)}" for t, v in
                                          zip(targets, value if getattr(value, "ndim", 0) else [value]))
             for i, value in enumerate(predictions)]
    if unknown:
        lines.append(f"(not features of this model, ignored: {', '.join(unknown)})")
    return "\n".join(lines)


def predict_image(model, processor, task: str, image, threshold: float = 0.5) -> tuple[str, list | None]:
    """(what the trained image model says, boxes as COCO objects for drawing or None) for one PIL image."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    image = image.convert("RGB")
    inputs = {k: v.to(device) for k, v in processor(images=image, return_tensors="pt").items()}
    with torch.no_grad():
        outputs = model(**inputs)
    if task == "object_detection":
        found = processor.post_process_object_detection(outputs, threshold=threshold,
                                                        target_sizes=[(image.height, image.width)])[0]
        boxes, lines, categories = [], [], []
        for score, label, (x0, y0, x1, y1) in zip(found["scores"].tolist(), found["labels"].tolist(),
                                                  found["boxes"].tolist()):
            boxes.append([x0, y0, x1 - x0, y1 - y0])
            categories.append(label)
            lines.append(f"{model.config.id2label.get(label, label)}: {score:.3f} at "
                         f"({x0:.0f}, {y0:.0f}, {x1:.0f}, {y1:.0f})")
        text = "\n".join(lines[:20]) or f"no object scored {threshold} or more"
        return text, [{"bbox": boxes, "category": categories}]
    logits = outputs.logits[0]
    if task == "image_regression":
        return f"{float(logits[0]):.4g}", None
    probs = torch.softmax(logits, -1).tolist()
    ranked = sorted(enumerate(probs), key=lambda item: -item[1])[:5]
    return "\n".join(f"{model.config.id2label.get(i, i)}: {p:.3f}" for i, p in ranked), None


def predict_text(model, tokenizer, task: str, text: str, max_new_tokens: int = 64) -> str:
    """What the trained text model says about ``text``: labels with scores, a value, tags or an output text."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    if task == "seq2seq":
        inputs = {k: v.to(device) for k, v in tokenizer(text, return_tensors="pt", truncation=True).items()}
        with torch.no_grad():
            output = model.generate(**inputs, max_new_tokens=int(max_new_tokens), do_sample=False)
        return tokenizer.decode(output[0], skip_special_tokens=True)
    if task == "token_classification":
        words = text.split()
        inputs = tokenizer(words, is_split_into_words=True, return_tensors="pt", truncation=True)
        word_ids = inputs.word_ids()
        with torch.no_grad():
            logits = model(**{k: v.to(device) for k, v in inputs.items()}).logits[0]
        labels = logits.argmax(-1).tolist()
        tags, seen = [], set()
        for position, word in enumerate(word_ids):
            if word is not None and word not in seen:
                seen.add(word)
                tags.append(f"{words[word]}/{model.config.id2label.get(labels[position], labels[position])}")
        return " ".join(tags)
    inputs = {k: v.to(device) for k, v in tokenizer(text, return_tensors="pt", truncation=True).items()}
    with torch.no_grad():
        logits = model(**inputs).logits[0]
    if task == "text_regression":
        return f"{float(logits[0]):.4g}"
    probs = torch.softmax(logits, -1).tolist()
    ranked = sorted(enumerate(probs), key=lambda item: -item[1])[:5]
    return "\n".join(f"{model.config.id2label.get(i, i)}: {p:.3f}" for i, p in ranked)


class ResultsPanel:
    """Metrics, a prompt box for the trained model, and tabs for export, loading, history."""

    def __init__(self, get_model: Callable[[], tuple], background: theme.Background,
                 report_unexpected: Callable[[str], None], export_widget, load_widget, history_widget):
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
        self.max_new_tokens = widgets.BoundedIntText(value=48, min=1, max=4096, description="Max new tokens",
                                                     style=theme.label_style(),
                                                     layout=widgets.Layout(width="260px"))
        self.chat = widgets.Checkbox(value=True, description="Use the chat template", indent=False,
                                     layout=widgets.Layout(width="200px"))
        self.image_upload = widgets.FileUpload(accept="image/*", multiple=False, description="Choose an image",
                                               layout=widgets.Layout(display="none", width="180px"))
        self.image_upload.add_class("tw-predict-image")
        self.generate_button = widgets.Button(description="Generate", disabled=True, layout=widgets.Layout(width="100px"))
        self.generate_button.add_class("tw-generate")
        self.output = widgets.HTML()
        self.output.add_class("tw-generation")
        self.message = theme.message_widget("tw-results-message")
        self.task = "llm-sft"
        self.generate_button.on_click(guard(lambda _b: self.generate()))
        try_box = widgets.VBox([
            widgets.HTML('<b style="font-size:13px">Try the model</b>'), self.prompt,
            theme.row(self.image_upload, self.max_new_tokens, self.chat, self.generate_button), self.output,
            self.message])
        try_box.add_class("tw-try")
        self.tabs = widgets.Tab(children=[export_widget, load_widget, history_widget],
                                titles=("Export", "Load a config", "History"))
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

    def enable_generation(self, enabled: bool, note: str = "", task: str = "llm-sft") -> None:
        """Offer the prompt box for this task: Generate for LLMs, Predict for text models."""
        llm, image = task.startswith("llm"), task in IMAGE_TASKS
        self.prompt.layout.display = "none" if image else None
        self.image_upload.layout.display = None if image else "none"
        self.generate_button.description = "Generate" if llm or task == "seq2seq" else "Predict"
        self.chat.layout.display = None if llm else "none"
        self.max_new_tokens.layout.display = None if llm or task == "seq2seq" else "none"
        self.prompt.placeholder = ("Ask the trained model something, e.g. What is 2 plus 3?" if llm
                                   else PLACEHOLDERS.get(task, "Text for the trained model"))
        self.task = task
        self.generate_button.disabled = not enabled
        self.generate_button.tooltip = note

    def generate(self) -> None:
        if self.task in IMAGE_TASKS:
            if not self.image_upload.value:
                self._error("choose an image first")
                return
            prompt = bytes(self.image_upload.value[0]["content"])
        else:
            prompt = self.prompt.value.strip()
        if not prompt:
            self._error("type a prompt first")
            return
        theme.set_message(self.message, None)
        self.output.value = theme.help_html("generating ...")
        self.generate_button.disabled = True
        self.background.start("generate", lambda: self._generate(prompt))

    def _generate(self, prompt: str) -> None:
        try:
            model, tokenizer = self.get_model()
            if model is None or (tokenizer is None and self.task not in ST_TASKS):
                self._error("no trained model in memory: train one or re-attach to a finished run")
                return
            picture = ""
            if self.task in IMAGE_TASKS:
                import io

                from PIL import Image

                from .thumbnails import thumbnail_uri

                image = Image.open(io.BytesIO(prompt))
                text, objects = predict_image(model, tokenizer, self.task, image)
                uri = thumbnail_uri(image, objects[0] if objects else None, size=160)
                picture = f'<img class="tw-predicted-image" src="{uri}" style="max-width:160px">' if uri else ""
            elif self.task.startswith("llm"):
                text = generate_text(model, tokenizer, prompt, self.max_new_tokens.value, self.chat.value)
            elif self.task in ST_TASKS:
                text = predict_sentences(model, prompt)
            elif self.task == "tabular":
                text = predict_rows(model, tokenizer, prompt)
            else:
                text = predict_text(model, tokenizer, self.task, prompt, self.max_new_tokens.value)
            self.output.value = (f'{picture}<div class="tw-generated" style="white-space:pre-wrap;font-family:monospace;'
                                 f'font-size:12px;border-left:3px solid {theme.GREEN};padding:4px 8px">'
                                 f"{theme.esc(text) or '(empty)'}</div>")
        except Exception as exc:  # noqa: BLE001 - shown, never raised
            import traceback

            self._error(f"generation failed: {type(exc).__name__}: {exc}")
            self.report_unexpected(traceback.format_exc())
        finally:
            self.generate_button.disabled = False

    def _error(self, text: str) -> None:
        self.output.value = ""
        theme.set_message(self.message, text, "error")
