"""Reference trainers: standard, paraphrase, masked fine-tuning and (masked) SFT for math."""
