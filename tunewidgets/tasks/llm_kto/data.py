"""KTO's data: single completions, each marked desirable or not, in the shape TRL's KTOTrainer reads.

After the column mapping a split has ``completion`` (text_column), ``label`` (target_column), and maybe
``prompt`` and ``system``. TRL wants ``prompt`` / ``completion`` / ``label`` (a boolean). Labels are read
leniently (booleans, 1/0, "true"/"false", "good"/"bad", "desirable"/"undesirable", thumbs up/down ...) and
anything else is an error naming the row. Conversations follow the preference tasks' rule: a completion given
as a whole conversation is split into its prompt (every turn but the last) and its answer (the last turn, the
assistant's).

KTOTrainer reads the training rows in order (its KL term pairs each prompt with its neighbour's completion), so
a file sorted by label would train on one kind first: the train split is shuffled once, with the run's seed.
"""

from __future__ import annotations

import math
from typing import Any

from ...data.chat import is_conversational, parse_messages
from ...errors import DataError
from ..shared.llm_common import safe_map
from ..shared.llm_preference import _add_system

DESIRABLE = ("true", "1", "1.0", "+1", "yes", "y", "t", "good", "desirable", "positive", "pos", "chosen", "accepted",
             "accept", "preferred", "like", "liked", "up", "thumbs_up", "thumbs up", "👍")
UNDESIRABLE = ("false", "0", "0.0", "-1", "no", "n", "f", "bad", "undesirable", "negative", "neg", "rejected",
               "reject", "dispreferred", "dislike", "disliked", "down", "thumbs_down", "thumbs down", "👎")


def desirable(value: Any, where: str) -> bool:
    """A KTO label as a boolean; DataError naming ``where`` (the row) for anything that is not clearly one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        if value in (1, 0, -1):
            return value == 1
    elif isinstance(value, str):
        text = value.strip().lower()
        if text in DESIRABLE:
            return True
        if text in UNDESIRABLE:
            return False
    shown = "empty" if value is None or (isinstance(value, float) and math.isnan(value)) else repr(value)
    raise DataError(f"{where}: the label (target_column) is {shown}, not desirable or undesirable: use true/false, "
                    "1/0 or good/bad (desirable, positive, chosen ... and their opposites also work)")


def prepare_kto(dataset, name: str, seed: int | None = None):
    """Columns ``prompt``, ``completion``, ``label`` (bool); shuffled with ``seed`` when one is given (train)."""
    if len(dataset) == 0:
        raise DataError(f"the {name} split has no rows")
    has_prompt = "prompt" in dataset.column_names
    first = dataset[0]
    chat = is_conversational(first["completion"]) or (has_prompt and is_conversational(first["prompt"]))

    def row(example: dict, index: int) -> dict:
        where = f"row {index + 1} of the {name} split"
        label = desirable(example["label"], where)
        prompt = example.get("prompt") if has_prompt else None
        if chat:
            prompt, completion = _conversation(prompt, example["completion"], where)
        else:
            prompt, completion = _text(prompt, example["completion"], where)
        return {"prompt": prompt, "completion": completion, "label": label}

    dataset = safe_map(dataset, row, f"the {name} split", with_indices=True)
    if "system" in dataset.column_names:
        dataset = safe_map(dataset, _add_system, f"the {name} split", remove_columns=["system"])
    if seed is not None:
        dataset = dataset.shuffle(seed=seed).flatten_indices()
    return dataset


def _text(prompt: Any, completion: Any, where: str) -> tuple[str, str]:
    if not isinstance(completion, str) or not completion.strip():
        raise DataError(f"{where}: the completion (text_column) is {_describe(completion)}; it must be text or "
                        "a conversation")
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise DataError(f"{where}: the prompt is {_describe(prompt)}; it must be text (or a conversation, in every "
                        "row)")
    return prompt, completion


def _conversation(prompt: Any, completion: Any, where: str) -> tuple[list[dict], list[dict]]:
    """(prompt turns, answer turns): a whole conversation splits at its last turn; a plain answer is the
    assistant's turn; a plain prompt is the user's."""
    if isinstance(completion, str) and not completion.lstrip().startswith(("[", "{")):
        if not completion.strip():
            raise DataError(f"{where}: the completion (text_column) is an empty string")
        turns = [{"role": "assistant", "content": completion}]
    else:
        try:
            turns = parse_messages(completion)
        except DataError as exc:
            raise DataError(f"{where}: completion: {exc}") from None
    if not turns or turns[-1]["role"] != "assistant":
        last = turns[-1]["role"] if turns else "missing"
        raise DataError(f"{where}: the last turn of the completion is '{last}'; it must be the assistant's answer")
    if prompt is None or (isinstance(prompt, str) and not prompt.strip()) or prompt == []:
        return turns[:-1], turns[-1:]
    if isinstance(prompt, str) and not prompt.lstrip().startswith(("[", "{")):
        head = [{"role": "user", "content": prompt}]
    else:
        try:
            head = parse_messages(prompt)
        except DataError as exc:
            raise DataError(f"{where}: prompt: {exc}") from None
    return head, turns


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, str):
        return "an empty string"
    return f"a {type(value).__name__}"
