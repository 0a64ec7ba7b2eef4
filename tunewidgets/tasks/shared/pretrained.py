"""Load a model, tokenizer or processor by name, with one set of clear errors.

Every task loads through :func:`from_pretrained`: a local folder that does not exist, a Hub id
while offline, a folder without tokenizer files or a model without the head a task needs each
become a ModelError that says which, instead of a library traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from ...errors import ModelError, summary
from ...workspace import served


def _looks_local(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~")) or os.sep in name.strip("/").replace("/", os.sep, 1) \
        and name.count("/") > 1


def check_model_source(name: str) -> str:
    """A local folder that exists, or something shaped like a Hub id; else a clear error."""
    expanded = os.path.expanduser(name)
    if os.path.isdir(expanded):
        return expanded
    if os.path.exists(expanded):
        raise ModelError(f"model path '{name}' is a file: give the folder that holds config.json")
    if _looks_local(name):
        raise ModelError(f"model path '{name}' does not exist: give a local folder or a Hub model id")
    return name


def hub_failure(name: str, exc: Exception) -> ModelError:
    """The error to show when a Hub id could not be loaded (offline or a wrong id)."""
    return ModelError(
        f"could not load model '{name}': not a local folder and the Hugging Face Hub could not provide it "
        f"(offline, a wrong id, or a gated model needing a token). Details: {summary(exc, 200)}"
    )


def missing_model_files(folder: str) -> None:
    """A local model folder needs config.json and tokenizer files: say which are missing."""
    names = set(os.listdir(folder))
    if "config.json" not in names and "adapter_config.json" not in names:
        raise ModelError(
            f"'{folder}' is not a model folder: it has no config.json (save a model there with save_pretrained, "
            "or give a Hub model id)"
        )
    tokenizer_files = {"tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.txt", "vocab.json"}
    if not names & tokenizer_files:
        raise ModelError(f"'{folder}' has no tokenizer files (tokenizer.json ...): save the tokenizer beside the model")


def served_kwargs(weights: bool, sentence_transformer: bool = False) -> dict:
    """In a served dashboard: never run a model's own code, and read weights from safetensors only (a pickled
    checkpoint can run code when loaded)."""
    if not served():
        return {}
    kwargs: dict[str, Any] = {"trust_remote_code": False}
    if weights:
        if sentence_transformer:
            kwargs["model_kwargs"] = {"use_safetensors": True}
        else:
            kwargs["use_safetensors"] = True
    return kwargs


def from_pretrained(load: Callable[..., Any], name: str, what: str, *, token: str | None = None,
                    needs_tokenizer_files: bool = False, weights: bool = True, sentence_transformer: bool = False,
                    **kwargs: Any):
    """``load(source, token=token, **kwargs)`` for ``name`` (an Auto class's ``from_pretrained`` or a
    model constructor), failing with a ModelError that names ``what`` was wanted. ``weights``: the load reads
    model weights (a served dashboard then takes safetensors only)."""
    source = check_model_source(name)
    if needs_tokenizer_files and os.path.isdir(source):
        missing_model_files(source)
    kwargs.update(served_kwargs(weights, sentence_transformer))
    try:
        return load(source, token=token, **kwargs)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if source == name and not Path(source).exists():
            raise hub_failure(name, exc) from None
        if weights and served() and not _has_safetensors(source):
            raise ModelError(f"'{name}' has no safetensors weights: a served dashboard loads safetensors only "
                             "(pickled .bin weights can run code when loaded); convert the model or train it from "
                             "a notebook") from None
        raise ModelError(f"could not load '{name}' as {what}: {summary(exc)}") from None


def _has_safetensors(source: str) -> bool:
    return not os.path.isdir(source) or any(name.endswith(".safetensors") for name in os.listdir(source))


def load_tokenizer(name: str, token: str | None = None):
    """The tokenizer saved with ``name``."""
    from transformers import AutoTokenizer

    return from_pretrained(AutoTokenizer.from_pretrained, name, "a tokenizer", token=token, needs_tokenizer_files=True,
                           weights=False)
