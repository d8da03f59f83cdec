"""Data for the notebooks: where it comes from, and what is used when it cannot be downloaded.

- `registry`: the dataset registry (`datasets/registry.json`) and `fetch` / `fetch_or_none`
- `digits`: `load_digits`, real handwritten digits (MNIST, Fashion-MNIST) with an offline chain
- `synthetic`: small generated datasets with a known truth

Import from the module, e.g. `from utils.data.digits import load_digits`.
"""
