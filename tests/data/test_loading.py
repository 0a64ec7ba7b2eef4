"""Loading a split from files, folders, in-memory objects and the Hub (offline)."""

from __future__ import annotations

import json
import time

import pytest

datasets = pytest.importorskip("datasets")
pd = pytest.importorskip("pandas")

from tunewidgets.data import loading  # noqa: E402
from tunewidgets.data.loading import list_splits, load_split  # noqa: E402
from tunewidgets.errors import DataError  # noqa: E402

ROWS = [{"text": f"sentence number {i}", "label": i % 2} for i in range(6)]


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("ext", ["csv", "tsv", "jsonl", "json", "parquet"])
def test_reads_each_file_format(tmp_path, ext):
    frame = pd.DataFrame(ROWS)
    path = tmp_path / f"data.{ext}"
    if ext == "csv":
        frame.to_csv(path, index=False)
    elif ext == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif ext == "jsonl":
        _write_jsonl(path, ROWS)
    elif ext == "json":
        path.write_text(json.dumps(ROWS, indent=2))
    else:
        frame.to_parquet(path)
    ds = load_split(path, "ignored-for-a-file")
    assert isinstance(ds, datasets.Dataset)
    assert ds.column_names == ["text", "label"]
    assert ds.to_list() == ROWS
    assert ds.features["text"].dtype == "string"


def test_json_object_with_one_list_of_rows(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"version": 1, "data": ROWS}, indent=1))
    assert load_split(path).to_list() == ROWS


def test_jsonl_with_rows_of_different_shapes_is_merged(tmp_path):
    rows = [{"a": 1, "m": [{"role": "user", "content": "x"}]},
            {"a": 2.5, "m": [{"role": "user", "content": "y", "name": "n"}]}]
    ds = load_split(_write_jsonl(tmp_path / "mixed.jsonl", rows))
    assert ds["a"] == [1.0, 2.5]
    assert ds[1]["m"][0]["name"] == "n"


def test_json_encoded_messages_column_is_left_a_string(tmp_path):
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    path = tmp_path / "chat.csv"
    pd.DataFrame({"messages": [json.dumps(messages)] * 2}).to_csv(path, index=False)
    ds = load_split(path)
    assert isinstance(ds[0]["messages"], str)
    assert json.loads(ds[0]["messages"]) == messages


# --------------------------------------------------------------------------- bad files


def test_malformed_jsonl_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b"}\n{"text": "c",\n{"text": "d"}\n')
    with pytest.raises(DataError, match="line 3") as info:
        load_split(path)
    assert "bad.jsonl" in str(info.value)


def test_jsonl_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "list.jsonl"
    path.write_text('{"text": "a"}\n[1, 2]\n')
    with pytest.raises(DataError, match="line 2 is a list"):
        load_split(path)


def test_malformed_csv_names_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\nhello,1\nworld,0,extra\n")
    with pytest.raises(DataError, match=r"malformed CSV .*bad\.csv.*line 3"):
        load_split(path)


@pytest.mark.parametrize("name,content", [("e.csv", ""), ("e.jsonl", ""), ("w.jsonl", "\n  \n"), ("e.parquet", "")])
def test_empty_file(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataError, match="file is empty"):
        load_split(path)


def test_csv_with_header_only_has_no_rows(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("text,label\n")
    with pytest.raises(DataError, match="has no rows"):
        load_split(path)


@pytest.mark.parametrize("name", ["latin1.csv", "latin1.jsonl"])
def test_non_utf8_bytes_name_file_line_and_offset(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".csv"):
        data = b"text,label\nok,1\ncaf\xe9,0\n"
    else:
        data = b'{"text": "ok"}\n{"text": "caf\xe9"}\n'
    path.write_bytes(data)
    with pytest.raises(DataError) as info:
        load_split(path)
    message = str(info.value)
    offset = data.index(b"\xe9")
    assert name in message and "not UTF-8" in message
    assert f"offset {offset}" in message
    line = data[:offset].count(b"\n") + 1
    assert line == 3 if name.endswith(".csv") else line == 2
    assert f"line {line}" in message


def test_missing_local_path(tmp_path):
    for missing in [str(tmp_path / "nope.csv"), "./nope", "nope.jsonl", "~/no/such/file.parquet"]:
        with pytest.raises(DataError, match="does not exist"):
            load_split(missing)


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match="use one of"):
        load_split(path)


# --------------------------------------------------------------------------- folders


def test_folder_of_split_files(tmp_path):
    pd.DataFrame(ROWS).to_csv(tmp_path / "train.csv", index=False)
    _write_jsonl(tmp_path / "valid.jsonl", ROWS[:2])
    assert load_split(tmp_path, "train").num_rows == 6
    assert load_split(tmp_path, "valid").to_list() == ROWS[:2]
    assert list_splits(tmp_path) == ["train", "valid"]


def test_missing_split_lists_the_files_there(tmp_path):
    pd.DataFrame(ROWS).to_csv(tmp_path / "train.csv", index=False)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match=r"split 'validation'.*files there: notes.txt, train.csv"):
        load_split(tmp_path, "validation")


def test_split_subfolder_and_shards_are_concatenated(tmp_path):
    (tmp_path / "train").mkdir()
    pd.DataFrame(ROWS[:3]).to_parquet(tmp_path / "train" / "part-0.parquet")
    pd.DataFrame(ROWS[3:]).to_parquet(tmp_path / "train" / "part-1.parquet")
    pd.DataFrame(ROWS[:2]).to_parquet(tmp_path / "test-00000-of-00002.parquet")
    pd.DataFrame(ROWS[2:3]).to_parquet(tmp_path / "test-00001-of-00002.parquet")
    assert load_split(tmp_path, "train").to_list() == ROWS
    assert load_split(tmp_path, "test").to_list() == ROWS[:3]
    assert list_splits(tmp_path) == ["train", "test"]


def test_image_folder_gives_image_paths_and_class_labels(tmp_path):
    (tmp_path / "train" / "cat").mkdir(parents=True)
    (tmp_path / "train" / "cat" / "1.png").write_bytes(b"\x89PNG")
    rows = load_split(tmp_path, "train").to_list()
    assert rows == [{"image": str((tmp_path / "train" / "cat" / "1.png").resolve()), "label": "cat"}]


def test_list_splits_of_a_file_and_a_hub_id(tmp_path):
    path = _write_jsonl(tmp_path / "x.jsonl", ROWS)
    assert list_splits(path) == ["train"]
    assert list_splits("owner/some-dataset") == []


# --------------------------------------------------------------------------- in memory


def test_dataframe_dataset_and_datasetdict():
    frame = pd.DataFrame(ROWS)
    assert load_split(frame).to_list() == ROWS
    ds = datasets.Dataset.from_list(ROWS)
    assert load_split(ds) is ds
    dd = datasets.DatasetDict({"train": ds, "test": ds.select([0])})
    assert load_split(dd, "test").num_rows == 1
    with pytest.raises(DataError, match="split 'valid' not found; splits: train, test"):
        load_split(dd, "valid")


def test_dataframe_with_mixed_column_types_names_the_column():
    with pytest.raises(DataError, match="column a"):
        load_split(pd.DataFrame({"a": [1, "x"]}))


# --------------------------------------------------------------------------- Hub


def _spy_offline_flag(monkeypatch) -> list:
    """Record datasets' offline flag each time load_dataset runs, then run the real one."""
    import datasets.config

    seen = []
    real = datasets.load_dataset

    def spy(*args, **kwargs):
        seen.append(datasets.config.HF_HUB_OFFLINE)
        return real(*args, **kwargs)

    monkeypatch.setattr(datasets, "load_dataset", spy)
    return seen


def test_hub_id_while_offline_fails_fast_and_clearly(monkeypatch):
    import datasets.config
    from huggingface_hub import constants

    # as in a notebook that sets the variables after datasets was imported
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    seen = _spy_offline_flag(monkeypatch)
    start = time.monotonic()
    with pytest.raises(DataError) as info:
        load_split("some-owner/surely-not-cached-xyz", "train")
    elapsed = time.monotonic() - start
    assert str(info.value) == (
        "could not reach the Hugging Face Hub to load dataset 'some-owner/surely-not-cached-xyz' (offline?): "
        "download it or pass a local path"
    )
    assert seen == [True]  # datasets ran in offline mode: cache only, no retries
    assert datasets.config.HF_HUB_OFFLINE is False and constants.HF_HUB_OFFLINE is False  # flags restored
    assert elapsed < 15  # the online retry path takes about 25 s on a machine without network


def test_unreachable_hub_without_offline_flag(monkeypatch):
    import datasets.config
    from huggingface_hub import constants

    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(loading, "_hub_reachable", lambda timeout=3.0: False)
    seen = _spy_offline_flag(monkeypatch)
    with pytest.raises(DataError, match=r"could not reach the Hugging Face Hub to load dataset 'imdb' \(offline\?\)"):
        load_split("imdb")
    assert seen == [True]


def test_hub_config_split_form_is_passed_to_load_dataset(monkeypatch):
    calls = []

    def fake_load_dataset(path, name=None, **kwargs):
        calls.append((path, name, kwargs))
        return datasets.Dataset.from_list(ROWS)

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    monkeypatch.setattr(loading, "hub_offline", lambda: False)
    monkeypatch.setattr(loading, "_hub_reachable", lambda timeout=3.0: True)
    ds = load_split("sentence-transformers/all-nli", "pair-class:train", token="hf_x")
    assert ds.num_rows == 6
    assert calls == [
        ("sentence-transformers/all-nli", "pair-class", {"split": "train", "token": "hf_x", "streaming": False})
    ]
    load_split("imdb", "test")
    assert calls[-1] == ("imdb", None, {"split": "test", "token": None, "streaming": False})
