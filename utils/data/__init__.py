"""Data for the notebooks: where it comes from, and what is used when it cannot be downloaded.

- `registry`: the dataset registry (`datasets/registry.json`) and `fetch` / `fetch_or_none`
- `digits`: `load_digits`, real handwritten digits (MNIST, Fashion-MNIST) with an offline chain
- `transfer`: `load_transfer_task`, ants vs bees (hymenoptera) for notebook 09, offline texture
  patches cut from scikit-image's photos
- `imagenette`: `load_imagenette`, 10 ImageNet classes for notebook 10, offline patches of the
  photos that scikit-image and scikit-learn ship
- `synthetic`: small generated datasets with a known truth
- `scenes`: generated scenes of shapes with exact boxes, masks, class maps and depth (notebooks
  11-13, 17, 20)

Import from the module, e.g. `from utils.data.digits import load_digits`.
"""
