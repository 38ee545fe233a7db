"""Scoring any checkpoint on the suite with lm-eval (vLLM on GPUs, HF transformers otherwise).

Scoring never imports the trainers: third-party checkpoints must score without them.
"""
