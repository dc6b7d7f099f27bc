"""The chat prompt of the report generator (CELM's, shortened for a small model).

The recording's prefix tokens come before the chat text; the prompt says that they are the
recording, lists the sections to write with one line each, and gives the patient history when
it is known.
"""

from __future__ import annotations

from elm_desktop.training.celm.sections import SECTION_DESCRIPTIONS

SYSTEM = (
    "You are a clinical neurophysiologist. You write EEG reports from the EEG recording "
    "given before this conversation."
)


def user_prompt(sections: list[str] | tuple[str, ...], history: str = "") -> str:
    """Return the user turn: the sections to write, the history, and the output format."""
    listed = "\n".join(
        f"- {name}: {SECTION_DESCRIPTIONS.get(name, 'as in a clinical EEG report')}"
        for name in sections
    )
    return (
        "Write these sections of the EEG report of the recording:\n"
        f"{listed}\n"
        f"Patient history: {history or 'not given'}\n"
        'Answer only with JSON: {"report_sections": [{"section_name": ..., '
        '"section_text": ...}]}'
    )


def chat_text(tokenizer, sections: list[str] | tuple[str, ...], history: str = "") -> str:
    """Return the chat-templated prompt, ending where the assistant's answer starts.

    A tokenizer without a chat template gets the system and user text as plain lines.
    """
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": user_prompt(sections, history)},
    ]
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return f"{SYSTEM}\n{messages[1]['content']}\nAnswer:\n"
