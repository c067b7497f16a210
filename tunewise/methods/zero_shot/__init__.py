"""zero_shot: the instruction and the input, in the model's chat template. Nothing is learned."""

from tunewise.methods.zero_shot.method import ZeroShot, ZeroShotConfig

__all__ = ["ZeroShot", "ZeroShotConfig"]
