"""Every LLM task's own offline demo in the app: its data and mapping, a run that learns, and Try the model.

SFT trains on chat data, the plain causal LM on text, reward/DPO/ORPO on prompt/chosen/rejected pairs; the
same tiny Llama serves them all.
"""

from __future__ import annotations

import pytest
from ui_helpers import text_of, wait_until

from tunewidgets.config.tasks import TASKS

# Tasks that learn from a loss on the data; llm-grpo learns from rewards (its demo: tests/ui/test_app_grpo.py).
LLM_TASKS = [name for name, spec in TASKS.items() if spec.chat_template
             and "reward_functions" not in spec.params.model_fields]


@pytest.mark.slow
@pytest.mark.parametrize("task", LLM_TASKS)
def test_each_llm_task_trains_its_own_demo_and_answers(app_factory, task):
    spec = TASKS[task]
    app = app_factory()
    app.task_panel.dropdown.value = task
    app.model_panel.demo_button.click()
    assert wait_until(lambda: app.data_panel.has_data and app.model_panel.name
                      and not app.background.busy("demo"), timeout=180), app.model_panel.message.value
    assert app.task_panel.task == task and app.data_panel.mapping() == dict(spec.demo.mapping)
    assert app.can_train, app.problems
    app.set_param("max_steps", 24)
    app.train_panel.train_button.click()
    assert app.wait(600) == "finished", (app.run.error, app.train_panel.log.outputs[-3:])
    assert app.train_panel.event_errors == []
    losses = [r["loss"] for r in app.run.metrics if "loss" in r]
    assert len(losses) >= 4 and sum(losses[-3:]) / 3 < sum(losses[:3]) / 3, losses  # it learns visibly
    assert app.train_panel.plot.series["eval_loss"].y

    results = app.results_panel
    assert not results.generate_button.disabled
    assert results.generate_button.description == spec.predict.button
    results.prompt.value = ("What is 2 plus 3?\nFive.\n\nWhat is 2 plus 3?\nBlue." if spec.predict.button == "Score"
                            else "What is 2 plus 3?")
    results.generate_button.click()
    assert wait_until(lambda: "tw-generated" in results.output.value or results.message.value, timeout=120)
    assert results.message.value == "", results.message.value
    answer = text_of(results.output)
    if spec.predict.button == "Score":
        lines = answer.strip().splitlines()
        assert len(lines) == 2 and all(line.lstrip()[0] in "+-" for line in lines)
