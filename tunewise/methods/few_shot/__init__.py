"""few_shot: k training examples shown as earlier conversation turns before the input."""

from tunewise.methods.few_shot.method import FewShot, FewShotConfig

__all__ = ["FewShot", "FewShotConfig"]
