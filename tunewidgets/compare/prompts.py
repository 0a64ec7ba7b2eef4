"""The prompts a comparison asks: the run's own validation rows (as training laid them out, the rows eval_generate
picked), a file of prompts, or texts typed in.

A prompt a user wrote is plain text and carries no layout: it is laid out per model by :func:`laid_out` (the chat
rule), so a run that trained on conversations is asked in a user turn and one that trained on raw text is asked
the text itself. Validation rows keep the layout training gave them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..config.loader import load_config
from ..config.tasks import TASKS
from ..device import DeviceInfo
from ..errors import ConfigError, DataError, TunewidgetsError
from ..tasks.base import TaskContext
from ..tasks.shared.generation_examples import CAUSAL, GenerationExample, pick_examples

JSON_SUFFIXES = (".jsonl", ".json")


@dataclass
class WrittenPrompt(GenerationExample):
    """A prompt a user wrote (a file's row or line, a typed text): plain text until :func:`laid_out` lays it
    out for one model."""


def prompts_from_texts(texts: Sequence[str]) -> list[GenerationExample]:
    """One prompt per non-empty text."""
    examples: list[GenerationExample] = [WrittenPrompt(str(text).strip()) for text in texts
                                         if str(text or "").strip()]
    if not examples:
        raise DataError("no prompts given: every text is empty")
    return examples


def prompts_from_file(path: str | Path) -> list[GenerationExample]:
    """Prompts from a ``.jsonl`` or ``.json`` file of rows (``prompt``: text or {role, content} turns; optional
    ``reference``; optional ``image``, a path relative to the file's folder), or from any other file, one prompt
    per non-empty line."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"prompts file {path} not found" if not path.exists() else f"prompts file {path} is a folder")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"prompts file {path} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DataError(f"cannot read prompts file {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".jsonl":
        rows = [(f"line {number}", _json(line, path, number))
                for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    elif path.suffix.lower() == ".json":
        rows = [(f"item {number}", row) for number, row in enumerate(_json_list(text, path), 1)]
    else:
        return _lines(text, path)
    if not rows:
        raise DataError(f"prompts file {path} holds no prompts")
    return [_row(row, f"{path}, {where}", path.parent) for where, row in rows]


def prompts_from_valid(run_dir: str | Path, count: int, processor=None) -> list[GenerationExample]:
    """``count`` validation prompts of the run in ``run_dir``: its task prepares its validation split as training
    did (no model is loaded) and the same rows eval_generate picks are taken, with their references."""
    run_dir = Path(run_dir)
    if not (run_dir / "config.yml").is_file():
        raise ConfigError(f"'{run_dir}' is not a run directory: it has no config.yml")
    config = load_config(run_dir / "config.yml")
    spec = TASKS[config.task]
    if spec.valid_prompts is None or spec.generates is None:
        raise ConfigError(f"run '{run_dir.name}' ({config.task}) has no validation prompts to answer: "
                          "give --prompts FILE")
    ctx = TaskContext(config=config, run_dir=run_dir, device=DeviceInfo(device="cpu"), log=lambda message: None)
    try:
        dataset = spec.valid_prompts(ctx, processor)
    except TunewidgetsError as exc:
        raise named(exc, f"run '{run_dir.name}', its validation split") from None
    if dataset is None:
        raise DataError(f"run '{run_dir.name}' has no validation split (data.valid_split is not set): "
                        "give --prompts FILE")
    examples = pick_examples(dataset, int(count), spec.generates)
    if not examples:
        raise DataError(f"no row of the validation split of run '{run_dir.name}' holds a prompt: give --prompts FILE")
    return examples


def laid_out(examples: Sequence[GenerationExample], kind: str, chat: bool) -> list[GenerationExample]:
    """The examples as one model is asked them: for a causal model with ``chat``, a written prompt becomes one user
    turn (its chat template then renders it); an encoder-decoder or vision-language model takes text, so a
    conversation becomes its user turns' text. Validation rows are left as training laid them out."""
    out = []
    for example in examples:
        prompt = example.prompt
        if kind == CAUSAL:
            if chat and isinstance(example, WrittenPrompt) and isinstance(prompt, str):
                prompt = [{"role": "user", "content": prompt}]
        elif isinstance(prompt, list):
            prompt = "\n".join(str(m.get("content", "")) for m in prompt if m.get("role") == "user")
        out.append(GenerationExample(prompt, example.reference, example.image))
    return out


def chat_rule(config, chat: bool | None) -> bool:
    """Whether a causal run is asked written prompts in a user turn: ``chat`` when given (--chat, --raw), else
    when the run trained with a chat template (``data.chat_template`` set)."""
    return bool(chat) if chat is not None else config.data.chat_template is not None


def named(exc: TunewidgetsError, where: str) -> TunewidgetsError:
    """The same error with ``where`` before its message (an error whose class takes other arguments as it is)."""
    try:
        return type(exc)(f"{where}: {exc}")
    except TypeError:
        return exc


# --------------------------------------------------------------------------- file rows


def _lines(text: str, path: Path) -> list[GenerationExample]:
    examples: list[GenerationExample] = [WrittenPrompt(line.strip()) for line in text.splitlines() if line.strip()]
    if not examples:
        raise DataError(f"prompts file {path} holds no prompts (every line is empty)")
    return examples


def _json(line: str, path: Path, number: int) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}, line {number}: not valid JSON ({exc.msg} at character {exc.pos})") from None


def _json_list(text: str, path: Path) -> list:
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if isinstance(data, dict) and isinstance(data.get("prompts"), list):
        data = data["prompts"]
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a list of rows ({{\"prompt\": ..., \"reference\": ...}}), "
                        f"got {type(data).__name__}")
    return data


def _row(row: Any, where: str, folder: Path) -> GenerationExample:
    """One file row as a prompt: text, or a row with ``prompt``, ``reference`` and ``image``."""
    if isinstance(row, str):
        row = {"prompt": row}
    if not isinstance(row, dict):
        raise DataError(f"{where}: expected an object with \"prompt\", got {type(row).__name__}")
    image = _image(row["image"], where, folder) if row.get("image") not in (None, "") else None
    prompt = row.get("prompt")
    if prompt in (None, "", []) and image is None:
        raise DataError(f"{where}: no \"prompt\" (keys: {', '.join(map(str, row)) or 'none'})")
    if isinstance(prompt, list):
        from ..data.chat import parse_messages

        try:
            prompt = parse_messages(prompt)
        except DataError as exc:
            raise DataError(f"{where}: \"prompt\": {exc}") from None
        example: GenerationExample = GenerationExample(prompt)  # laid out by the chat template, never wrapped
    elif prompt is None or isinstance(prompt, (str, int, float)):
        example = WrittenPrompt("" if prompt is None else str(prompt).strip())
    else:
        raise DataError(f"{where}: \"prompt\" holds {type(prompt).__name__}: give text or a list of "
                        "{role, content} turns")
    reference = row.get("reference")
    if reference is not None and not isinstance(reference, (str, int, float)):
        raise DataError(f"{where}: \"reference\" holds {type(reference).__name__}: give text")
    example.reference = None if reference is None else str(reference)
    example.image = image
    return example


def _image(value: Any, where: str, folder: Path):
    """The row's image, opened as RGB; a path is read relative to the prompts file's folder."""
    if not isinstance(value, str):
        raise DataError(f"{where}: \"image\" must be a path to an image file, got {type(value).__name__}")
    path = Path(value).expanduser()
    path = path if path.is_absolute() else folder / path
    if not path.is_file():
        raise DataError(f"{where}: image {path} not found")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise DataError(f"{where}: cannot read image {path} ({exc})") from None
