"""Shared code for the course notebooks. One module per concern, so the file name says where a thing lives:

- `env`: where the notebook runs (Colab or local, watched or headless), requirements, `start_notebook`
- `device`: picking a device and seeding every random generator
- `announce`: the one-line `DATA:` / `OFFLINE:` / `WEIGHTS:` / `CHECKPOINT:` messages
- `download`: the cache folder, checksums and verified downloads; `archives`: safe extraction
- `data/`: the dataset registry (`registry`), real datasets with offline fallbacks (`digits`),
  generated data with a known truth (`synthetic`)
- `train`: `fit` / `evaluate`, one training loop for every task
- `checkpoints`: saving, loading, and `load_or_train` (a rerun reuses the trained model)
- `metrics/`: metrics from scratch, one module per family (`from utils.metrics import accuracy`)
- `plot`: image grids, training curves, slider-or-static interactive plots
- `exercises/`: self-checking exercises (`q.check()`, `q.hint()`, `q.solution()`); their reference
  solutions sit apart in `exercises/solutions/`

Modules depend only downwards (`announce` ← `download` ← `data`; `checkpoints` ← `train`), never in a cycle.
Later notebooks add families to `metrics/`, loaders to `data/`, a `models/` package for small
from-scratch models and pretrained builders, and drawing helpers (boxes, masks, keypoints) beside `plot`.
"""
