"""Small models shared by several notebooks (`from utils.models import mlp`).

Each is first built by hand in the notebook that teaches it; later notebooks use the shortcut here.
Pretrained builders (with the weights chain) join this package in notebook 09.
"""

from utils.models.small import mlp

__all__ = ["mlp"]
