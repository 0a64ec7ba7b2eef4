"""Demo data of the non-LLM tasks: reviews, ratings, entities, dialogues, sentence pairs, digits images,
boxes and scikit-learn's tabular sets, written in the layouts AutoTrain's configs read."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from .facts import _NUMBER_WORDS, _fact, _sentence

# Demo data of the non-LLM tasks (make_task_demo); the image kinds write image files.
TASK_DEMO_KINDS = (
    "text-classification", "text-regression", "token-classification", "seq2seq",
    "st-pair", "st-pair-class", "st-pair-score", "st-triplet", "st-qa",
    "image-classification", "image-regression", "object-detection",
    "tabular-classification", "tabular-regression",
    "extractive-qa", "extractive-qa-flat",
    "vlm-vqa", "vlm-captioning",  # coloured shapes with questions or captions (vlm_data.py)
    "grpo-colours", "grpo-colours-chat",  # colour questions and a reward file for llm-grpo (grpo_data.py)
    "kto-facts", "kto-facts-chat",  # answers marked desirable or not, for llm-kto (kto_data.py)
)
DETECTION_CATEGORIES = ("red box", "blue bar")


# Small, deterministic data sets in the shapes of the Hub data sets AutoTrain's examples use
# (imdb, conll2003, samsum, all-nli), simple enough for a tiny model to learn from.

_POSITIVE = ["great", "wonderful", "excellent", "lovely", "amazing", "brilliant", "superb", "delightful"]
_NEGATIVE = ["awful", "terrible", "boring", "horrible", "dreadful", "poor", "dull", "painful"]
_TOPICS = ["the film", "the book", "the meal", "the concert", "the hotel", "the game", "the show", "the trip"]
_FILLERS = ["", " overall", " to be honest", " for me", " this time", " in the end", " again"]
_PEOPLE = [["Anna"], ["Tom"], ["Maria"], ["John", "Smith"], ["Li", "Wei"], ["Sara"], ["Omar"], ["Eva", "Brown"]]
_PLACES = [["Paris"], ["Rome"], ["Madrid"], ["Tokyo"], ["Lima"], ["Oslo"], ["New", "York"], ["Cape", "Town"]]
_ORGS = [["Acme", "Corp"], ["Globex"], ["Red", "Cross"], ["Initech"], ["Blue", "Bank"], ["Umbrella", "Labs"]]
# conll2003's ner_tags names, in its order.
CONLL_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
_ACTIVITIES = [  # (premise activity, paraphrase, contradiction)
    ("is playing a guitar", "is making music", "is sleeping in bed"),
    ("is riding a bike", "is cycling", "is swimming in a lake"),
    ("is eating an apple", "is having some fruit", "is running a race"),
    ("is reading a book", "is looking at pages", "is dancing at a party"),
    ("is cooking dinner", "is making food", "is driving a car"),
    ("is painting a wall", "is working with paint", "is watching television"),
    ("is walking a dog", "is out with a pet", "is sitting in an office"),
    ("is writing a letter", "is putting words on paper", "is climbing a mountain"),
]
_SUBJECTS = ["man", "woman", "child", "boy", "girl", "teacher", "doctor", "farmer"]
_ERRANDS = [("buy", "apples", "the market"), ("meet", "Tom", "the station"), ("fix", "the car", "the garage"),
            ("cook", "pasta", "home"), ("read", "a book", "the library"), ("watch", "a film", "the cinema"),
            ("paint", "the fence", "the garden"), ("send", "a letter", "the post office")]


def _tag_entity(words: list[str], kind: str) -> list[str]:
    return [f"B-{kind}"] + [f"I-{kind}"] * (len(words) - 1)


def _ner_row(rng: random.Random) -> tuple[list[str], list[str]]:
    person, place, org = rng.choice(_PEOPLE), rng.choice(_PLACES), rng.choice(_ORGS)
    pattern = rng.randrange(4)
    if pattern == 0:
        parts = [(person, "PER"), (["lives", "in"], None), (place, "LOC"), (["."], None)]
    elif pattern == 1:
        parts = [(person, "PER"), (["works", "for"], None), (org, "ORG"), (["in"], None), (place, "LOC"),
                 (["."], None)]
    elif pattern == 2:
        parts = [(["Yesterday"], None), (person, "PER"), (["visited"], None), (place, "LOC"), (["."], None)]
    else:
        parts = [(org, "ORG"), (["hired"], None), (person, "PER"), (["last", "week", "."], None)]
    tokens, tags = [], []
    for words, kind in parts:
        tokens += words
        tags += _tag_entity(words, kind) if kind else ["O"] * len(words)
    return tokens, tags


def _task_rows(kind: str, n: int, seed: int, int_labels: bool = False) -> list[dict]:
    """Rows of a text task demo (see make_task_demo)."""
    rng = random.Random(f"{kind}:{seed}")
    rows: list[dict] = []
    for i in range(n):
        if kind == "text-classification":
            positive = rng.random() < 0.5
            word = rng.choice(_POSITIVE if positive else _NEGATIVE)
            text = f"{rng.choice(_TOPICS).capitalize()} {rng.choice(['was', 'is', 'felt', 'seemed'])} {word}" \
                   f"{rng.choice(_FILLERS)}. {_sentence(rng)}"
            label: Any = (1 if positive else 0) if int_labels else ("positive" if positive else "negative")
            rows.append({"text": text, "label": label})
        elif kind == "text-regression":
            score = rng.randint(0, 10)
            rows.append({"text": f"I give {rng.choice(_TOPICS)} {_NUMBER_WORDS[score]} out of ten"
                                 f"{rng.choice(_FILLERS)}.", "target": float(score)})
        elif kind == "token-classification":
            tokens, tags = _ner_row(rng)
            if int_labels:  # conll2003's shape: ids and integer tags
                rows.append({"id": str(i), "tokens": tokens, "pos_tags": [0] * len(tokens),
                             "chunk_tags": [0] * len(tokens), "ner_tags": [CONLL_TAGS.index(t) for t in tags]})
            else:
                rows.append({"tokens": tokens, "tags": tags})
        elif kind == "seq2seq":  # samsum's shape
            (a, b), (verb, thing, place) = rng.sample(["Anna", "Tom", "Maria", "Omar", "Sara", "Li"], 2), \
                rng.choice(_ERRANDS)
            reply = rng.choice(["see you", "good luck", "have fun"])
            dialogue = f"{a}: I will {verb} {thing} at {place} today.\n{b}: Ok, {reply}!"
            rows.append({"id": str(i), "dialogue": dialogue, "summary": f"{a} will {verb} {thing} at {place}."})
        elif kind.startswith("st-"):
            subject = rng.choice(_SUBJECTS)
            act, para, contra = rng.choice(_ACTIVITIES)
            premise = f"A {subject} {act}."
            if kind == "st-pair-class":  # all-nli pair-class: 0 entailment, 1 neutral, 2 contradiction
                label = rng.randrange(3)
                hypothesis = [f"A {subject} {para}.", f"A {subject} {act} with a friend today.",
                              f"A {subject} {contra}."][label]
                rows.append({"premise": premise, "hypothesis": hypothesis, "label": label})
            elif kind == "st-triplet":
                rows.append({"anchor": premise, "positive": f"A {subject} {para}.",
                             "negative": f"A {subject} {contra}."})
            elif kind == "st-pair":
                rows.append({"anchor": premise, "positive": f"A {subject} {para}."})
            elif kind == "st-pair-score":
                same = rng.random() < 0.5
                rows.append({"sentence1": premise, "sentence2": f"A {subject} {para if same else contra}.",
                             "score": round(rng.uniform(0.7, 1.0) if same else rng.uniform(0.0, 0.3), 3)})
            elif kind == "st-qa":
                q, a, _ = _fact(rng)
                rows.append({"question": q.capitalize(), "answer": f"The answer is {a}."})
            else:
                raise ValueError(f"unknown task demo kind {kind!r}; choose one of {list(TASK_DEMO_KINDS)}")
        elif kind in ("extractive-qa", "extractive-qa-flat"):  # SQuAD's shape, or flat answer columns
            from .qa_data import qa_row

            rows.append(qa_row(rng, i, flat=kind.endswith("-flat")))
        else:
            raise ValueError(f"unknown task demo kind {kind!r}; choose one of {list(TASK_DEMO_KINDS)}")
    return rows


def _digit_images(n: int | None, seed: int):
    """(image, digit) pairs from scikit-learn's bundled 8x8 digits, as grayscale PIL images."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))[: n or None]
    for index in order:
        pixels = (digits.images[index] * (255.0 / 16.0)).clip(0, 255).astype("uint8")
        yield Image.fromarray(pixels, mode="L"), int(digits.target[index])


def _detection_image(rng: random.Random, size: int):
    """A noisy square image with one to three coloured rectangles; returns (image, objects in COCO xywh)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), tuple(rng.randint(180, 230) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    boxes, categories = [], []
    for _ in range(rng.randint(1, 3)):
        category = rng.randrange(len(DETECTION_CATEGORIES))
        w, h = (rng.randint(10, 22), rng.randint(10, 22)) if category == 0 else (rng.randint(6, 10),
                                                                                  rng.randint(18, 30))
        x, y = rng.randint(0, size - w - 1), rng.randint(0, size - h - 1)
        draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(220, 30, 30) if category == 0 else (30, 40, 220))
        boxes.append([float(x), float(y), float(w), float(h)])
        categories.append(category)
    return image, {"bbox": boxes, "category": categories}


def _split_counts(n: int, splits: tuple[str, ...]) -> list[int]:
    """Rows per split: everything in one split, else 80% in the first and the rest shared by the others."""
    if len(splits) == 1:
        return [n]
    first = max(1, round(n * 0.8))
    rest = n - first
    others = [rest // (len(splits) - 1)] * (len(splits) - 1)
    others[0] += rest - sum(others)
    return [first, *others]


def _write_table(path: Path, rows: list[dict], fmt: str) -> None:
    import pandas as pd

    if fmt == "jsonl":
        _write_jsonl(path, rows)
    elif fmt == "csv":
        pd.DataFrame(rows).to_csv(path, index=False)
    elif fmt == "parquet":
        pd.DataFrame(rows).to_parquet(path, index=False)
    else:
        raise ValueError(f"unknown format {fmt!r}: jsonl, csv or parquet")


def make_task_demo(kind: str, out_dir: str | Path, n: int = 200, seed: int = 0,
                   splits: tuple[str, ...] = ("train", "valid"), fmt: str = "jsonl", int_labels: bool = False) -> str:
    """Write a deterministic demo data set of a non-LLM task into ``out_dir``; returns the folder.

    Text kinds write ``<split>.<fmt>`` files (80% in the first split, the rest in the others):
    ``text-classification`` (text, label: "positive"/"negative", or 1/0 with ``int_labels``; a
    sentiment keyword decides the label), ``text-regression`` (text, target: the number of a rating
    sentence), ``token-classification`` (tokens, tags in IOB2 strings; with ``int_labels``
    conll2003's columns id, tokens, pos_tags, chunk_tags, ner_tags as integers, see CONLL_TAGS),
    ``seq2seq`` (samsum's id, dialogue, summary), ``st-pair`` (anchor, positive), ``st-pair-class``
    (all-nli's premise, hypothesis, label 0/1/2), ``st-pair-score`` (sentence1, sentence2, score),
    ``st-triplet`` (anchor, positive, negative), ``st-qa`` (question, answer), ``extractive-qa`` (SQuAD's
    id, context, question, answers: {text, answer_start}; see qa_data.py) and ``extractive-qa-flat`` (its
    answer as answer_text and answer_start columns).

    Image kinds write folders: ``image-classification`` a ``<split>/<class>/*.png`` folder of
    scikit-learn's digits (``n=None`` for all 1797); ``image-regression`` ``<split>/`` with PNGs and
    a ``metadata.csv`` (file_name, target: the digit); ``object-detection`` ``<split>/`` with PNGs
    and a ``metadata.jsonl`` (file_name, objects: {bbox: [[x, y, w, h]], category: [0 or 1]}).
    Tabular kinds write scikit-learn's breast_cancer (classification, column ``target``) or diabetes
    (regression) as ``<split>.csv`` files. ``vlm-vqa`` and ``vlm-captioning`` write ``<split>/`` with PNGs of
    coloured shapes and a ``metadata.jsonl`` (file_name, question, answer; or file_name, caption).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if kind.startswith("vlm-"):
        from .vlm_data import make_vlm_demo

        return make_vlm_demo(kind, out, n=n, seed=seed, splits=splits)
    if kind.startswith("grpo-"):
        from .grpo_data import make_grpo_demo

        return make_grpo_demo(kind, out, n=n, seed=seed, splits=splits)
    if kind.startswith("kto-"):
        from .kto_data import make_kto_demo

        return make_kto_demo(kind, out, n=n, seed=seed, splits=splits)
    if kind in ("tabular-classification", "tabular-regression"):
        from sklearn.datasets import load_breast_cancer, load_diabetes

        frame = (load_breast_cancer if kind == "tabular-classification" else load_diabetes)(as_frame=True).frame
        frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        if n:
            frame = frame.head(n)
        start = 0
        for split, count in zip(splits, _split_counts(len(frame), splits)):
            frame.iloc[start:start + count].to_csv(out / f"{split}.csv", index=False)
            start += count
        return str(out)
    if kind in ("image-classification", "image-regression"):
        pairs = list(_digit_images(n, seed))
        start = 0
        for split, count in zip(splits, _split_counts(len(pairs), splits)):
            folder = out / split
            meta = []
            for i, (image, digit) in enumerate(pairs[start:start + count]):
                target = folder / str(digit) if kind == "image-classification" else folder
                target.mkdir(parents=True, exist_ok=True)
                image.save(target / f"{start + i:05d}.png")
                meta.append({"file_name": f"{start + i:05d}.png", "target": float(digit)})
            if kind == "image-regression":
                _write_table(folder / "metadata.csv", meta, "csv")
            start += count
        return str(out)
    if kind == "object-detection":
        rng = random.Random(f"{kind}:{seed}")
        start = 0
        for split, count in zip(splits, _split_counts(n, splits)):
            folder = out / split
            folder.mkdir(parents=True, exist_ok=True)
            meta = []
            for i in range(start, start + count):
                image, objects = _detection_image(rng, 64)
                image.save(folder / f"{i:05d}.png")
                meta.append({"file_name": f"{i:05d}.png", "objects": objects})
            _write_jsonl(folder / "metadata.jsonl", meta)
            start += count
        return str(out)
    rows = _task_rows(kind, n, seed, int_labels=int_labels)
    start = 0
    for split, count in zip(splits, _split_counts(len(rows), splits)):
        _write_table(out / f"{split}.{fmt}", rows[start:start + count], fmt)
        start += count
    return str(out)


def task_demo_frame(kind: str, n: int = 200, seed: int = 0, int_labels: bool = False):
    """The rows of a text task demo as a DataFrame (nothing written)."""
    import pandas as pd

    return pd.DataFrame(_task_rows(kind, n, seed, int_labels=int_labels))


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
