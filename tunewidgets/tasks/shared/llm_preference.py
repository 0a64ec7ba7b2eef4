"""Preference data for llm-reward, llm-dpo and llm-orpo: AutoTrain's columns in, TRL's shape out.

After the column mapping the data has ``text`` (the chosen answer or conversation),
``rejected`` and maybe ``prompt``. TRL wants ``prompt``/``chosen``/``rejected``, with
conversations split so that ``prompt`` holds the context and ``chosen``/``rejected``
the final answer. AutoTrain's rule for conversations: the prompt is every turn but
the last (a separate prompt column, as in orpo-dpo-mix, repeats the first user turn
and is then not needed).

TRL 1.16 dropped ``max_prompt_length`` (and DPO's ``max_completion_length``), so the
truncation AutoTrain users expect lives here: :func:`truncate_pair`.
"""

from __future__ import annotations

from ...data.chat import is_conversational, parse_messages
from ...errors import DataError
from .llm_common import (
    is_conversational_column,
    load_causal_lm,
    prepare_tokenizer,
    require_chat_template,
    safe_map,
)
from .llm_shapes import implicit_prompt, with_system
from .splits import load_train_valid


def prepare_preference(dataset, name: str, task: str):
    """Columns ``prompt`` (when there is one), ``chosen``, ``rejected``; clear errors for bad data."""
    if len(dataset) == 0:
        raise DataError(f"the {name} split has no rows")
    dataset = dataset.rename_column("text", "chosen")
    has_prompt = "prompt" in dataset.column_names
    first = dataset[0]
    chat = is_conversational(first["chosen"]) or is_conversational(first["rejected"])
    fn = _conversation_row if chat else _text_row
    dataset = safe_map(dataset, lambda row, i: fn(row, i, has_prompt), f"the {name} split", with_indices=True)
    if "system" in dataset.column_names:
        dataset = safe_map(dataset, _add_system, f"the {name} split", remove_columns=["system"])
    if "prompt" in dataset.column_names and all(p in ("", []) for p in dataset["prompt"]):
        dataset = dataset.remove_columns("prompt")
    if task in ("llm-dpo", "llm-orpo", "llm-cpo"):
        missing = [] if "prompt" not in dataset.column_names else \
            [i for i, p in enumerate(dataset["prompt"]) if p in ("", [])]
        if "prompt" not in dataset.column_names or missing:
            where = f" (the {name} split has {len(missing)} rows without one, e.g. row {missing[0]})" if missing else ""
            raise DataError(
                f"{task} needs a prompt{where}: map prompt_text_column to the prompt column, or give chosen and "
                "rejected as conversations whose last turn is the answer (the turns before it are the prompt)"
            )
    if all(c == r for c, r in zip(dataset["chosen"], dataset["rejected"])):
        raise DataError(
            f"the {name} split's chosen and rejected are equal in every row, so there is nothing to prefer: "
            "check text_column (chosen) and rejected_text_column"
        )
    return dataset


def _text_row(row: dict, index: int, has_prompt: bool) -> dict:
    """Plain text: prompt, chosen and rejected strings (a conversational prompt gets chat answers)."""
    out = {}
    for key in ("chosen", "rejected"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise DataError(f"row {index}: {key} is {_describe(row[key])}; it must be text or a conversation")
        out[key] = row[key]
    if has_prompt:
        prompt = row["prompt"]
        if is_conversational(prompt):
            return {"prompt": parse_messages(prompt), **{k: [_answer(v)] for k, v in out.items()}}
        if prompt is None:
            prompt = ""
        if not isinstance(prompt, str):
            raise DataError(f"row {index}: prompt is {_describe(prompt)}; it must be text or a conversation")
        out["prompt"] = prompt
    else:  # no prompt column: the text both answers start with is their prompt (HH-RLHF's pairs)
        out["prompt"], out["chosen"], out["rejected"] = implicit_prompt(out["chosen"], out["rejected"])
    return out


def _add_system(row: dict) -> dict:
    """The row's system prompt opens a conversational prompt, or heads a plain one."""
    system, prompt = row["system"], row.get("prompt")
    if not isinstance(system, str) or not system.strip():
        return {}
    if isinstance(prompt, list):
        return {"prompt": with_system(prompt, system)}
    return {"prompt": f"{system}\n\n{prompt}" if prompt else system}


def _conversation_row(row: dict, index: int, has_prompt: bool) -> dict:
    """Conversations: the prompt is every turn but the last; a one-turn answer takes the prompt column."""
    turns = {}
    for key in ("chosen", "rejected"):
        value = row[key]
        if isinstance(value, str) and not value.lstrip().startswith(("[", "{")):
            turns[key] = [_answer(value)]  # a plain answer beside conversational data
            continue
        try:
            turns[key] = parse_messages(value)
        except DataError as exc:
            raise DataError(f"row {index}: {key}: {exc}") from None
        if turns[key][-1]["role"] != "assistant":
            raise DataError(f"row {index}: the last turn of {key} is '{turns[key][-1]['role']}'; "
                            "it must be the assistant's answer")
    chosen, rejected = turns["chosen"], turns["rejected"]
    if len(chosen) > 1:
        return {"prompt": chosen[:-1], "chosen": chosen[-1:], "rejected": rejected[-1:]}
    prompt = row.get("prompt") if has_prompt else None
    if prompt is None or (isinstance(prompt, str) and not prompt.strip()):
        prompt = []  # rows keep one shape; a column of empty prompts is dropped afterwards
    elif isinstance(prompt, str) and not is_conversational(prompt):
        prompt = [{"role": "user", "content": prompt}]
    else:
        prompt = parse_messages(prompt)
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected[-1:]}


def _answer(text: str) -> dict:
    return {"role": "assistant", "content": text}


def _describe(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, str):
        return "an empty string"
    return f"a {type(value).__name__}"


def truncate_pair(prompt_ids: list, chosen_ids: list, rejected_ids: list, *, max_length: int,
                  max_prompt_length: int | None, max_completion_length: int | None):
    """AutoTrain's (older TRL's) truncation of one preference pair, in tokens.

    Completions keep their first ``max_completion_length`` tokens. When prompt plus the
    longer completion exceed ``max_length``, the prompt keeps its last ``max_prompt_length``
    tokens, then the completions are cut to fit. Short pairs are left whole.
    """
    if max_completion_length:
        chosen_ids, rejected_ids = chosen_ids[:max_completion_length], rejected_ids[:max_completion_length]
    longest = max(len(chosen_ids), len(rejected_ids))
    if len(prompt_ids) + longest > max_length:
        keep = min(max_prompt_length or len(prompt_ids), max_length - 1)
        prompt_ids = prompt_ids[-keep:] if keep > 0 else []
        room = max_length - len(prompt_ids)
        chosen_ids, rejected_ids = chosen_ids[:room], rejected_ids[:room]
    return prompt_ids, chosen_ids, rejected_ids


def tokenize_preference(example: dict, tokenizer) -> dict:
    """``prompt_ids``, ``chosen_ids``, ``rejected_ids`` as TRL's DPO makes them (chat template or text + EOS)."""
    prompt = example.get("prompt") or ([] if isinstance(example["chosen"], list) else "")
    if isinstance(example["chosen"], list):
        def ids(messages, **kw):
            if not messages:
                return []
            return list(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, **kw)["input_ids"])

        prompt_ids = ids(prompt, add_generation_prompt=True)
        full_chosen, full_rejected = ids(prompt + example["chosen"]), ids(prompt + example["rejected"])
    else:
        eos = tokenizer.eos_token or ""

        def ids(text):
            return tokenizer(text)["input_ids"] if text else []

        def with_eos(text):
            return text if not eos or text.endswith(eos) else text + eos

        prompt_ids = ids(prompt)
        full_chosen = ids(prompt + with_eos(example["chosen"]))
        full_rejected = ids(prompt + with_eos(example["rejected"]))
    cut = min(_common_prefix(prompt_ids, full_chosen), _common_prefix(prompt_ids, full_rejected))
    return {"prompt_ids": prompt_ids[:cut], "chosen_ids": full_chosen[cut:], "rejected_ids": full_rejected[cut:]}


def _common_prefix(a: list, b: list) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def load_preference_setup(ctx, head: str = "causal"):
    """What llm-reward, llm-dpo and llm-orpo start from: ``(train, valid, tokenizer, added, model)``.

    The pairs in TRL's shape, the tokenizer with its chat template (required for conversations) and the
    model with embeddings grown for the template's new tokens (``added``)."""
    config = ctx.config
    train_raw, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    train = prepare_preference(train_raw, "train", config.task)
    valid = prepare_preference(valid_raw, "valid", config.task) if valid_raw is not None else None
    tokenizer, added = prepare_tokenizer(config)
    if is_conversational_column(train, "chosen"):
        require_chat_template(tokenizer)
    model = load_causal_lm(config, ctx.device, tokenizer, head=head)
    return train, valid, tokenizer, added, model
