"""The shapes LLM data comes in, turned into what TRL reads: prompt/completion pairs, Alpaca rows, system
prompts, and the prompt a preference pair shares without saying so.

After the column mapping a row may hold ``prompt`` (the instruction), ``context`` (Alpaca's ``input``),
``system`` and ``text`` (the completion). With a chat template the row becomes a conversation, the user's
turn being the prompt (and the context after a blank line) and the assistant's the completion; without
one it is Alpaca's plain template when there is a context or a system prompt, else TRL's plain
prompt/completion pair. Either way the loss falls on the completion only (TRL's completion_only_loss).
"""

from __future__ import annotations

from typing import Any

from ...data.chat import is_conversational, parse_messages
from ...errors import DataError

ALPACA_PREAMBLE = ("Below is an instruction that describes a task, paired with an input that provides further "
                   "context. Write a response that appropriately completes the request.")
ALPACA_PREAMBLE_NO_INPUT = ("Below is an instruction that describes a task. Write a response that appropriately "
                            "completes the request.")


def alpaca_prompt(instruction: str, context: str | None = None, system: str | None = None) -> str:
    """Alpaca's plain template (the system prompt, when given, replaces its preamble)."""
    preamble = system or (ALPACA_PREAMBLE if context else ALPACA_PREAMBLE_NO_INPUT)
    text = f"{preamble}\n\n### Instruction:\n{instruction}\n\n"
    if context:
        text += f"### Input:\n{context}\n\n"
    return text + "### Response:\n"


def prompt_completion(row: dict, *, chat: bool) -> dict:
    """TRL's prompt/completion pair for one mapped row (see the module docstring)."""
    prompt, completion = row.get("prompt"), row.get("text")
    context, system = _text_or_none(row.get("context")), _text_or_none(row.get("system"))
    if is_conversational(prompt) or is_conversational(completion):
        messages = parse_messages(prompt) if is_conversational(prompt) else [_user(prompt, context)]
        answer = parse_messages(completion) if is_conversational(completion) else [_assistant(completion)]
        return {"prompt": with_system(messages, system), "completion": answer}
    if chat:
        return {"prompt": with_system([_user(prompt, context)], system), "completion": [_assistant(completion)]}
    if context or system:
        return {"prompt": alpaca_prompt(prompt, context, system), "completion": completion}
    return {"prompt": prompt, "completion": completion}


def check_pair(row: dict, index: int, name: str) -> None:
    """A prompt and a completion, both present: the row that is not says so."""
    for key, role in (("prompt", "prompt_text_column"), ("text", "text_column")):
        value = row.get(key)
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            raise DataError(f"row {index + 1} of the {name} split has an empty {role}: remove or fill it")
        if not isinstance(value, str) and not is_conversational(value):
            raise DataError(f"row {index + 1} of the {name} split holds a {type(value).__name__} in {role}: "
                            "give text or a list of {role, content} messages")


def with_system(messages: list[dict], system: str | None) -> list[dict]:
    """``messages`` opened by the system prompt (unless they already have one)."""
    if not system or (messages and messages[0]["role"] == "system"):
        return messages
    return [{"role": "system", "content": system}, *messages]


def implicit_prompt(chosen: str, rejected: str) -> tuple[str, str, str]:
    """(prompt, chosen, rejected) for plain-text pairs whose prompt is the text they share (HH-RLHF): cut at
    the last assistant marker in the shared text when there is one, else at a word boundary."""
    n = 0
    for a, b in zip(chosen, rejected):
        if a != b:
            break
        n += 1
    shared = chosen[:n]
    for marker in ("\n\nAssistant:", "Assistant:", "\n### Response:\n"):
        at = shared.rfind(marker)
        if at >= 0:
            n = at + len(marker)
            break
    else:
        n = shared.rfind(" ") + 1 if " " in shared else 0
    if not chosen[:n].strip():  # nothing shared but blanks: no prompt to speak of
        return "", chosen, rejected
    return chosen[:n], chosen[n:], rejected[n:]


def _user(prompt: Any, context: str | None) -> dict:
    return {"role": "user", "content": f"{prompt}\n\n{context}" if context else str(prompt)}


def _assistant(text: Any) -> dict:
    return {"role": "assistant", "content": str(text)}


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
