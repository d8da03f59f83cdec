"""Data for the notebooks: the real datasets, and what is used when they cannot be downloaded.

Shared modules: `base` (the loader contract: `load_or_substitute`, `Splits`, `read_image`),
`registry` (`datasets/registry.json` and `fetch`), `synthetic` (small generated datasets with a
known truth) and `scenes` (generated scenes with exact boxes, masks, class maps and depth). Every
other module is one dataset's loader, `load_x(smoke=False, *, seed=0, ...)`; datasets/README.md
lists them all, with the notebooks that use them.

Import from the module, e.g. `from utils.data.digits import load_digits`.
"""
