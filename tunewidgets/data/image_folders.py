"""Recognise an image folder split without reading its images (or importing ``datasets``).

Layouts, as Hugging Face's imagefolder: one subfolder per class, images beside a
``metadata.jsonl|csv|parquet`` whose ``file_name`` column names them, or bare images.
Loading (``loading.image_folder_split``) and the app's preview share this one reading of
the layout, so what the preview shows is what training gets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .loading import DATA_EXTENSIONS, IMAGE_EXTENSIONS, _split_of


@dataclass
class ImageFolder:
    """One split's folder: its class subfolders (name -> image files), loose images and metadata file."""

    folder: Path
    classes: dict[str, list[Path]] = field(default_factory=dict)
    images: list[Path] = field(default_factory=list)
    metadata: Path | None = None

    @property
    def num_images(self) -> int:
        return sum(len(files) for files in self.classes.values()) if self.classes else len(self.images)

    def class_counts(self) -> dict[str, int]:
        return {name: len(files) for name, files in self.classes.items()}

    def head_rows(self, n: int) -> list[dict]:
        """The first ``n`` rows (metadata layouts excepted: their rows come from the metadata file).

        Class folders are taken in turn, so a preview shows several classes, not n images of the first."""
        if not self.classes:
            return [{"image": str(p.resolve())} for p in self.images[:n]]
        rows, queues = [], [(name, iter(files)) for name, files in self.classes.items()]
        while queues and len(rows) < n:
            for entry in list(queues):
                image = next(entry[1], None)
                if image is None:
                    queues.remove(entry)
                    continue
                rows.append({"image": str(image.resolve()), "label": entry[0]})
                if len(rows) == n:
                    break
        return rows


def split_file_exists(folder: Path, split: str) -> bool:
    """A ``<split>.<ext>`` data file (or a shard of one) beside the subfolder wins over an image folder."""
    return any(f.is_file() and f.suffix.lower() in DATA_EXTENSIONS and _split_of(f.stem) == split
               for f in folder.iterdir())


def find_image_folder(folder: str | os.PathLike, split: str) -> ImageFolder | None:
    """``folder/split`` read as an image folder, or None when it is not one."""
    folder = Path(folder)
    sub = folder / split
    if not sub.is_dir() or split_file_exists(folder, split):
        return None
    entries = sorted(p for p in sub.iterdir() if not p.name.startswith("."))
    images = [p for p in entries if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
    classes = {p.name: sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS)
               for p in entries if p.is_dir()}
    classes = {name: files for name, files in classes.items() if files}
    if not images and not classes:
        return None
    metadata = next((p for p in entries if p.is_file() and p.stem == "metadata"
                     and p.suffix.lower() in DATA_EXTENSIONS), None)
    return ImageFolder(sub, {} if metadata else classes, images, metadata)
