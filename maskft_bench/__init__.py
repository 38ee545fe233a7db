"""maskft-bench: measure how well fine-tuning puts new facts into a language model."""

__version__ = "0.1.0"
