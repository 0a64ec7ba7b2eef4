"""Previewing the head of a data set without reading all of it."""

from __future__ import annotations

import json
import os

import pytest

datasets = pytest.importorskip("datasets")
pd = pytest.importorskip("pandas")

from tunewidgets.data.preview import Preview, preview  # noqa: E402
from tunewidgets.errors import DataError  # noqa: E402

ROWS = [{"text": f"sentence number {i}", "label": i % 3} for i in range(100)]


def _bytes_read() -> int | None:
    """Bytes read through Python-level read() calls so far (Linux), None elsewhere; pandas C reads are not seen."""
    try:
        with open("/proc/self/io") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("rchar"))
    except OSError:
        return None


def test_csv_head_and_estimated_count(tmp_path):
    path = tmp_path / "train.csv"
    pd.DataFrame(ROWS * 10).to_csv(path, index=False)
    result = preview(path, n=5)
    assert isinstance(result, Preview)
    assert result.frame.to_dict("records") == ROWS[:5]
    assert result.columns == [("text", "string"), ("label", "int64")]
    assert result.num_rows_estimated is True
    assert abs(result.num_rows - 1000) <= 50


def test_small_files_get_exact_counts(tmp_path):
    csv = tmp_path / "a.csv"
    pd.DataFrame(ROWS[:7]).to_csv(csv, index=False)
    jsonl = tmp_path / "b.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n\n" for r in ROWS))  # blank lines are not rows
    array = tmp_path / "c.json"
    array.write_text(json.dumps(ROWS, indent=1))
    by_csv, by_jsonl, by_array = preview(csv, n=20), preview(jsonl, n=20), preview(array, n=3)
    assert (by_csv.num_rows, by_csv.num_rows_estimated, len(by_csv.frame)) == (7, False, 7)
    assert (by_jsonl.num_rows, by_jsonl.num_rows_estimated, len(by_jsonl.frame)) == (100, False, 20)
    assert by_array.frame.to_dict("records") == ROWS[:3]
    assert (by_array.num_rows, by_array.num_rows_estimated) == (100, False)


def test_json_document_with_a_list_of_rows(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"version": 2, "data": ROWS}, indent=2))
    result = preview(path, n=4)
    assert result.frame.to_dict("records") == ROWS[:4]
    assert (result.num_rows, result.num_rows_estimated) == (100, False)


def test_parquet_reads_count_from_metadata(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "train.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS * 5), path, row_group_size=50)
    result = preview(path, n=4)
    assert result.num_rows == 500 and result.num_rows_estimated is False
    assert result.frame.to_dict("records") == ROWS[:4]
    assert result.columns == [("text", "string"), ("label", "int64")]


def test_folder_split_and_column_kinds(tmp_path):
    rows = [{"messages": [{"role": "user", "content": "hi"}], "score": 0.5, "ok": True}] * 3
    (tmp_path / "valid.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = preview(tmp_path, "valid")
    assert result.columns == [("messages", "list"), ("score", "float64"), ("ok", "bool")]
    assert result.num_rows == 3
    assert "valid.jsonl" in result.source


def test_in_memory_sources():
    frame = pd.DataFrame(ROWS)
    by_frame = preview(frame, n=3)
    assert len(by_frame.frame) == 3 and by_frame.num_rows == 100
    ds = datasets.Dataset.from_list(ROWS).cast_column("label", datasets.ClassLabel(names=["a", "b", "c"]))
    by_dataset = preview(datasets.DatasetDict({"train": ds}), "train", n=2)
    assert by_dataset.frame["text"].tolist() == ["sentence number 0", "sentence number 1"]
    assert by_dataset.columns == [("text", "string"), ("label", "class_label(a, b, c)")]
    assert by_dataset.num_rows == 100


def test_malformed_head_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": }\n')
    with pytest.raises(DataError, match="line 3"):
        preview(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="file is empty"):
        preview(path)


@pytest.mark.parametrize("ext", ["jsonl", "csv"])
def test_big_file_preview_reads_only_the_head(tmp_path, ext):
    """A ~200 MB file: the preview reads a few hundred KB and estimates the count.

    The file ends in a malformed row, so a reader that parsed the whole file would fail.
    """
    path = tmp_path / f"big.{ext}"
    if ext == "jsonl":
        block = b"".join(b'{"text": "the quick brown fox jumps over the lazy dog", "label": %d}\n' % (i % 5)
                         for i in range(20_000))
        header, tail = b"", b'{"text": broken\n'
    else:
        block = b"".join(b'"the quick brown fox, jumps over the lazy dog",%d\n' % (i % 5) for i in range(20_000))
        header, tail = b"text,label\n", b"broken,row,with,too,many,fields\n"
    repeats = 200_000_000 // len(block)
    try:
        with open(path, "wb") as handle:
            handle.write(header)
            for _ in range(repeats):
                handle.write(block)
            handle.write(tail)
        true_rows = 20_000 * repeats
        before = _bytes_read()
        result = preview(path, n=20)
        after = _bytes_read()
    finally:
        os.unlink(path)
    assert len(result.frame) == 20
    assert result.frame["label"].tolist() == [i % 5 for i in range(20)]
    assert result.num_rows_estimated is True
    assert abs(result.num_rows - true_rows) / true_rows < 0.05
    if before is not None:
        assert after - before < 8 << 20  # far less than the 200 MB file


def test_hub_preview_streams_the_head(monkeypatch):
    from tunewidgets.data import loading

    calls = []

    def fake_load_dataset(path, name=None, **kwargs):
        calls.append((path, name, kwargs))
        return datasets.Dataset.from_list(ROWS).to_iterable_dataset()

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    monkeypatch.setattr(loading, "hub_offline", lambda: False)
    monkeypatch.setattr(loading, "_hub_reachable", lambda timeout=3.0: True)
    result = preview("owner/name", "cfg:train", n=3)
    assert calls == [("owner/name", "cfg", {"split": "train", "token": None, "streaming": True})]
    assert result.frame.to_dict("records") == ROWS[:3]
    assert result.columns == [("text", "string"), ("label", "int64")]
    assert result.num_rows is None


def test_hub_preview_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="could not reach the Hugging Face Hub to load dataset 'owner/nothing'"):
        preview("owner/nothing")
