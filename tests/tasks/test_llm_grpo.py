"""llm-grpo: reward functions (built-in, file, module, a notebook's copy), their checks and dry call, the prompts,
the trainer (reference model, samples for the app), runs from the CLI, and Eject to code proven equivalent."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.tasks.helpers import read_metrics, task_context, train_with_cli

REWARDS = '''
import math


def length_reward(completions, **kwargs):
    return [len(c) / 10 for c in completions]


def broken(completions, **kwargs):
    return [1 / 0 for c in completions]


def too_few(completions, **kwargs):
    return [1.0]


def gives_nan(completions, **kwargs):
    return [math.nan for c in completions]


def no_kwargs(completions):
    return [0.0 for c in completions]


def needs_solution(completions, solution, **kwargs):
    return [float(s in c) for c, s in zip(completions, solution)]


def late_failure(completions, trainer_state, **kwargs):
    if trainer_state.global_step >= 2:
        raise RuntimeError("the grader is down")
    return [0.0 for c in completions]
'''


@pytest.fixture()
def reward_file(tmp_path) -> Path:
    path = tmp_path / "my_rewards.py"
    path.write_text(REWARDS)
    return path


@pytest.fixture()
def grpo_data(tmp_path) -> str:
    from tunewidgets.tiny import make_grpo_demo

    return make_grpo_demo("grpo-colours", tmp_path / "grpo-data", n=40)


def grpo_config(demo: dict, data: str, rewards: list[str], **params) -> dict:
    """A few GRPO steps of 4 completions (2 per prompt), 6 tokens each: seconds on a CPU."""
    return {"task": "llm-grpo", "base_model": demo["model"], "project_name": "run",
            "data": {"path": data, "train_split": "train", "column_mapping": {"prompt_text_column": "prompt"}},
            "params": {"max_steps": 2, "batch_size": 4, "gradient_accumulation": 1, "num_generations": 2,
                       "max_completion_length": 6, "lr": 1e-3, "logging_steps": 1, "save_strategy": "no",
                       "eval_strategy": "no", "reward_functions": rewards, **params}}


# --------------------------------------------------------------------------- the params


def test_reward_entries_are_checked_when_the_config_loads(demo, grpo_data, reward_file):
    from tunewidgets.config import load_config
    from tunewidgets.errors import ConfigError

    ok = load_config(grpo_config(demo, grpo_data, [
        "think_format_reward", "get_soft_overlong_punishment(max_completion_len=8, soft_punish_cache=2)",
        f"{reward_file}:length_reward", "my_package.rewards:fn"]))
    assert len(ok.params.reward_functions) == 4
    cases = {
        "acuracy_reward": "did you mean 'accuracy_reward'",
        "get_repetition_penalty_reward": "write it as a call",
        "rewards.py": "names a file but not its function",
    }
    for entry, fragment in cases.items():
        with pytest.raises(ConfigError, match="params.reward_functions") as info:
            load_config(grpo_config(demo, grpo_data, [entry]))
        assert fragment in str(info.value)
    with pytest.raises(ConfigError, match="at least one reward function"):
        load_config(grpo_config(demo, grpo_data, []))
    with pytest.raises(ConfigError, match="not a multiple of num_generations 3"):
        load_config(grpo_config(demo, grpo_data, ["think_format_reward"], num_generations=3))
    with pytest.raises(ConfigError, match="2 weights for 1 reward functions"):
        load_config(grpo_config(demo, grpo_data, ["think_format_reward"], reward_weights=[1.0, 2.0]))
    with pytest.raises(ConfigError, match="make batch_size a multiple of num_generations"):
        load_config({**grpo_config(demo, grpo_data, ["think_format_reward"], num_generations=4,
                                   gradient_accumulation=2, batch_size=2, eval_strategy="steps", eval_steps=1),
                     "data": {"path": grpo_data, "train_split": "train", "valid_split": "valid"}})


def test_a_comma_separated_list_keeps_a_factorys_arguments_together():
    from tunewidgets.config.params_grpo import GRPOParams

    text = "think_format_reward, get_soft_overlong_punishment(max_completion_len=8, soft_punish_cache=2), a.py:f"
    expected = ["think_format_reward", "get_soft_overlong_punishment(max_completion_len=8, soft_punish_cache=2)",
                "a.py:f"]
    assert GRPOParams(reward_functions=text).reward_functions == expected
    assert GRPOParams(reward_functions=[p.strip() for p in text.split(",")]).reward_functions == expected  # a form


# --------------------------------------------------------------------------- resolving and checking


def test_entries_resolve_to_named_callables(reward_file, tmp_path, monkeypatch):
    from tunewidgets.tasks.llm_grpo.rewards import RewardFunctionError, resolve_all

    package = tmp_path / "pkg_rewards"
    package.mkdir()
    source = "def from_module(completions, **kwargs):\n    return [1.0] * len(completions)\n"
    (package / "__init__.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    functions = resolve_all(["think_format_reward", "get_repetition_penalty_reward(ngram_size=2)",
                             f"{reward_file}:length_reward", "pkg_rewards:from_module"])
    assert [f.__name__ for f in functions] == ["think_format_reward", "repetition_penalty_reward", "length_reward",
                                              "from_module"]
    assert functions[2](completions=["abc", ""]) == [0.3, 0.0]
    with pytest.raises(RewardFunctionError, match="reward file '/no/such/rewards.py' does not exist"):
        resolve_all(["/no/such/rewards.py:f"])
    with pytest.raises(RewardFunctionError, match="no function 'nope' in .*; functions there: .*length_reward"):
        resolve_all([f"{reward_file}:nope"])
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n")
    with pytest.raises(RewardFunctionError, match="bad.py line 1"):
        resolve_all([f"{bad}:f"])
    with pytest.raises(RewardFunctionError, match="two reward functions are named 'length_reward'"):
        resolve_all([f"{reward_file}:length_reward", f"{reward_file}:length_reward"])


@pytest.mark.parametrize("name, fragment", [
    ("broken", "reward function 'broken' failed at step 3: ZeroDivisionError: division by zero (my_rewards.py "
               "line 10)"),
    ("too_few", "reward function 'too_few' returned 1 values for 2 completions at step 3"),
    ("gives_nan", "reward function 'gives_nan' returned nan for completion 1 at step 3"),
    ("no_kwargs", "add **kwargs to its parameters"),
    ("needs_solution", "the data columns passed to it are: answer"),
])
def test_a_bad_reward_function_is_named_with_what_is_wrong(reward_file, name, fragment):
    from transformers import TrainerState

    from tunewidgets.tasks.llm_grpo.rewards import RewardFunctionError, resolve_all

    state = TrainerState()
    state.global_step = 3
    (fn,) = resolve_all([f"{reward_file}:{name}"])
    with pytest.raises(RewardFunctionError) as info:
        fn(prompts=["p", "p"], completions=["a", "b"], completion_ids=[[1], [2]], answer=["x", "x"],
           trainer_state=state, log_extra=None, log_metric=None)
    assert fragment in str(info.value)


def test_the_check_passes_what_trl_can_use_unchanged():
    from tunewidgets.tasks.llm_grpo.rewards import RewardFunctionError, check_values

    values = [1, 0.5, None, True]
    assert check_values("f", values, 4) is values  # None: TRL's "no reward for this completion"
    for bad in ("0.5", {"a": 1}, None, ["x", 1.0], [math.inf, 1.0]):
        with pytest.raises(RewardFunctionError, match="reward function 'f'"):
            check_values("f", bad, 2)


def test_the_dry_call_names_the_failing_function_before_training(demo, reward_file, grpo_data):
    from datasets import load_dataset
    from transformers import AutoTokenizer

    from tunewidgets.tasks.llm_grpo.rewards import RewardFunctionError, dry_call, resolve_all

    data = load_dataset("json", data_files=f"{grpo_data}/train.jsonl", split="train")
    tokenizer = AutoTokenizer.from_pretrained(demo["model"])
    lines = dry_call(resolve_all([f"{grpo_data}/rewards.py:names_a_colour", f"{grpo_data}/rewards.py:right_colour"]),
                     data, tokenizer)
    assert lines == ["names_a_colour: [0, 1, 0, 1]", "right_colour: [0, 1, 0, 1]"]  # "" and the answer column
    with pytest.raises(RewardFunctionError, match="'broken' failed: ZeroDivisionError.*on a dry call before "
                                                  "training: 2 prompt"):
        dry_call(resolve_all([f"{reward_file}:broken"]), data, tokenizer)
    with pytest.raises(RewardFunctionError, match="'think_format_reward' failed: .*read conversational completions"):
        dry_call(resolve_all(["think_format_reward"]), data, tokenizer)  # it needs conversational completions


# --------------------------------------------------------------------------- a notebook's function


NOTEBOOK_CELL = '''
import re as regex
from math import sqrt

BONUS = {"blue": 2.0}


def _score(word):
    return BONUS.get(word, 0.0) + sqrt(4)


def notebook_reward(completions, **kwargs):
    return [sum(_score(w) for w in regex.findall(r"[a-z]+", c)) + len(MODEL_NAME) for c in completions]
'''


def test_a_notebook_function_is_copied_with_what_it_uses(tmp_path):
    from tunewidgets.tasks.llm_grpo.rewards import _LIVE, resolve, snapshot_function

    cell = tmp_path / "cell.py"  # IPython keeps a cell's source where inspect finds it: a file here
    cell.write_text(NOTEBOOK_CELL)
    namespace = {"__name__": "__main__", "MODEL_NAME": object()}
    exec(compile(NOTEBOOK_CELL, str(cell), "exec"), namespace)  # noqa: S102 - the notebook's cell
    fn = namespace["notebook_reward"]
    entry = snapshot_function(fn, tmp_path / "rewards")
    path = tmp_path / "rewards" / "notebook_reward.py"
    assert entry == f"{path.resolve()}:notebook_reward"
    text = path.read_text()
    assert "import re as regex" in text and "from math import sqrt" in text and "BONUS = {'blue': 2.0}" in text
    assert "def _score(word)" in text and "# not copied" in text and "MODEL_NAME" in text
    assert resolve(entry) is fn  # a run in this kernel calls the function itself
    _LIVE.pop(entry)
    copy = resolve(entry)  # another process imports the copy
    assert copy is not fn and copy.__name__ == "notebook_reward"
    with pytest.raises(NameError, match="MODEL_NAME"):
        copy(completions=["blue"])


def test_a_function_from_a_file_is_named_by_its_file(reward_file, tmp_path):
    from tunewidgets.tasks.llm_grpo.rewards import _file_module, snapshot_function

    fn = _file_module(str(reward_file)).length_reward
    entry = snapshot_function(fn, tmp_path / "rewards")
    assert entry.endswith("my_rewards.py:length_reward") and not (tmp_path / "rewards").exists()
    with pytest.raises(Exception, match="defined with def"):
        snapshot_function(lambda completions, **kw: [0.0], tmp_path / "rewards")


# --------------------------------------------------------------------------- data and trainer


def test_prompts_plain_or_conversational_with_system_and_extra_columns():
    from datasets import Dataset

    from tunewidgets.errors import DataError
    from tunewidgets.tasks.llm_grpo.train import prepare_prompts

    chat = Dataset.from_list([{"q": [{"role": "user", "content": "Hi"}], "sys": "Be brief.", "answer": "a"},
                              {"q": [{"role": "user", "content": "Yo"}], "sys": "", "answer": "b"}])
    out = prepare_prompts(chat, "train", {"q": "prompt", "sys": "system"})
    assert out.column_names == ["prompt", "answer"]
    assert out[0]["prompt"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert out[1]["prompt"] == [{"role": "user", "content": "Yo"}]
    as_json = Dataset.from_list([{"prompt": '[{"role": "user", "content": "Hi"}]'}, {"prompt": "Yo"}])
    assert prepare_prompts(as_json, "train", {"prompt": "prompt"})["prompt"] == [
        [{"role": "user", "content": "Hi"}], [{"role": "user", "content": "Yo"}]]  # JSON text, a plain user turn
    plain = prepare_prompts(Dataset.from_list([{"prompt": "2+2=", "system": "Maths."}]), "train",
                            {"prompt": "prompt", "system": "system"})
    assert plain[0]["prompt"] == "Maths.\n\n2+2="
    with pytest.raises(DataError, match="row 2 of the train split: the prompt is empty"):
        prepare_prompts(Dataset.from_list([{"prompt": "a"}, {"prompt": " "}]), "train", {"prompt": "prompt"})
    with pytest.raises(DataError, match="column 'completions' .* name TRL gives a reward function"):
        prepare_prompts(Dataset.from_list([{"prompt": "a", "completions": "x"}]), "train", {"prompt": "prompt"})


def test_the_trainer_gets_the_rewards_and_a_frozen_reference_with_beta(demo, grpo_data, tmp_path):
    import torch

    from tunewidgets.tasks.llm_grpo.train import build

    rewards = [f"{grpo_data}/rewards.py:names_a_colour"]
    job = build(task_context(grpo_config(demo, grpo_data, rewards, beta=0.05, temperature=0.7), tmp_path))
    trainer = job.trainer
    assert trainer.reward_func_names == ["names_a_colour"] and trainer.beta == 0.05
    assert trainer.args.temperature == 0.7 and trainer.args.num_generations == 2
    ref = trainer.ref_model
    assert ref is not None and ref is not job.model and not any(p.requires_grad for p in ref.parameters())
    assert all(torch.equal(a, b) for a, b in zip(ref.state_dict().values(), job.model.state_dict().values()))
    without = build(task_context(grpo_config(demo, grpo_data, rewards), tmp_path))
    assert without.trainer.ref_model is None  # beta 0 (TRL's default): no reference
    with_peft = build(task_context(grpo_config(demo, grpo_data, rewards, beta=0.05, peft=True, lora_r=4), tmp_path))
    assert with_peft.trainer.ref_model is None  # the base without the adapter


def test_use_vllm_is_refused_on_a_cpu(demo, grpo_data, tmp_path):
    from tunewidgets.errors import ConfigError
    from tunewidgets.tasks.llm_grpo.train import build

    config = grpo_config(demo, grpo_data, [f"{grpo_data}/rewards.py:names_a_colour"], use_vllm=True)
    with pytest.raises(ConfigError, match="params.use_vllm: vLLM generates on a CUDA GPU"):
        build(task_context(config, tmp_path))


def test_samples_are_picked_without_touching_the_random_state():
    import random

    from tunewidgets.tasks.llm_grpo.train import pick_samples

    logs = {"prompt": ["p1", "p1", "p2", "p2"], "completion": ["a", "b", [{"role": "assistant", "content": "c"}], "d"],
            "rewards": {"f": [1.0, math.nan, 0.0, 2.0], "g": [0.5, 0.5, 0.5, 0.5]}, "advantages": [1, -1, 0, 0]}
    state = random.getstate()
    samples = pick_samples(logs, [1.0, 2.0], step=7, count=3)
    assert random.getstate() == state and len(samples) == 3
    assert samples == pick_samples(logs, [1.0, 2.0], step=7, count=3)
    by_completion = {s["completion"]: s for s in pick_samples(logs, [1.0, 2.0], step=1, count=4)}
    assert by_completion["b"]["rewards"] == {"f": None, "g": 0.5} and by_completion["b"]["reward"] == 1.0
    assert by_completion["assistant: c"]["reward"] == 1.0


# --------------------------------------------------------------------------- runs


def test_grpo_trains_from_yaml_and_logs_rewards_and_completions(demo, grpo_data, tmp_path):
    from transformers import AutoModelForCausalLM

    from tunewidgets.tasks.shared.samples import read_samples

    config = grpo_config(demo, grpo_data, [f"{grpo_data}/rewards.py:names_a_colour",
                                           f"{grpo_data}/rewards.py:right_colour"],
                         reward_weights=[1.0, 0.5], eval_strategy="steps", eval_steps=2)
    config["data"]["valid_split"] = "valid"
    run_dir = train_with_cli(config, tmp_path)
    records = read_metrics(run_dir)
    assert [r["step"] for r in records if "eval_reward" in r] == [2]  # evaluation samples completions too
    assert [r["step"] for r in records if "reward" in r] == [1, 2]
    for key in ("reward", "rewards/names_a_colour/mean", "rewards/right_colour/mean", "completions/mean_length"):
        assert all(math.isfinite(r[key]) for r in records if "reward" in r), key
    samples, _ = read_samples(run_dir)
    assert [s["step"] for s in samples] == [1, 2] and len(samples[-1]["samples"]) == 4
    first = samples[-1]["samples"][0]
    assert first["prompt"].startswith("### Question:") and set(first["rewards"]) == {"names_a_colour",
                                                                                      "right_colour"}
    AutoModelForCausalLM.from_pretrained(run_dir)


def test_a_reward_that_fails_during_training_fails_the_run_naming_it(demo, grpo_data, reward_file, tmp_path,
                                                                     capsys):
    import yaml

    from tunewidgets.cli import main

    config = grpo_config(demo, grpo_data, [f"{reward_file}:late_failure"], max_steps=4, save_strategy="steps",
                         save_steps=1)
    path = tmp_path / "run.yml"
    path.write_text(yaml.safe_dump(config))
    code = main(["train", str(path), "--workdir", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "reward function 'late_failure' failed at step 2: RuntimeError: the grader is down (my_rewards.py line" \
        in err
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["state"] == "failed" and "late_failure" in status["error"]
    assert (tmp_path / "run" / "checkpoint-2").is_dir()  # nothing lost: the last checkpoint stays


# --------------------------------------------------------------------------- eject


def test_the_ejected_script_imports_each_kind_of_reward(demo, grpo_data, reward_file):
    from tunewidgets.config import load_config
    from tunewidgets.tasks.shared.eject_script import python_script

    config = load_config(grpo_config(demo, grpo_data, [
        "think_format_reward", "get_soft_overlong_punishment(max_completion_len=8, soft_punish_cache=2)",
        f"{reward_file}:length_reward", "json:dumps"], peft=True, lora_r=4))
    text = python_script(config)
    compile(text, "ejected.py", "exec")
    assert not re.search(r"^\s*(from|import) tunewidgets", text, re.M)
    assert "from trl.rewards import think_format_reward, get_soft_overlong_punishment" in text
    assert "from json import dumps" in text
    assert f"from_file({str(reward_file.resolve())!r}, 'length_reward')" in text
    assert "get_soft_overlong_punishment(max_completion_len=8, soft_punish_cache=2)," in text
    assert "GRPOTrainer(" in text and "peft_config=peft_config" in text and "num_generations=2" in text


_RUNNER = ("import runpy, sys; sys.modules['tunewidgets'] = None; "
           "runpy.run_path(sys.argv[1], run_name='__main__')")


@pytest.mark.slow
@pytest.mark.parametrize("chat", [False, True], ids=["plain", "conversational"])
def test_the_ejected_script_trains_like_the_run(demo, tmp_path, chat):
    """The same completions, rewards and losses, step by step, from the run and from its plain-TRL script."""
    from transformers import set_seed

    from tunewidgets.config import load_config
    from tunewidgets.run.engine import Run
    from tunewidgets.tasks.shared.eject_script import python_script
    from tunewidgets.tiny import make_grpo_demo

    data = make_grpo_demo("grpo-colours-chat" if chat else "grpo-colours", tmp_path / "data", n=40)
    raw = grpo_config(demo, data, [f"{data}/rewards.py:names_a_colour", f"{data}/rewards.py:right_colour"],
                      max_steps=3, beta=0.04, reward_weights=[1.0, 2.0], lr=1e-2)
    raw["data"]["chat_template"] = "tokenizer" if chat else None
    config = load_config(raw)
    set_seed(config.params.seed)
    run = Run(config, workdir=tmp_path / "ours", mode="foreground").run()
    assert run.state == "finished", run.error
    script = tmp_path / "ejected.py"
    script.write_text(python_script(config, workdir=tmp_path / "theirs"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(tmp_path / "datasets-cache"), "TOKENIZERS_PARALLELISM": "false"}
    result = subprocess.run([sys.executable, "-c", _RUNNER, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    history = json.loads((tmp_path / "theirs" / "run" / "trainer_state.json").read_text())["log_history"]
    ours = [r for r in read_metrics(run.run_dir) if "reward" in r]
    theirs = [h for h in history if "reward" in h]
    assert len(ours) == len(theirs) == 3
    for key in ("reward", "rewards/names_a_colour/mean", "rewards/right_colour/mean", "completions/mean_length",
                "kl"):
        assert [h[key] for h in theirs] == pytest.approx([r[key] for r in ours], rel=1e-3, abs=1e-6), key
    assert [h["loss"] for h in theirs] == pytest.approx([r["loss"] for r in ours], rel=1e-3, abs=1e-6)


def test_ejected_dry_text_is_valid_python_for_the_demo(tmp_path):
    from tunewidgets.config import load_config
    from tunewidgets.config.tasks import TASKS
    from tunewidgets.tasks.shared.demo import demo_config
    from tunewidgets.tasks.shared.eject_script import python_script

    config = load_config(demo_config(TASKS["llm-grpo"], tmp_path / "demo"))
    assert config.params.reward_functions[0].endswith("grpo-colours/rewards.py:names_a_colour")
    compile(python_script(config), "ejected.py", "exec")
    assert textwrap.dedent(python_script(config)).count("from_file(") == 3  # the helper and two rewards


# --------------------------------------------------------------------------- checks, memory, serving, vLLM


def test_the_checks_show_the_prompt_and_dry_call_the_rewards(demo, grpo_data, reward_file):
    from tunewidgets.config import load_config
    from tunewidgets.tasks.llm_grpo.checks import check

    rows = [json.loads(line) for line in Path(grpo_data, "train.jsonl").read_text().splitlines()[:10]]
    config = load_config(grpo_config(demo, grpo_data, [f"{grpo_data}/rewards.py:names_a_colour"]))
    report = check(config, rows, total=36)
    assert "### Question:" in "".join(report.view.texts) and not any(report.view.loss)
    assert report.lengths == [n for n in report.lengths if n > 6] and len(report.lengths) == 10  # prompt + 6
    texts = [text for _, text in report.warnings]
    assert any("reward function names_a_colour on sample completions: [0, 1, 0, 1]" in t for t in texts), texts
    assert any("columns passed to the reward functions besides prompts and completions: answer" in t for t in texts)
    assert any("about 2 optimizer steps: 36 prompts x 2 completions, 4 completions per step" in t for t in texts)
    broken = check(load_config(grpo_config(demo, grpo_data, [f"{reward_file}:broken"])), rows, total=36)
    assert ("error", ) == tuple(level for level, text in broken.warnings if "'broken' failed" in text)


def test_the_memory_estimate_counts_a_reference_only_with_beta(demo, grpo_data):
    from tunewidgets.config import load_config
    from tunewidgets.memory.estimate import estimate

    rewards = [f"{grpo_data}/rewards.py:names_a_colour"]
    plain = estimate(load_config(grpo_config(demo, grpo_data, rewards)))
    with_beta = estimate(load_config(grpo_config(demo, grpo_data, rewards, beta=0.04)))
    assert with_beta.weights == 2 * plain.weights  # fp32 on the CPU, the copy as large as the model
    assert any("GRPO with beta > 0" in note for note in with_beta.notes)


def test_a_served_dashboard_runs_only_trls_rewards_and_the_workspaces_files(tmp_path, monkeypatch):
    from tunewidgets.tasks.llm_grpo.rewards import RewardFunctionError, resolve

    (tmp_path / "uploads").mkdir()
    for folder in (tmp_path, tmp_path / "uploads"):
        (folder / "r.py").write_text("def f(completions, **kwargs):\n    return [0.0] * len(completions)\n")
    monkeypatch.setenv("TUNEWIDGETS_SERVED", "1")
    monkeypatch.setenv("TUNEWIDGETS_WORKSPACE", str(tmp_path))
    assert resolve(f"{tmp_path}/r.py:f").__name__ == "f"
    assert resolve("think_format_reward").__name__ == "think_format_reward"
    with pytest.raises(RewardFunctionError, match="runs no uploaded code"):
        resolve(f"{tmp_path}/uploads/r.py:f")
    with pytest.raises(RewardFunctionError, match="imports no module a page names"):
        resolve("json:dumps")
    with pytest.raises(RewardFunctionError, match="outside"):
        resolve("/etc/r.py:f")


def test_vllm_settings_pass_through_to_grpo_config(demo, grpo_data):
    from tunewidgets.config import load_config
    from tunewidgets.tasks.llm_grpo.train import grpo_arguments

    config = load_config(grpo_config(demo, grpo_data, ["think_format_reward"], use_vllm=True, vllm_mode="server",
                                     vllm_server_base_url="http://gpu:8000", loss_type="dr_grpo",
                                     scale_rewards="batch", epsilon_high=0.28))
    args = grpo_arguments(config.params)
    assert args["use_vllm"] is True and args["vllm_mode"] == "server"
    assert args["vllm_server_base_url"] == "http://gpu:8000" and args["loss_type"] == "dr_grpo"
    assert args["scale_rewards"] == "batch" and args["epsilon_high"] == 0.28 and args["log_completions"] is False
    assert "vllm_mode" not in grpo_arguments(load_config(grpo_config(demo, grpo_data, ["think_format_reward"])).params)
