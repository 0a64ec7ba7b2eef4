"""The field metadata a form is generated from."""

from tunewidgets.config import TASKS, field_specs
from tunewidgets.config.params_llm import LLMParams


def test_llm_specs_carry_group_help_bounds_and_choices():
    specs = {s.name: s for s in field_specs(LLMParams)}
    assert specs["lr"].group == "basic" and specs["lr"].kind == "float" and specs["lr"].gt == 0
    assert specs["optimizer"].kind == "choice" and "adamw_torch" in specs["optimizer"].choices
    assert specs["quantization"].optional and specs["quantization"].choices == ("int4", "int8")
    assert specs["peft"].kind == "bool"
    assert specs["trainer"].group == "hidden"
    assert all(s.help for s in specs.values())


def test_every_task_has_a_params_model_with_help_everywhere():
    for task, model in ((name, spec.params) for name, spec in TASKS.items()):
        specs = field_specs(model)
        assert specs, task
        assert all(s.group in ("basic", "advanced", "hidden") for s in specs)
        assert all(s.help for s in specs), task
