"""The data part of an ejected script: each split read as a run reads it, the mapped columns renamed, and the
automatic validation split.

Where the data lives is decided here, on the exporting machine, with the run's own loading rules (a file,
a folder of ``<split>.<ext>`` files, an image folder, a Hub id), so the script only reads: the split files
are listed, an image folder is read by a short helper that lists images in the run's order. The held-out
split is the run's ``split_indices``, embedded, so the same rows land in train and valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...config.run_config import RunConfig
from .eject_source import Script
from .splits import MIN_ROWS_TO_SPLIT, split_indices

BUILDERS = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".jsonl": "json", ".json": "json"}

_IMAGE_FOLDER = '''
def image_folder(folder):
    """The rows of an image folder, listed as tunewidgets lists them: beside a metadata file (its file_name column
    names each image), one subfolder per class (the label is the folder's name), or bare images; in name order."""
    folder = Path(folder)
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    metadata = next((p for p in entries if p.is_file() and p.stem == "metadata"
                     and p.suffix.lower() in DATA_EXTENSIONS), None)
    if metadata is not None:
        delimiter = {"delimiter": "\\t"} if metadata.suffix.lower() == ".tsv" else {}
        rows = load_dataset(BUILDERS[metadata.suffix.lower()], data_files=str(metadata), split="train",
                            **delimiter).to_list()
        for row in rows:
            row["image"] = str((folder / str(row.pop("file_name"))).resolve())
        return Dataset.from_list(rows)

    def images(where):
        return sorted(f for f in where.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS)

    classes = [p for p in entries if p.is_dir() and images(p)]
    if classes:
        return Dataset.from_list([{"image": str(f.resolve()), "label": c.name} for c in classes for f in images(c)])
    return Dataset.from_list([{"image": str(f.resolve())} for f in images(folder)])
'''


def column_renames(config: RunConfig) -> dict[str, str]:
    """{the user's column: the name the training reads}, as the run's column mapping renames them
    (guessed from the data, as the run guesses it, when the config maps nothing)."""
    spec = config.task_info
    mapping = dict(config.data.column_mapping or {}) or guessed_mapping(config)
    renames: dict[str, str] = {}
    for role in spec.roles:
        value = mapping.get(role.key)
        names = [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]
        if names:
            renames[names[0]] = role.renamed_to
    return renames


def guessed_mapping(config: RunConfig) -> dict[str, Any]:
    """The mapping a run would guess from the train split ({} without data: the script says so when run)."""
    from ...data.columns import guess_column_mapping
    from ...data.loading import load_split

    if not config.data.path:
        return {}
    train = load_split(config.data.path, config.data.train_split, token=config.hub_token)
    return guess_column_mapping(config.task, list(train.column_names), [train[i] for i in range(min(5, len(train)))])


def read_splits(script: Script, config: RunConfig, *, auto_valid: bool = True, stratify: str | None = None,
                renames: dict[str, str] | None = None) -> None:
    """Settings, the ``load`` and ``mapped`` helpers and the lines that make ``train`` and ``valid``.

    ``auto_valid``: without a valid split, hold out 20% of train as the run does (stratified by the
    renamed column ``stratify``); ``renames``: the mapped columns (default: the task's column mapping;
    a task that keeps every column passes {}).
    """
    data = config.data
    renames = column_renames(config) if renames is None else renames
    script.setting("DATA", data.path)
    script.setting("TRAIN_SPLIT", data.train_split)
    script.setting("VALID_SPLIT", data.valid_split)
    script.setting("SEED", config.params.seed)
    script.imports("from datasets import load_dataset")
    _loader(script, data.path, [s for s in (data.train_split, data.valid_split) if s])
    lines = []
    if renames:
        script.setting("COLUMNS", renames, "your columns -> the names the training reads")
        script.code("mapped", '''
            def mapped(dataset):
                """Keep the mapped columns, renamed to the names the training reads."""
                dataset = dataset.select_columns(list(COLUMNS))
                return dataset.rename_columns({old: new for old, new in COLUMNS.items() if old != new})
            ''')
        read = "mapped(load({}))"
    else:
        read = "load({})"
    lines.append(f"train = {read.format('TRAIN_SPLIT')}")
    if data.valid_split or not auto_valid or getattr(config.params, "eval_strategy", None) == "no":
        lines.append(f"valid = {read.format('VALID_SPLIT')} if VALID_SPLIT else None")
    else:
        script.embed(split_indices)
        labels = f"train[{stratify!r}]" if stratify else "len(train)"
        how = f"seeded, stratified by {stratify}" if stratify else "seeded"
        lines += ["valid = None",
                  f"if len(train) >= {MIN_ROWS_TO_SPLIT}:  # no valid split: hold out 20% of train, as tunewidgets "
                  f"does ({how})",
                  f"    train_rows, valid_rows = split_indices({labels}, seed=SEED)",
                  "    train, valid = train.select(train_rows), train.select(valid_rows)"]
    script.add(*lines)


def _loader(script: Script, path: str | None, splits: list[str]) -> None:
    """The ``load(split)`` helper for wherever the data lives."""
    if not path:
        script.code("load", '''
            def load(split):
                raise SystemExit("data.path is empty: point DATA at your data")
            ''')
        return
    local = Path(path).expanduser()
    if local.is_file():
        builder, delimiter = _builder(local)
        script.code("load", f'''
            def load(split):
                """The data file (a file is every split, as in tunewidgets)."""
                return load_dataset({builder!r}, data_files=DATA, split="train"{delimiter})
            ''')
        return
    if not local.is_dir():
        script.code("load", '''
            def load(split):
                """A split of the Hub dataset ("config:split" names a config)."""
                config, _, name = split.rpartition(":")
                return load_dataset(DATA, config or None, split=name or "train")
            ''')
        return
    files, images = _folder_splits(local, splits)
    lines = ["def load(split):", '    """One split of the DATA folder, read as tunewidgets reads it."""']
    if images:
        from ...data.loading import DATA_EXTENSIONS, IMAGE_EXTENSIONS

        script.imports("from datasets import Dataset", "from pathlib import Path")
        script.constant("DATA_EXTENSIONS", DATA_EXTENSIONS).constant("IMAGE_EXTENSIONS", IMAGE_EXTENSIONS)
        script.constant("BUILDERS", BUILDERS).code("image_folder", _IMAGE_FOLDER)
        script.setting("IMAGE_FOLDERS", images, "splits that are image folders")
        lines += ["    if split in IMAGE_FOLDERS:", "        return image_folder(IMAGE_FOLDERS[split])"]
    if files:
        script.setting("FILES", {split: names for split, (_, _, names) in files.items()}, "the files of each split")
        kinds = {(builder, delimiter) for builder, delimiter, _ in files.values()}
        if len(kinds) == 1:
            builder, delimiter = kinds.pop()
            lines.append(f'    return load_dataset({builder!r}, data_files=FILES[split], split="train"{delimiter})')
        else:
            script.setting("FORMATS", {split: builder for split, (builder, _, _) in files.items()})
            lines.append('    return load_dataset(FORMATS[split], data_files=FILES[split], split="train")')
    if not files:
        lines.append('    raise SystemExit(f"no data for split {split!r} in {DATA}")')
    script.code("load", "\n".join(lines))


def _folder_splits(folder: Path, splits: list[str]):
    """({split: (builder, delimiter, files)}, {split: image folder}) as the run's loader finds them."""
    from ...data.image_folders import find_image_folder
    from ...data.loading import split_files, split_files_exist

    files, images = {}, {}
    for split in splits:
        layout = find_image_folder(folder, split)
        if layout is not None:
            images[split] = str(layout.folder)
            continue
        where, name = folder, split
        if ":" in split and not split_files_exist(folder, split):  # a local copy of a Hub repo: <config>/<split>.*
            config_name, name = split.split(":", 1)
            where = folder / config_name
        found = [str(f) for f in split_files(where, name)]
        builder, delimiter = _builder(Path(found[0]))
        files[split] = (builder, delimiter, found)
    return files, images


def _builder(path: Path) -> tuple[str, str]:
    suffix = path.suffix.lower()
    return BUILDERS.get(suffix, "json"), (', delimiter="\\t"' if suffix == ".tsv" else "")
