"""extractive-qa: windows over long contexts, run_qa.py's post-processing, SQuAD's scores, training from the CLI and
an exported YAML, flat and CSV answers, unanswered questions, AutoTrain's two example configs, and the saved model
answering a question."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import autotrain_config_params
from tests.tasks.task_helpers import config, last_eval, read_metrics, tiny_model, train_cli, write_config
from tunewidgets import tiny
from tunewidgets.cli import main
from tunewidgets.config import dump_config, load_config
from tunewidgets.tasks.extractive_qa.features import qa_features
from tunewidgets.tasks.extractive_qa.postprocess import best_answers, best_span, squad_scores

TASK = "extractive-qa"
MAPPING = {"text_column": "context", "question_column": "question", "answer_column": "answers"}
FAST = {"batch_size": 8, "lr": 3e-3, "max_seq_length": 64, "max_doc_stride": 24, "logging_steps": 1}


def _tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model("bert"))


# --------------------------------------------------------------------------- windows and post-processing


def test_a_long_context_becomes_overlapping_windows_that_point_at_the_answer():
    tokenizer = _tokenizer()
    filler = " ".join(f"Tom works for Globex {i} ." for i in range(12))
    context = f"{filler} Anna lives in Cape Town . {filler}"
    start = context.index("Cape Town")
    batch = {"question": ["   Where does Anna live?"], "context": [context],
             "answers": [{"text": ["Cape Town"], "answer_start": [start]}]}
    enc = qa_features(batch, [7], tokenizer, max_length=32, stride=8, windows=True)
    count = len(enc["input_ids"])
    assert count > 4 and all(len(ids) <= 32 for ids in enc["input_ids"])
    assert enc["example_index"] == [7] * count
    found = []
    for s, e, offsets, cls in zip(enc["start_positions"], enc["end_positions"], enc["offset_mapping"],
                                  enc["cls_index"]):
        if s == e == cls:
            continue
        found.append(context[offsets[s][0]:offsets[e][1]])
    assert found and set(found) == {"Cape Town"}  # every window holding the answer points at it; others at CLS
    question_tokens = [o for o in enc["offset_mapping"][0][:6]]
    assert question_tokens[0] is None  # the question's tokens and the specials have no context offsets


def test_an_unanswered_question_points_at_cls_in_every_window():
    tokenizer = _tokenizer()
    batch = {"question": ["Who?"], "context": ["Anna lives in Paris ."],
             "answers": [{"text": [], "answer_start": []}]}
    enc = qa_features(batch, [0], tokenizer, max_length=64, stride=8)
    assert enc["start_positions"] == enc["end_positions"] == [0]


def test_post_processing_picks_the_best_span_within_the_limits_and_the_null_answer():
    offsets = [None, None, [0, 4], [5, 10], [11, 13], [14, 19], None]  # [CLS] q [SEP] "Anna lives in Paris" [SEP]
    context = "Anna lives in Paris"
    start = np.array([0.0, 9.0, 1.0, 0.0, 0.0, 5.0, 9.0])  # the best starts outside the context are ignored
    end = np.array([0.0, 9.0, 0.0, 0.0, 0.0, 4.0, 9.0])
    assert best_span(start, end, offsets) == (9.0, 5, 5)
    assert best_span(start, end, offsets, max_answer_length=1) == (9.0, 5, 5)
    end_before = np.array([0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0])
    assert best_span(start, end_before, offsets)[1:] == (2, 2)  # an end before the start is no span
    windows = [(0, 0, offsets)]
    assert best_answers([context], windows, [start], [end]) == ["Paris"]
    strong_null = start.copy()
    strong_null[0] = 20.0
    assert best_answers([context], windows, [strong_null], [end], null_answers=True) == [""]
    assert best_answers([context], windows, [strong_null], [end], null_answers=False) == ["Paris"]  # SQuAD v1


def test_squad_scores_normalise_as_squad_does():
    scores = squad_scores(["The Paris!", "new  york city", "", "Rome"],
                          [["Paris"], ["New York"], [], ["Paris", "rome."]])
    assert scores["exact_match"] == pytest.approx(3 / 4)  # articles, case, punctuation; "" answers no answer
    assert scores["f1"] == pytest.approx((1 + 0.8 + 1 + 1) / 4)
    assert squad_scores(["Paris"], [[""]]) == {"exact_match": 0.0, "f1": 0.0}


# --------------------------------------------------------------------------- training


def test_trains_logs_exact_match_and_f1_and_the_saved_model_answers(tmp_path):
    data = tiny.make_task_demo(TASK, tmp_path / "data", n=80)
    run = train_cli(config(TASK, tiny_model("bert"), data, MAPPING, valid="valid", max_steps=4, eval_strategy="steps",
                           eval_steps=4, **FAST), tmp_path)
    final = last_eval(run)
    assert {"eval_loss", "eval_exact_match", "eval_f1"} <= set(final)
    assert 0.0 <= final["eval_exact_match"] <= final["eval_f1"] <= 1.0
    saved = json.loads((run / "config.json").read_text())
    assert saved["architectures"] == ["BertForQuestionAnswering"]
    assert saved["qa_postprocess"] == {"max_seq_length": 64, "max_doc_stride": 24, "n_best_size": 20,
                                       "max_answer_length": 30, "null_answers": True}  # the demo has unanswered ones

    from tunewidgets.config.tasks import TASKS
    from tunewidgets.run.saved import load_saved

    model, tokenizer = load_saved(run)
    assert type(model).__name__ == "BertForQuestionAnswering"
    context = "Anna lives in Paris. Tom works for Globex."
    answer = TASKS[TASK].predict.run(model, tokenizer, context, query="Where does Anna live?")
    assert answer.context == context
    assert answer.span is None or context[answer.span[0]:answer.span[1]] in answer.text
    assert answer.text.rstrip(")").rsplit("(", 1)[1].replace(".", "").isdigit()  # its probability


def test_flat_csv_columns_train_with_the_mapping_guessed(tmp_path):
    data = tiny.make_task_demo("extractive-qa-flat", tmp_path / "data", n=40, fmt="csv", splits=("train",))
    assert "answer_start" in pd.read_csv(f"{data}/train.csv").columns
    run = train_cli(config(TASK, tiny_model("bert"), data, {}, max_steps=2, **FAST), tmp_path)
    assert "eval_exact_match" in last_eval(run)  # 20% held out, as AutoTrain does
    assert "held out 8 of 40 training rows" in (run / "train.log").read_text()


def test_long_contexts_train_in_windows(tmp_path):
    rows = tiny.task_demo_frame(TASK, n=30).to_dict("records")
    for row in rows:  # the story, then many distractors: every context needs several windows of 32 tokens
        row["context"] += " " + " ".join(["Yesterday Eva Brown visited Lima."] * 8)
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame(rows).to_json(data / "train.jsonl", orient="records", lines=True)
    run = train_cli(config(TASK, tiny_model("bert"), str(data), MAPPING, max_steps=2,
                           **{**FAST, "max_seq_length": 32, "max_doc_stride": 8}), tmp_path)
    log = (run / "train.log").read_text()
    windows = int(log.split("questions in ")[1].split(" windows")[0].replace(",", ""))
    assert windows >= 3 * 24, log[-2000:]
    assert "eval_f1" in last_eval(run)


def test_a_question_with_no_room_for_its_context_is_a_clear_error(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    rows = [{"context": "Anna lives in Paris.", "question": "Where does Anna live?",
             "answers": {"text": ["Paris"], "answer_start": [14]}}] * 6
    rows[4] = {**rows[4], "question": "Where " * 40 + "does Anna live?"}
    pd.DataFrame(rows).to_json(data / "train.jsonl", orient="records", lines=True)
    cfg = config(TASK, tiny_model("bert"), str(data), MAPPING, max_steps=1, **{**FAST, "max_seq_length": 32,
                                                                               "max_doc_stride": 8})
    assert main(["train", str(write_config(cfg, tmp_path)), "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "the train split's row 5: its question is" in err and "raise max_seq_length" in err


def test_a_stride_as_long_as_the_window_is_refused_by_the_config():
    with pytest.raises(Exception, match="max_doc_stride \\(128\\) must be smaller than max_seq_length \\(128\\)"):
        load_config({"task": TASK, "base_model": "x", "params": {"max_seq_length": 128}})


@pytest.mark.slow
def test_the_demo_learns_to_answer_and_the_exported_yaml_reruns_it(tmp_path):
    """The offline demo as the app builds it: exact match and F1 rise from near zero (the untrained model, scored
    by Try the model's own hook) to most questions answered; the exported YAML trains the same run again."""
    from tunewidgets.config.tasks import TASKS
    from tunewidgets.run.saved import load_saved
    from tunewidgets.tasks.shared.demo import demo_config

    spec = TASKS[TASK]
    cfg = demo_config(spec, tmp_path / "demo")
    valid = [json.loads(line) for line in open(f"{cfg['data']['path']}/valid.jsonl")]

    def scores(model, tokenizer):
        predicted = []
        for row in valid:
            answer = spec.predict.run(model, tokenizer, row["context"], query=row["question"])
            predicted.append(row["context"][answer.span[0]:answer.span[1]] if answer.span else "")
        return squad_scores(predicted, [row["answers"]["text"] for row in valid])

    from transformers import AutoModelForQuestionAnswering, AutoTokenizer, set_seed

    set_seed(42)
    before = scores(AutoModelForQuestionAnswering.from_pretrained(cfg["base_model"]),
                    AutoTokenizer.from_pretrained(cfg["base_model"]))
    exported = tmp_path / "exported.yml"
    dump_config(load_config(cfg), exported)
    run = train_cli(yaml.safe_load(exported.read_text()), tmp_path / "runs")
    final = last_eval(run)
    after = scores(*load_saved(run))
    assert before["exact_match"] < 0.2 and final["eval_exact_match"] >= 0.6, (before, read_metrics(run))
    assert after["exact_match"] == pytest.approx(final["eval_exact_match"], abs=0.02)  # Try the model answers so
    assert final["eval_f1"] >= final["eval_exact_match"]


# --------------------------------------------------------------------------- AutoTrain's two example configs


@pytest.mark.parametrize("path", autotrain_config_params("more/extractive_question_answering__*.yml"))
def test_autotrain_config_loads_unchanged_and_trains_a_few_steps(path, tmp_path):
    raw = yaml.safe_load(path.read_text())
    loaded = load_config(path)
    assert loaded.task == TASK and dict(loaded.data.column_mapping) == raw["data"]["column_mapping"]
    assert loaded.params.max_seq_length == 512 and loaded.params.max_doc_stride == 128
    assert load_config(dump_config(loaded)) == loaded
    local = path.stem.endswith("local_dataset")  # its data: a folder of CSV files (train, valid)
    splits = ("train", raw["data"]["valid_split"])
    data = tiny.make_task_demo(TASK, tmp_path / "data", n=40, splits=splits, fmt="csv" if local else "jsonl")
    args = ["train", str(path), "--workdir", str(tmp_path), "--quiet", "--set", f"base_model={tiny_model('bert')}",
            "--set", f"data.path={data}", "--set", "params.max_steps=2"]
    assert main(args) == 0, (tmp_path / raw["project_name"] / "train.log").read_text()[-3000:]
    run = tmp_path / raw["project_name"]
    assert "eval_exact_match" in last_eval(run)
    assert "mixed_precision fp16 needs a GPU" in (run / "train.log").read_text()


# --------------------------------------------------------------------------- eject


def test_the_ejected_script_reads_and_holds_out_the_rows_a_run_reads(tmp_path):
    from tunewidgets.device import DeviceInfo
    from tunewidgets.tasks.base import TaskContext
    from tunewidgets.tasks.extractive_qa.features import with_answers
    from tunewidgets.tasks.extractive_qa.train import _hold_out, column_names
    from tunewidgets.tasks.shared.eject_script import python_script
    from tunewidgets.tasks.shared.splits import load_train_valid

    data = tiny.make_task_demo("extractive-qa-flat", tmp_path / "data", n=30, fmt="csv", splits=("train",))
    cfg = load_config(config(TASK, tiny_model("bert"), data, {"text_column": "context", "question_column": "question",
                                                             "answer_column": "answer_text",
                                                             "answer_start_column": "answer_start"}, **FAST))
    text = python_script(cfg, workdir=tmp_path)
    namespace: dict = {}
    exec(compile(text[:text.index("# ---- model")], "ejected", "exec"), namespace)
    ctx = TaskContext(config=cfg, run_dir=tmp_path, device=DeviceInfo(device="cpu"), log=lambda _t: None)
    train, _, _ = load_train_valid(ctx, auto_valid=False)
    ours = _hold_out(ctx, with_answers(train, "train", column_names(cfg)))
    for theirs, mine in zip((namespace["train"], namespace["valid"]), ours):
        assert theirs.to_list() == mine.to_list()
    assert namespace["null_answers"] is True
