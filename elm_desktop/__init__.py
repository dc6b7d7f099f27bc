"""ELM Desktop: review clinical EEG with an EEG-language model beside the traces."""

__version__ = "0.1.0"
