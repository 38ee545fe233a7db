"""Masked diffusion LMs (LLaDA, Dream): the sampler and the model wrapper that scoring and
training share. Neither scoring nor training owns them: the lm-eval backend and the trainer's
checkpoint selection must decode exactly the same way.
"""
