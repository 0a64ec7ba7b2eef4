"""Demo data of the vision-language tasks: coloured shapes, with a question and its answer, or a caption.

Each image is one shape (a circle, a square or a triangle) in one colour on a light background, at a jittered
place and size, so a model has to look at the image to answer: "What colour is the shape?" -> "red",
"What shape is it?" -> "circle", or the caption "a red circle". Written as image folders with a
``metadata.jsonl`` (Hugging Face's imagefolder layout), which every loader here reads.
"""

from __future__ import annotations

import random
from pathlib import Path

from .task_data import _split_counts, _write_jsonl

VLM_DEMO_KINDS = ("vlm-vqa", "vlm-captioning")
COLOURS = {"red": (220, 40, 40), "green": (40, 160, 60), "blue": (40, 70, 220), "yellow": (235, 200, 30)}
SHAPES = ("circle", "square", "triangle")
QUESTIONS = {"colour": "What colour is the shape?", "shape": "What shape is it?"}
IMAGE_SIZE = 48


def shape_image(colour: str, shape: str, rng: random.Random, size: int = IMAGE_SIZE):
    """A light, slightly noisy square image with one ``shape`` in ``colour``."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), tuple(rng.randint(215, 245) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    side = rng.randint(size // 2, size - 8)
    x, y = rng.randint(2, size - side - 2), rng.randint(2, size - side - 2)
    fill = tuple(min(255, max(0, c + rng.randint(-15, 15))) for c in COLOURS[colour])
    box = [x, y, x + side - 1, y + side - 1]
    if shape == "circle":
        draw.ellipse(box, fill=fill)
    elif shape == "square":
        draw.rectangle(box, fill=fill)
    else:
        draw.polygon([(x + side // 2, y), (x, y + side - 1), (x + side - 1, y + side - 1)], fill=fill)
    return image


def _rows(kind: str, n: int, seed: int):
    """(image, row) pairs: a question and its answer (vlm-vqa) or a caption (vlm-captioning)."""
    if kind not in VLM_DEMO_KINDS:
        raise ValueError(f"unknown vision-language demo kind {kind!r}; choose one of {list(VLM_DEMO_KINDS)}")
    rng = random.Random(f"{kind}:{seed}")
    for _ in range(n):
        colour, shape = rng.choice(list(COLOURS)), rng.choice(SHAPES)
        image = shape_image(colour, shape, rng)
        if kind == "vlm-captioning":
            yield image, {"caption": f"a {colour} {shape}"}
        else:
            asked = rng.choice(list(QUESTIONS))
            yield image, {"question": QUESTIONS[asked], "answer": colour if asked == "colour" else shape}


def make_vlm_demo(kind: str, out_dir: str | Path, n: int | None = 200, seed: int = 0,
                  splits: tuple[str, ...] = ("train", "valid")) -> str:
    """Write ``<out_dir>/<split>/`` folders of PNGs and a ``metadata.jsonl`` (file_name, question, answer; or
    file_name, caption), 80% of the ``n`` rows in the first split; returns ``out_dir``."""
    out = Path(out_dir)
    rows = list(_rows(kind, n or 200, seed))
    start = 0
    for split, count in zip(splits, _split_counts(len(rows), splits)):
        folder = out / split
        folder.mkdir(parents=True, exist_ok=True)
        meta = []
        for index, (image, row) in enumerate(rows[start:start + count], start):
            image.save(folder / f"{index:05d}.png")
            meta.append({"file_name": f"{index:05d}.png", **row})
        _write_jsonl(folder / "metadata.jsonl", meta)
        start += count
    return str(out)


def make_vlm_demo_data(root: str | Path, n: int = 200) -> dict[str, str]:
    """Both vision-language demo sets under ``root/<kind>/`` (kept when already there): {kind: folder}."""
    folders = {}
    for kind in VLM_DEMO_KINDS:
        folder = Path(root) / kind
        if not (folder / "train" / "metadata.jsonl").is_file():
            make_vlm_demo(kind, folder, n=n)
        folders[kind] = str(folder)
    return folders


def vlm_corpus() -> list[str]:
    """Every question, answer and caption the demos hold, for the tiny VLM's tokenizer."""
    lines = [*QUESTIONS.values(), "Describe the image.", "caption en", "answer en"]
    lines += [f"a {colour} {shape}" for colour in COLOURS for shape in SHAPES]
    lines += [f"{question} {word}" for question in QUESTIONS.values() for word in (*COLOURS, *SHAPES)]
    return lines * 20
