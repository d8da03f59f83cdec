"""Shared code for the course notebooks. One module per concern:

- `env`: where the notebook runs (Colab or local), SMOKE flag, setup and the start-up banner
- `device`: picking a device and seeding every random generator
- `download`: downloading with checksums and a cache folder; the offline signal
- `datasets`: the dataset registry (`datasets/registry.json`) and loaders with fallbacks
- `synthetic`: small generated datasets with a known truth
- `train`: `fit` / `evaluate` training loop with progress bars and checkpoints
- `plot`: image grids, training curves, slider-or-static interactive plots
- `exercises`: self-checking exercises (`q.check()`, `q.hint()`, `q.solution()`)
"""
