"""ELM Desktop: review clinical EEG with an EEG-language model beside the traces."""

from elm_desktop.version import VERSION as __version__

__all__ = ["__version__"]
