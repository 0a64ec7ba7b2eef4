"""The Data panel's guess, as a user sees it: each role's column and how sure the guess is."""

from __future__ import annotations

import json

from ui_helpers import FAST_PARAMS, set_params, text_of


def _notes(app) -> str:
    """What the mapping shows beside each role's dropdown."""
    return " ".join(text_of(row.children[1]) for row in app.data_panel.mapping_editor.box.children)


def _rows_file(tmp_path, rows, name="data.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_alpaca_rows_are_recognised_and_the_checks_shade_the_answer(app_factory, demo, tmp_path):
    rows = [{"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"}] * 6
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(_rows_file(tmp_path, rows))
    app.data_panel.chat_template.value = "tokenizer"
    assert app.data_panel.mapping() == {"text_column": "output", "prompt_text_column": "instruction",
                                        "context_column": "input"}
    notes = _notes(app)
    assert "from its name 'output'" in notes and "from its name 'instruction'" in notes
    app.checks_panel.run_button.click()
    assert app.join_background(120)
    assert app.checks_panel.message.value == "", app.checks_panel.message.value
    assert "only the completion counts" in text_of(app.checks_panel.mask)
    shaded = "".join(part.split(">")[-1] for part in app.checks_panel.mask.value.split("</span>")
                     if 'class="tw-tok tw-tok-loss"' in part)
    assert shaded.startswith("5") and "Add" not in shaded
    set_params(app, **FAST_PARAMS, max_steps=2, save_strategy="no")
    app.data_panel.valid_split.value = ""
    app.train()
    assert app.wait(300) == "finished", app.run.error  # the app trains Alpaca rows too


def test_an_undecidable_pair_is_left_empty_with_a_hint(app_factory, tmp_path):
    rows = [{"q": "What is 2 plus 3?", "a1": "Five, surely.", "a2": "Seven, surely."}] * 4
    app = app_factory(task="llm-dpo")
    app.data_panel.path.value = str(_rows_file(tmp_path, rows))
    assert app.data_panel.mapping() == {}
    notes = _notes(app)
    assert "not guessed: choose the column that holds the chosen" in notes
    app.data_panel.mapping_widgets["text_column"].value = "a1"  # the user decides: the hint gives way
    assert "not guessed: choose the column that holds the chosen" not in _notes(app)
