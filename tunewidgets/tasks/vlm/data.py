"""The vision-language rows as TRL reads them: ``image`` (decoded as RGB when read), ``prompt``, ``completion``.

Every image is checked before training (a missing file, an unreadable one, an empty cell) and every answer
(an empty one), each a DataError naming the row, the split and the user's column. With a chat template the
prompt and completion are one user turn and one assistant turn (TRL's conversational prompt-completion:
TRL puts the image in the user's turn and trains on the answer only); without one they are plain text, laid
out by the processor as PaliGemma's prefix and suffix (see collate.py). The same rule writes the user's text
for training, for the Checks panel and for Try the model (:func:`user_prompt`).
"""

from __future__ import annotations

import os
from typing import Any

from ...errors import DataError
from ..shared.arrow_checks import first_blank_text
from ..shared.images import resolve

# The user's text when a row has none: an instruction for chat models, PaliGemma's task prefixes otherwise.
CAPTION_INSTRUCTION = "Describe the image."
CAPTION_PREFIX = "caption en"
ANSWER_PREFIX = "answer en "


def user_prompt(question: Any, captioning: bool, chat: bool) -> str:
    """The user's text for a row: the question (vqa) or the prompt (captioning), with the defaults above.

    Without a chat template the text follows PaliGemma's prefixes ("answer en <question>", "caption en")."""
    text = question.strip() if isinstance(question, str) else ""
    if chat:
        return text or (CAPTION_INSTRUCTION if captioning else "")
    if captioning:
        return text or CAPTION_PREFIX
    return text if text.lower().startswith("answer ") else ANSWER_PREFIX + text


def prepare_split(dataset, split: str, *, root=None, chat: bool, captioning: bool, shown: dict):
    """Columns ``image``, ``prompt``, ``completion`` from the mapped ``image``, ``text`` (answer or caption) and
    optional ``prompt`` (question); ``shown`` names the user's columns for the errors ({"image": "'img' column"})."""
    from datasets import Image

    if len(dataset) == 0:
        raise DataError(f"the {split} split has no rows")
    dataset = check_images(dataset, split, root, shown["image"])
    dataset = check_texts(dataset, "text", split, shown["text"], "an answer or caption is what the model learns")
    if not captioning:
        dataset = check_texts(dataset, "prompt", split, shown["prompt"], "a question is what the answer answers")

    def to_trl(row):
        prompt, answer = user_prompt(row.get("prompt"), captioning, chat), row["text"]
        if chat:
            return {"prompt": [{"role": "user", "content": prompt}],
                    "completion": [{"role": "assistant", "content": answer}]}
        return {"prompt": prompt, "completion": answer}

    dropped = [name for name in dataset.column_names if name != "image"]
    dataset = dataset.map(to_trl, remove_columns=dropped, desc=None)
    return dataset.cast_column("image", Image(mode="RGB"))


def check_texts(dataset, column: str, split: str, shown: str, why: str):
    """Every cell of ``column`` holds text (numbers become text); the first empty one is an error."""
    import pyarrow as pa
    from datasets import Value

    kind = dataset.with_format("arrow")[column].type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        dataset = dataset.cast_column(column, Value("string"))  # "how many?" answers read from a CSV as numbers
    index = first_blank_text(dataset, column)
    if index is not None:
        value = dataset[index][column]
        if value is None or isinstance(value, str):
            raise DataError(f"row {index + 1} of the {split} split, {shown}: empty ({why}): fill or remove the row")
        raise DataError(f"row {index + 1} of the {split} split, {shown}: holds {type(value).__name__}, "
                        "expected text")
    return dataset


def check_images(dataset, split: str, root, shown: str):
    """Relative paths resolved against the data folder; the first missing, unreadable or empty image is an
    error. Images stored in the data (datasets' Image) are checked without decoding them all."""
    from datasets import Image

    if isinstance(dataset.features["image"], Image):
        dataset = dataset.cast_column("image", Image(decode=False))
    resolved = []
    for index, value in enumerate(dataset["image"]):
        value = resolve(value, root)
        problem = image_problem(value)
        if problem:
            raise DataError(f"row {index + 1} of the {split} split, {shown}: {problem}")
        resolved.append(value)
    if resolved and all(isinstance(v, str) for v in resolved):
        dataset = dataset.remove_columns("image").add_column("image", resolved)
    return dataset


def image_problem(value: Any) -> str | None:
    """What is wrong with one image value (a path, bytes, a {bytes, path} dict or an image), or None.

    Only the file's header is read: enough to tell an image from anything else, in microseconds."""
    import io

    from PIL import Image, UnidentifiedImageError

    if isinstance(value, dict):
        value = value.get("bytes") or value.get("path")
    if value is None or (isinstance(value, str) and not value.strip()):
        return "no image (an empty cell)"
    if type(value).__module__.startswith("PIL"):
        return None
    if isinstance(value, str):
        if not os.path.isfile(value):
            return f"image file '{value}' does not exist"
        where, source = f"'{value}'", value
    elif isinstance(value, (bytes, bytearray)):
        where, source = "the image bytes", io.BytesIO(value)
    else:
        return f"holds {type(value).__name__}: expected a path, image bytes or an image"
    try:
        with Image.open(source):
            return None
    except UnidentifiedImageError:
        return f"{where} is not a readable image (not in an image format PIL reads)"
    except OSError as exc:
        return f"{where} is not a readable image ({exc})"
