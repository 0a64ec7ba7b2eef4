"""Several models answer the same prompts, one model in memory at a time: the runs' saved models (adapters
applied) and, when asked, the base models they started from.

Every answer is written the way eval_generate writes them during training (greedy, through
``generation_batches.answers``), and the base model is asked through the run's own tokenizer or processor, so
the prompt layout and chat template are the ones the run trained with: the columns differ only by the weights.
"""

from __future__ import annotations

import gc
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ..device import resolve_device
from ..errors import DataError
from ..progress_bars import transformers_bars_off
from ..run.saved import load_saved
from ..tasks.shared.generation_batches import answers
from ..tasks.shared.generation_examples import CAUSAL, SEQ2SEQ, VLM, GenerationExample
from ..tasks.shared.samples import as_text
from . import table
from .contenders import Contender, find_contenders
from .prompts import chat_rule, laid_out


@dataclass
class Comparison:
    """The answers side by side: ``columns`` are the contenders' keys (base first), each row holds ``prompt``
    (as shown), ``reference`` and one answer per key; ``notes`` say what was adapted on the way."""

    columns: list[str]
    rows: list[dict]
    notes: list[str] = field(default_factory=list)

    def records(self) -> list[dict]:
        """One dict per prompt with exactly ``prompt``, ``reference`` and one key per column."""
        return [{"prompt": r["prompt"], "reference": r["reference"], **{k: r.get(k) for k in self.columns}}
                for r in self.rows]

    def to_jsonl(self, path: str | Path) -> Path:
        """One JSON object per prompt (:meth:`records`); raises OSError when the file cannot be written."""
        path = Path(path).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in self.records())
        path.write_text(text, encoding="utf-8")
        return path

    def table(self, width: int = 100) -> str:
        """A readable terminal table ``width`` characters wide (one block per prompt when that is too narrow)."""
        return table.render(self.columns, self.rows, width)


def compare(run_dirs: Sequence[str | Path], examples: Sequence[GenerationExample], *, base: bool = False,
            max_new_tokens: int = 64, chat: bool | None = None, workdir: str | Path | None = None,
            on_progress: Callable[[str], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> Comparison:
    """Every contender answers ``examples``; ``chat`` forces (True) or keeps off (False) the user turn around
    written prompts for causal runs (None: when the run trained with a chat template). ``should_stop`` is asked
    between contenders: the comparison then holds the columns answered so far."""
    contenders = find_contenders(run_dirs, base=base, workdir=workdir)
    examples = list(examples)
    if not examples:
        raise DataError("no prompts to answer")
    check_prompts(examples, contenders)
    kind = contenders[0].kind
    report = on_progress or (lambda text: None)
    device = resolve_device(None).device
    processors: dict[Path, Any] = {}  # run directory -> its tokenizer or processor (a base borrows it)
    answered: dict[str, list[str]] = {}
    notes: list[str] = []
    # The runs load before the bases: a base is asked through its run's processor, read with the run's model.
    order = [c for c in contenders if not c.is_base] + [c for c in contenders if c.is_base]
    for contender in order:
        if should_stop is not None and should_stop():
            left = [c.key for c in order if c.key not in answered]
            notes.append(f"stopped before {', '.join(left)} answered")
            break
        report(f"loading {contender.key} ...")
        with transformers_bars_off():  # the progress lines above say what is loading
            model, processor = _load(contender, processors, notes)
        try:
            if device == "cuda" and not _quantized(model):
                model = model.to("cuda")
            asked = _asked(examples, contender, processor, chat, notes)
            report(f"answering {len(examples)} prompts with {contender.key} ...")
            answered[contender.key] = answers(kind, model, processor, asked, max_new_tokens, **_options(contender))
        finally:
            del model
            _free(device)
    columns = [c.key for c in contenders if c.key in answered]
    rows = [{"prompt": e.shown, "reference": e.reference, **{key: answered[key][i] for key in columns}}
            for i, e in enumerate(examples)]
    return Comparison(columns, rows, notes)


def check_prompts(examples: Sequence[GenerationExample], contenders: Sequence[Contender]) -> None:
    """Every prompt can be asked of these contenders (a vision-language model needs an image with each)."""
    first = next((c for c in contenders if not c.is_base), contenders[0])
    if first.kind == VLM:
        missing = [i for i, e in enumerate(examples, 1) if e.image is None]
        if missing:
            raise DataError(f"run '{first.key}' ({first.config.task}) answers about an image and prompt {missing[0]} "
                            "has none: give --prompts FILE.jsonl with an \"image\" path in every row")
        return
    empty = [i for i, e in enumerate(examples, 1) if not str(e.shown).strip()]
    if empty:
        raise DataError(f"prompt {empty[0]} is empty: run '{first.key}' ({first.config.task}) answers text (a row "
                        "with an image alone is for the vision-language tasks)")


def _load(contender: Contender, processors: dict[Path, Any], notes: list[str]):
    """(model, processor): a run's saved model and processor, or a base model with its run's processor."""
    if not contender.is_base:
        model, processor = load_saved(contender.model_dir, contender.config.task)
        processors.setdefault(contender.run_dir, processor)
        return model, processor
    model, _ = contender.spec.load_saved(Path(contender.base))
    processor = processors[contender.run_dir]
    _fit_embeddings(model, processor, contender.key, notes)
    return model, processor


def _fit_embeddings(model, processor, key: str, notes: list[str]) -> None:
    """A run whose chat template added tokens has a longer vocabulary than its base: the base grows to take
    them (their vectors are new, untrained), as training grew it."""
    tokenizer = getattr(processor, "tokenizer", processor)
    embeddings = model.get_input_embeddings()
    size = getattr(embeddings, "num_embeddings", None)
    if size is not None and len(tokenizer) > size:
        model.resize_token_embeddings(len(tokenizer))
        notes.append(f"{key}: embeddings grown from {size} to {len(tokenizer)} tokens for the run's tokenizer "
                     "(the new tokens are untrained in the base)")


def _asked(examples: list[GenerationExample], contender: Contender, processor, chat: bool | None,
           notes: list[str]) -> list[GenerationExample]:
    """The prompts as this contender is asked them (the chat rule for causal runs, text for the others)."""
    kind = contender.kind
    if kind != CAUSAL:
        return laid_out(examples, kind, chat=False)
    has_template = bool(getattr(processor, "chat_template", None))
    wanted = chat_rule(contender.config, chat)
    if wanted and not has_template:
        if chat:
            raise DataError(f"--chat: {contender.key}'s tokenizer has no chat template to lay out a user turn "
                            "with: use --raw")
        wanted = False
    asked = laid_out(examples, kind, chat=wanted)
    if not has_template and any(isinstance(e.prompt, list) for e in asked):
        asked = [GenerationExample(as_text(e.prompt), e.reference, e.image) for e in asked]
        notes.append(f"{contender.key}: its tokenizer has no chat template: conversations were asked as plain "
                     "'role: content' lines")
    return asked


def _options(contender: Contender) -> dict:
    """What ``answers`` needs to know of a task: the source length (seq2seq), captioning (vision-language)."""
    if contender.kind == SEQ2SEQ:
        return {"max_source_tokens": getattr(contender.config.params, "max_seq_length", None)}
    if contender.kind == VLM:
        return {"captioning": bool(dict(contender.spec.build.bound).get("captioning"))}
    return {}


def _quantized(model) -> bool:
    """A 4- or 8-bit model sits on its device already and cannot be moved."""
    return bool(getattr(model, "is_loaded_in_4bit", False) or getattr(model, "is_loaded_in_8bit", False))


def _free(device: str) -> None:
    gc.collect()
    if device == "cuda":
        import torch

        torch.cuda.empty_cache()
