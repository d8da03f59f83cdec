"""Small models shared by several notebooks (`from utils.models import mlp`).

- `small`: models first built by hand in the notebook that teaches them (`mlp`); later notebooks
  use the shortcut.
- `pretrained`: torchvision classifiers with ImageNet weights from the best source available
  (`load_pretrained`), saying where they came from in one `WEIGHTS:` line.
"""

from utils.models.pretrained import load_pretrained
from utils.models.small import mlp

__all__ = ["load_pretrained", "mlp"]
