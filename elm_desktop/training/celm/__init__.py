"""The report generator (CELM style): a causal language model reads the recording.

The frozen ELM encoder's crop embeddings pass through a trained projector into the language
model's embedding space and enter as prefix tokens between learned start / end / separator
embeddings, before a chat prompt that lists the report sections (and the patient history when
known); the target is the report's sections as JSON and only the response is scored
(Pradeepkumar et al. 2026, code Jathurshan0330/CELM, read, not copied).

Modules: :mod:`.gguf_import` (a GGUF file -> a local Hugging Face folder), :mod:`.language_model`
(finding and loading that folder), :mod:`.config` (the ``configs/celm-*.toml`` data files),
:mod:`.sections` (report -> section JSON), :mod:`.prompt` (the chat prompt),
:mod:`.examples` (corpus -> crop embeddings + prompt + target), :mod:`.model` (projector, special
embeddings, loss, greedy decoding), :mod:`.lora` (low-rank adapters), :mod:`.scratch` (a small
decoder and tokenizer trained from scratch on the corpus's reports), :mod:`.trainer`,
:mod:`.evaluate`, :mod:`.onnx_export` (the scratch decoder as an ONNX step with a key/value
cache) and :mod:`.onnx_greedy` (greedy drafts with numpy and ONNX Runtime, without torch).
"""
