"""Small models shared by several notebooks (`from utils.models import mlp`).

- `small`: models first built by hand in the notebook that teaches them (`mlp`); later notebooks
  use the shortcut.
- `pretrained`: torchvision classifiers with ImageNet weights from the best source available
  (`load_pretrained`), saying where they came from in one `WEIGHTS:` line.
- `unet`: the encoder-decoder with skip connections that notebook 12 builds by hand (`unet`),
  used again for depth in notebook 20.
"""

from utils.models.pretrained import load_pretrained
from utils.models.small import mlp
from utils.models.unet import unet

__all__ = ["load_pretrained", "mlp", "unet"]
