"""llm-grpo in the app: picking reward functions (TRL's, the notebook's, a file's), the live rewards (plot and
recent completions), and runs in the kernel (the notebook's function itself), in a subprocess (its copy), from
the offline demo and from the exported YAML."""

from __future__ import annotations

import json
import math

import pytest
import yaml
from ui_helpers import set_params, text_of, wait_until

GRPO_FAST = {"max_steps": 3, "batch_size": 4, "gradient_accumulation": 1, "num_generations": 2,
             "max_completion_length": 6, "lr": 1e-3, "logging_steps": 1, "save_strategy": "no",
             "eval_strategy": "no"}

CELL = '''
import re

CALLS = []
WORD = "blue"


def mentions_word(completions, **kwargs):
    CALLS.append(len(completions))
    return [float(WORD in re.findall(r"[a-z]+", c.lower())) for c in completions]


def not_a_reward(x):
    return x
'''


@pytest.fixture()
def notebook(tmp_path):
    """A notebook's namespace with a reward function defined in a cell (its source where inspect finds it)."""
    cell = tmp_path / "cell.py"
    cell.write_text(CELL)
    namespace = {"__name__": "__main__"}
    exec(compile(CELL, str(cell), "exec"), namespace)  # noqa: S102 - the notebook's cell
    return namespace


@pytest.fixture()
def grpo_data(tmp_path):
    from tunewidgets.tiny import make_grpo_demo

    return make_grpo_demo("grpo-colours", tmp_path / "grpo-data", n=40)


def _grpo_app(app_factory, demo, data, notebook=None, **params):
    """The app as a user fills it: the task, the model, the data (its mapping guessed), the params."""
    app = app_factory(namespace=notebook if notebook is not None else {})
    app.task_panel.dropdown.value = "llm-grpo"
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = data
    assert app.data_panel.mapping() == {"prompt_text_column": "prompt"}
    set_params(app, **{**GRPO_FAST, **params})
    assert any("at least one reward function" in p for p in app.problems), app.problems
    return app


def test_the_picker_shows_for_grpo_and_adds_trls_the_notebooks_and_a_files(app_factory, demo, grpo_data, notebook):
    app = app_factory(namespace=notebook)
    picker = app.reward_picker
    assert picker.widget.layout.display == "none"  # llm-sft has no reward functions
    app.task_panel.dropdown.value = "llm-grpo"
    assert picker.widget.layout.display is None
    labels = [value for _, value in picker.choice.options]
    assert "notebook:mentions_word" in labels and "notebook:not_a_reward" not in labels
    assert "trl:think_format_reward" in labels and "trl:get_soft_overlong_punishment" in labels

    picker.choice.value = "notebook:mentions_word"
    picker.add_button.click()
    entry = picker.entries[0]
    copy = app.workdir / "rewards" / "mentions_word.py"
    assert entry == f"{copy.resolve()}:mentions_word" and copy.is_file()
    assert "WORD = 'blue'" in copy.read_text() and "import re" in copy.read_text()
    picker.choice.value = "trl:get_soft_overlong_punishment"
    picker.add_button.click()
    picker.file.value = f"{grpo_data}/rewards.py:names_a_colour"
    picker.add_file_button.click()
    assert picker.entries == [entry, "get_soft_overlong_punishment(max_completion_len=256, soft_punish_cache=32)",
                              f"{grpo_data}/rewards.py:names_a_colour"]
    assert "mentions_word" in app.params_panel.params_form.widgets["reward_functions"].value
    picker.file.value = "nope.py:f"
    picker.add_file_button.click()
    assert "does not exist" in text_of(picker.message) or "nope.py" in app.problems[-1]


def test_the_rewards_view_draws_rewards_lengths_and_recent_completions(tmp_path):
    from tunewidgets.tasks.shared.samples import append_samples
    from tunewidgets.ui.reward_view import RewardView

    view = RewardView(min_interval=10.0)
    view.show(tmp_path)
    view.add({"step": 1, "loss": 0.0})  # no rewards: stays hidden
    view.draw()
    assert view.widget.layout.display == "none"
    for step in (1, 2, 3):
        view.add({"step": step, "reward": 0.1 * step, "rewards/names_a_colour/mean": 0.1 * step,
                  "rewards/right_colour/mean": 0.0, "completions/mean_length": 10.0 - step,
                  "completions/min_length": 2.0, "completions/max_length": 12.0})
    append_samples(tmp_path, 3, [{"prompt": "What colour is <b>snow</b>?", "completion": " white snow",
                                  "reward": 1.0, "rewards": {"names_a_colour": 1.0, "right_colour": None},
                                  "advantage": 0.5}])
    assert view.maybe_draw()
    assert view.widget.layout.display is None and bytes(view.image.value).startswith(b"\x89PNG")
    caption = text_of(view.caption)
    assert "total reward (from 0.1) 0.3" in caption and "names_a_colour 0.3" in caption and "right_colour" in caption
    table = view.table.value
    assert "Recent completions (step 3" in table and " white snow" in table and "&lt;b&gt;snow" in table
    view.add({"step": 4, "reward": 0.5})
    assert not view.maybe_draw()  # at most one redraw per interval
    view.draw()
    assert view.draws == 2


def test_a_notebook_reward_trains_in_the_kernel_and_the_yaml_reruns_with_its_copy(app_factory, demo, grpo_data,
                                                                                  notebook, tmp_path):
    from tunewidgets.cli import main

    app = _grpo_app(app_factory, demo, grpo_data, notebook, max_steps=2)
    app.reward_picker.choice.value = "notebook:mentions_word"
    app.reward_picker.add_button.click()
    app.train_panel.rewards.min_interval = 0.0
    assert app.can_train, app.problems
    app.train_panel.train_button.click()
    assert app.wait(300) == "finished", app.run.error
    assert notebook["CALLS"] and notebook["CALLS"][-1] == 4  # the notebook's function itself was called
    assert app.train_panel.event_errors == []
    rewards = [r["rewards/mentions_word/mean"] for r in app.run.metrics if "reward" in r]
    assert len(rewards) == 2 and all(math.isfinite(r) for r in rewards)
    view = app.train_panel.rewards
    assert view.widget.layout.display is None and view.samples and "Recent completions" in view.table.value
    assert "mentions_word" in text_of(view.caption)

    exported = tmp_path / "exported.yml"
    app.export_yaml(exported)
    config = yaml.safe_load(exported.read_text())
    assert config["params"]["reward_functions"] == app.reward_picker.entries
    config["project_name"] = "rerun"
    exported.write_text(yaml.safe_dump(config))
    calls = len(notebook["CALLS"])
    from tunewidgets.tasks.llm_grpo import rewards as rewards_module

    rewards_module._LIVE.clear()  # a fresh process: it imports the copy
    assert main(["train", str(exported), "--workdir", str(tmp_path / "cli"), "--quiet"]) == 0
    assert len(notebook["CALLS"]) == calls
    records = [json.loads(line) for line in (tmp_path / "cli" / "rerun" / "metrics.jsonl").read_text().splitlines()]
    assert [r["rewards/mentions_word/mean"] for r in records if "reward" in r] == pytest.approx(rewards)


@pytest.mark.slow
def test_grpo_in_a_subprocess_shows_the_same_rewards_and_completions(app_factory, demo, grpo_data, notebook):
    app = _grpo_app(app_factory, demo, grpo_data, notebook, max_steps=4)
    app.reward_picker.choice.value = "notebook:mentions_word"
    app.reward_picker.add_button.click()
    app.train_panel.mode.value = "subprocess"
    app.train_panel.rewards.min_interval = 0.0
    assert app.can_train, app.problems
    app.train_panel.train_button.click()
    assert app.run.mode == "subprocess"
    assert app.wait(300) == "finished", app.run.error
    assert not notebook["CALLS"]  # the child imported the copy in rewards/
    view = app.train_panel.rewards
    assert [int(x) for x in view.total.x] == [1, 2, 3, 4]
    assert view.samples_step == 4 and len(view.samples) == 4 and "Recent completions (step 4" in view.table.value


@pytest.mark.slow
def test_the_grpo_demo_raises_the_mean_reward_in_the_app(app_factory):
    app = app_factory()
    app.task_panel.dropdown.value = "llm-grpo"
    app.model_panel.demo_button.click()
    assert wait_until(lambda: app.data_panel.has_data and app.model_panel.name
                      and not app.background.busy("demo"), timeout=180), app.model_panel.message.value
    values = app.params_panel.params_form.values()
    assert values["reward_functions"][0].endswith("rewards.py:names_a_colour") and values["max_steps"] == 40
    assert app.can_train, app.problems
    app.train_panel.train_button.click()
    assert app.wait(600) == "finished", app.run.error
    rewards = [r["reward"] for r in app.run.metrics if "reward" in r]
    start, end = sum(rewards[:3]) / 3, sum(rewards[-3:]) / 3
    assert end > start + 0.5, rewards  # visibly rises (about 0.03 to over 1 here)
    assert app.train_panel.rewards.samples
