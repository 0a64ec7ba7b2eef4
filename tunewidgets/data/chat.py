"""Conversational data and chat templates.

Chat data arrives as lists of ``{role, content}`` dicts, as JSON strings of
them (a CSV cannot hold lists) or in ShareGPT's ``{from, value}`` form; it is
normalized here once so trainers see one shape. Chat templates are resolved by
name (the tokenizer's own, the built-in chatml and zephyr, or a jinja file) and
installed on a tokenizer together with the special tokens they rely on.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tunewidgets.data.chat_templates import BUILTIN_TEMPLATES, TEMPLATE_SPECIAL_TOKENS
from tunewidgets.errors import DataError

ROLES = ("system", "user", "assistant", "tool")
# ShareGPT's speaker names, and case variants of ours.
_SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "observation": "tool"}
TEMPLATE_NAMES = ("tokenizer", "chatml", "zephyr")


def parse_messages(value: Any) -> list[dict]:
    """The conversation in ``value`` as a new list of ``{"role", "content", ...}`` dicts.

    Accepts a list of message dicts (also a numpy array of them, as pandas
    gives), a JSON string of one, and ShareGPT's ``{"from", "value"}`` form.
    Raises DataError naming the message that is wrong.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise DataError(f"messages are not valid JSON: {exc.msg} at character {exc.pos}") from exc
    if type(value).__name__ == "ndarray":
        value = list(value)
    if not isinstance(value, (list, tuple)):
        raise DataError(f"messages must be a list of {{role, content}} dicts, got {type(value).__name__}")
    if not value:
        raise DataError("messages are an empty list: a conversation needs at least one message")
    return [_parse_message(i, message) for i, message in enumerate(value, 1)]


def is_conversational(value: Any) -> bool:
    """True when ``value`` is a conversation parse_messages accepts (never raises)."""
    if isinstance(value, str) and not value.lstrip().startswith("["):
        return False
    try:
        parse_messages(value)
    except DataError:
        return False
    return True


def resolve_chat_template(name: str | None, tokenizer=None) -> str | None:
    """The jinja text a template name stands for.

    ``None`` or ``"none"``: no template. ``"tokenizer"``: the tokenizer's own.
    ``"chatml"``, ``"zephyr"``: the built-ins (with ``{% generation %}`` tags).
    Anything else must be a path to an existing template file.
    """
    if name is None or str(name).strip().lower() in ("", "none"):
        return None
    key = str(name).strip()
    if key.lower() == "tokenizer":
        template = getattr(tokenizer, "chat_template", None) if tokenizer is not None else None
        if tokenizer is None:
            raise DataError("chat_template 'tokenizer' needs a tokenizer to read the template from")
        if not template:
            raise DataError("the tokenizer has no chat template: set chat_template to chatml or zephyr "
                            "(or a jinja file)")
        return template
    if key.lower() in BUILTIN_TEMPLATES:
        return BUILTIN_TEMPLATES[key.lower()]
    path = Path(key).expanduser()
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"cannot read chat template file '{key}': {exc}") from exc
        if not text.strip():
            raise DataError(f"chat template file '{key}' is empty")
        return text
    if key.endswith((".jinja", ".j2", ".jinja2")) or os.sep in key:
        raise DataError(f"chat template file '{key}' does not exist")
    raise DataError(
        f"unknown chat_template '{key}': use none, {', '.join(TEMPLATE_NAMES)} or a path to a .jinja file"
    )


def apply_chat_template_to_tokenizer(tokenizer, name: str | None) -> list[str]:
    """Install the template ``name`` on ``tokenizer`` (in place) and add the special tokens it needs.

    Returns the tokens that were added to the vocabulary, ``[]`` when none were:
    a non-empty list means the caller must ``model.resize_token_embeddings(len(tokenizer))``.
    ``None`` or ``"tokenizer"`` leave the tokenizer as it is.
    """
    template = resolve_chat_template(name, tokenizer)
    key = str(name).strip().lower() if name is not None else None
    if template is None or key == "tokenizer":
        return []
    if key == "zephyr" and tokenizer.eos_token is None:
        raise DataError("chat template 'zephyr' ends turns with eos_token but the tokenizer has none: use chatml")
    tokenizer.chat_template = template
    needed = TEMPLATE_SPECIAL_TOKENS.get(key, [])
    vocab = tokenizer.get_vocab()
    missing = [t for t in needed if t not in vocab]
    if missing:
        # transformers 5 renamed additional_special_tokens to extra_special_tokens.
        tokenizer.add_special_tokens({"extra_special_tokens": missing}, replace_extra_special_tokens=False)
    return missing


def render_messages(tokenizer, messages: Any, *, add_generation_prompt: bool = False) -> str:
    """The text the tokenizer's chat template makes of ``messages`` (any form parse_messages takes)."""
    if not getattr(tokenizer, "chat_template", None):
        raise DataError("the tokenizer has no chat template: set chat_template to chatml or zephyr (or a jinja file)")
    conversation = parse_messages(messages)
    try:
        return tokenizer.apply_chat_template(
            conversation, tokenize=False, add_generation_prompt=add_generation_prompt
        )
    except Exception as exc:  # jinja errors: a broken custom template, a role it rejects
        raise DataError(f"the chat template failed on this conversation: {exc}") from exc


def _parse_message(index: int, message: Any) -> dict:
    if not isinstance(message, dict):
        raise DataError(f"message {index} must be a dict with role and content, got {type(message).__name__}")
    if "role" in message:
        out = dict(message)
    elif "from" in message:
        out = {k: v for k, v in message.items() if k not in ("from", "value")}
        out["role"], out["content"] = message["from"], message.get("value")
    else:
        raise DataError(f"message {index} has no 'role' (or ShareGPT 'from'): keys {', '.join(map(str, message))}")
    role = str(out["role"]).strip().lower()
    role = _SHAREGPT_ROLES.get(role, role)
    if role not in ROLES:
        raise DataError(f"message {index} has role '{out['role']}': allowed roles are {', '.join(ROLES)}")
    out["role"] = role
    content = out.get("content")
    if content is None and not out.get("tool_calls"):
        raise DataError(f"message {index} ({role}) has no content")
    if content is not None and not isinstance(content, (str, list)):
        if type(content).__name__ == "ndarray":
            out["content"] = list(content)
        else:
            raise DataError(f"message {index} ({role}) content must be text, got {type(content).__name__}")
    return out
