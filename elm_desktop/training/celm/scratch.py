"""A small decoder trained from scratch on the corpus's reports, and its tokenizer.

The tokenizer is a byte-level BPE fitted on the training text (prompts and target JSON): its
initial alphabet is the 256 bytes, so a word never seen in training still encodes (as bytes),
and a small vocabulary keeps the output layer, and so decoding, cheap on a CPU. The decoder is
a Llama-style causal transformer (RoPE, RMSNorm, SwiGLU, tied input and output embeddings) of
``scratch_layers`` x ``scratch_width``, built with ``transformers`` so that the generator treats
it like any other causal language model.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.config import CelmModelConfig

END_OF_TEXT = "<|endoftext|>"
PAD = "<|pad|>"
#: Sub-folder of a generator checkpoint that holds a fitted tokenizer.
TOKENIZER_DIR = "tokenizer"
#: Longest sequence (prefix, prompt and response tokens) the decoder is built for.
MAX_POSITIONS = 2048


def fit_tokenizer(texts: Iterable[str], vocab_size: int):
    """Fit a byte-level BPE tokenizer of at most ``vocab_size`` tokens on ``texts``.

    Returns
    -------
    transformers.PreTrainedTokenizerFast
        With ``<|endoftext|>`` as end-of-sequence and ``<|pad|>`` as padding token.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[END_OF_TEXT, PAD],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token=END_OF_TEXT, pad_token=PAD)


def load_tokenizer(checkpoint: str | Path):
    """Load the tokenizer a scratch generator's checkpoint folder holds.

    Raises
    ------
    ConfigError
        If the folder holds no fitted tokenizer.
    """
    from transformers import PreTrainedTokenizerFast

    path = Path(checkpoint) / TOKENIZER_DIR
    if not (path / "tokenizer.json").is_file():
        raise ConfigError(f"{path} holds no tokenizer.json: not a scratch generator checkpoint")
    return PreTrainedTokenizerFast.from_pretrained(path, local_files_only=True)


def scratch_language_model(config: CelmModelConfig, tokenizer):
    """Build a randomly initialised Llama-style decoder of the configured size (eval mode).

    Parameters
    ----------
    config : CelmModelConfig
        Its ``scratch_layers``, ``scratch_width`` and ``scratch_heads``.
    tokenizer : transformers.PreTrainedTokenizerFast
        The fitted tokenizer (:func:`fit_tokenizer`): its size and special tokens.
    """
    from transformers import LlamaConfig, LlamaForCausalLM

    width = config.scratch_width
    lm_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=width,
        # SwiGLU's usual 8/3 of the width, rounded to a multiple of 32.
        intermediate_size=32 * round(8 * width / 3 / 32),
        num_hidden_layers=config.scratch_layers,
        num_attention_heads=config.scratch_heads,
        num_key_value_heads=config.scratch_heads,
        max_position_embeddings=MAX_POSITIONS,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(lm_config).eval()
