"""Column roles several tasks read, with the hints the mapping guess uses (kinds of values, usual names).

A task takes these as they are or refines them with ``dataclasses.replace`` (its own help text or
names); the guess in ``data/columns.py`` reads only what the roles say.
"""

from __future__ import annotations

from dataclasses import replace

from ...config.task_spec import Role

_TEXT_NAMES = ("text", "sentence", "content", "review", "document", "tweet", "comment", "body", "input", "message",
               "question", "query", "prompt")
_LABEL_NAMES = ("target", "label", "labels", "class", "category", "score", "rating", "sentiment", "y", "value",
                "output")

TEXT = Role("text_column", "the text to train on", kind="text", names=_TEXT_NAMES)
ANSWER_NAMES = ("output", "response", "completion", "answer", "assistant", "reply", "target", "chosen")
CONVERSATION = Role("text_column",
                    "the text or the conversation (a list of {role, content}) to train on; with a prompt "
                    "column, the answer (completion)",
                    kind="chat_or_text",
                    names=("messages", "conversations", "conversation", "chat", "dialog", "text", "content",
                           *ANSWER_NAMES))
_BESIDE_AN_ANSWER = {"text_column": ANSWER_NAMES}  # a prompt beside a whole text would be a wrong guess
INSTRUCTION = Role("prompt_text_column",
                   "the prompt or instruction (TRL's prompt/completion and Alpaca rows); the loss falls on the "
                   "answer only", required=False, kind="chat_or_text",
                   names=("prompt", "instruction", "question", "query", "input_text"), column="prompt",
                   only_with=_BESIDE_AN_ANSWER)
CONTEXT = Role("context_column", "Alpaca's input: context joined to the instruction when not empty",
               required=False, kind="text", names=("input", "context"), only_with=_BESIDE_AN_ANSWER)
SYSTEM = Role("system_column", "a system prompt for the row", required=False, kind="text",
              names=("system", "system_prompt", "system_message"))
SFT_SYSTEM = replace(SYSTEM, only_with=_BESIDE_AN_ANSWER)
CHOSEN = Role("text_column", "the chosen (preferred) answer, or the whole chosen conversation", kind="chat_or_text",
              names=("chosen", "preferred", "accepted", "chosen_text", "chosen_response", "good", "better",
                     "positive", "winner", "win"),
              by_values=False)
REJECTED = Role("rejected_text_column", "the rejected answer, or the whole rejected conversation",
                kind="chat_or_text",
                names=("rejected", "dispreferred", "rejected_text", "rejected_response", "bad", "worse",
                       "negative", "loser", "lose"),
                column="rejected", by_values=False)
PROMPT = Role("prompt_text_column",
              "the prompt; optional for conversational data, where every turn but the last is the prompt, and for "
              "plain pairs that both start with it",
              required=False, kind="chat_or_text", names=("prompt", "question", "instruction", "query", "input"),
              column="prompt", prefix_of=("text_column", "rejected_text_column"))
LABEL = Role("target_column", "the label (strings or integers)", kind="label", names=_LABEL_NAMES)
VALUE = Role("target_column", "the number to predict", kind="number", names=_LABEL_NAMES)
TOKENS = Role("tokens_column", "a list of tokens", kind="list", names=("tokens", "words", "token", "word"))
TAGS = Role("tags_column", "a list of tags, one per token", kind="list",
            names=("ner_tags", "tags", "labels", "pos_tags", "chunk_tags", "label", "ner"))
SENTENCE1 = Role("sentence1_column", "the first sentence (anchor)", kind="text",
                 names=("anchor", "sentence1", "premise", "query", "question", "text1", "sentence_a", "s1",
                        "sentence"))
SENTENCE2 = Role("sentence2_column", "the second sentence (positive)", kind="text",
                 names=("positive", "sentence2", "hypothesis", "answer", "passage", "text2", "sentence_b", "s2",
                        "document", "response"))
SENTENCE3 = Role("sentence3_column", "the third sentence (negative)", kind="text",
                 names=("negative", "sentence3", "hard_negative", "text3", "sentence_c", "s3"))
SENTENCE_LABEL = replace(LABEL, names=("label", "labels", "score", "similarity", "target", "scores"))
IMAGE = Role("image_column", "the image, or a path to it", kind="image",
             names=("image", "img", "image_path", "image_file", "file_name", "filename", "path", "file", "picture",
                    "photo"))
OBJECTS = Role("objects_column", "the objects: {bbox: [[x, y, w, h], ...], category: [...]}", kind="dict",
               names=("objects", "annotations", "annotation", "bboxes", "boxes", "labels"))
ROW_ID = Role("id_column", "a row id, not used as a feature", required=False,
              names=("id", "row_id", "index", "uid", "idx", "key"), suffixes=("id",))
TARGETS = Role("target_columns", "the column(s) to predict", many=True, kind="label",
               names=("target", "label", "labels", "class", "y", "outcome", "diagnosis", "survived", "churn",
                      "species", "price", "quality", "result", "value"))
