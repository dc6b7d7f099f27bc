"""Training side of ELM Desktop: torch modules, data, losses, trainer, evaluation.

torch and transformers are imported only inside this package (and only by the commands that
train or evaluate), so opening a recording never needs them.
"""
