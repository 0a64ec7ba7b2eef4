"""The prompts a model answers to be judged by what it says: a fixed handful of validation rows, each split into
what the model is given and, when the data has one, the answer it should give.

Rows come as each task prepared them for training (TRL's shapes), so a prompt is laid out exactly as the model
learned it: a conversation's turns before the last assistant turn (rendered later by the chat template), a
prompt/completion pair's prompt, a preference pair's prompt with the chosen answer as reference, a seq2seq
source with its target, a vision-language question with its image. Plain text (llm-generic) is cut in two: the
model continues the first half and the second half is the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...data.chat import is_conversational, parse_messages
from .samples import as_text

CAUSAL, SEQ2SEQ, VLM = "causal", "seq2seq", "vlm"
KINDS = (CAUSAL, SEQ2SEQ, VLM)
# A GRPO row's reference answer, when the data has one (the reward functions read the same columns).
REFERENCE_COLUMNS = ("solution", "answer", "reference", "ground_truth", "target")
CONTINUATION_WORDS = 64  # longest half of a plain text given as a prompt, and of its reference
# Where a plain text's answer starts, in the layouts users write (Alpaca's, HH-RLHF's, Q&A): best first.
ANSWER_MARKERS = ("### Response:", "### Answer:", "\n\nAssistant:", "Assistant:", "Answer:")


@dataclass
class GenerationExample:
    """One prompt: what the model is given (a string, or {role, content} turns), the expected answer, an image."""

    prompt: Any
    reference: str | None = None
    image: Any = None

    @property
    def shown(self) -> str:
        """The prompt as one readable text (a conversation's turns as ``role: content`` lines)."""
        return as_text(self.prompt)


def spread(total: int, count: int) -> list[int]:
    """``count`` row numbers spread evenly over ``total`` rows, first and last included: fixed for a dataset, and
    not only its first rows (a sorted file's first rows are all alike)."""
    if total <= 0 or count <= 0:
        return []
    if count >= total:
        return list(range(total))
    if count == 1:
        return [0]
    return sorted({round(i * (total - 1) / (count - 1)) for i in range(count)})


def pick_examples(dataset, count: int, kind: str = CAUSAL) -> list[GenerationExample]:
    """Up to ``count`` examples from a prepared split (a stream: spread over its first 2 x count rows); rows that
    hold no prompt (an empty text) are skipped."""
    if dataset is None or count <= 0:
        return []
    if not hasattr(dataset, "__len__"):  # a stream: its first rows
        rows = list(dataset.take(count * 2))
    else:  # twice as many candidates as asked for, so a few empty rows still leave ``count``
        rows = [dataset[i] for i in spread(len(dataset), count * 2)]
    examples = [example for example in (example_of(row, kind) for row in rows) if example is not None]
    if len(examples) > count:
        examples = [examples[i] for i in spread(len(examples), count)]
    return examples


def example_of(row: dict, kind: str = CAUSAL) -> GenerationExample | None:
    """The example one prepared row gives, or None when it holds no prompt."""
    if kind == SEQ2SEQ:
        return _example(row.get("text"), row.get("target"))
    if kind == VLM:
        return _example(_user_text(row.get("prompt")), row.get("completion"), image=row.get("image"))
    if isinstance(row.get("messages"), list):
        return _conversation(row["messages"])
    if "prompt" in row and row["prompt"] not in (None, "", []):
        return _example(row["prompt"], _reference_of(row))
    if isinstance(row.get("chosen"), list):  # a preference pair without a prompt column: its turns before the last
        return _conversation(row["chosen"])
    text = row.get("text")
    if is_conversational(text):  # llm-generic's raw rows: a conversation, maybe JSON-encoded
        return _conversation(parse_messages(text))
    if isinstance(text, str):
        return _continuation(text)
    return None


def _reference_of(row: dict) -> str | None:
    if "label" in row and row.get("label") is False:  # KTO: an undesirable completion is no reference
        return None
    for key in ("completion", "chosen"):
        if row.get(key) not in (None, "", []):
            return _answer_text(row[key])
    for key in REFERENCE_COLUMNS:
        if isinstance(row.get(key), (str, int, float)) and not isinstance(row.get(key), bool):
            return str(row[key])
    return None


def _conversation(messages: list) -> GenerationExample | None:
    """Every turn before the last assistant turn is the prompt; that turn is the reference."""
    last = max((i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"),
               default=None)
    if last is None:
        return _example(messages, None) if messages else None
    if last == 0:
        return None
    return _example(list(messages[:last]), _content(messages[last]))


def _continuation(text: str) -> GenerationExample | None:
    """A plain text's prompt and reference: cut after its last answer marker when it has one (``### Answer:``,
    ``Assistant:`` ...: the model is judged on the answer), else in the middle."""
    for marker in ANSWER_MARKERS:
        at = text.rfind(marker)
        if at > 0 and text[at + len(marker):].strip():
            cut = at + len(marker)
            return GenerationExample(text[:cut], " ".join(text[cut:].split()[:CONTINUATION_WORDS]))
    words = text.split()
    if len(words) < 4:
        return None
    half = min(len(words) // 2, CONTINUATION_WORDS)
    return GenerationExample(" ".join(words[:half]), " ".join(words[half:half + CONTINUATION_WORDS]))


def _example(prompt: Any, reference: Any, image: Any = None) -> GenerationExample | None:
    if prompt in (None, "", []):
        return None
    reference = _answer_text(reference).strip() if reference not in (None, "", []) else None
    return GenerationExample(prompt, reference, image)


def _answer_text(value: Any) -> str:
    """An answer as text: a conversation's assistant turns joined, anything else as a string."""
    if isinstance(value, list):
        turns = [m for m in value if isinstance(m, dict)]
        assistant = [_content(m) for m in turns if m.get("role") == "assistant"]
        return "\n".join(assistant or [_content(m) for m in turns])
    return str(value)


def _user_text(value: Any) -> Any:
    """A vision-language prompt's text (TRL's one user turn, or the plain text)."""
    if isinstance(value, list):
        return "\n".join(_content(m) for m in value if isinstance(m, dict) and m.get("role") == "user")
    return value


def _content(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):  # content parts: their text
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict)).strip()
    return "" if content is None else str(content)
