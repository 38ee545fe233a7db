"""Independent, named random streams so that changing one dataset never reshuffles another."""

import random


def stream(seed: int, name: str) -> random.Random:
    # Seeding Random with a str hashes it with SHA-512: stable across platforms and runs,
    # unlike hash(), and independent of the order in which streams are created.
    return random.Random(f"maskft-bench:{seed}:{name}")
