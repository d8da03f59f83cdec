"""Shared code for the course notebooks. One module per concern, so the file name says where a thing lives.

What a learner reads (the course teaches these, then uses them):

- `train`: `fit` / `evaluate`, one training loop for every task; its inner loop is notebook 05's five
  lines. `speedups`: what notebook 22 adds around them (mixed precision, accumulation,
  channels_last, torch.compile, torchrun)
- `metrics/`: every metric of the course from scratch, one module per family (`from utils.metrics
  import accuracy`), each checked against its reference library; `coco` is the one COCO matcher
- `models/`: small from-scratch models (`small`, `unet`) and pretrained torchvision models with an
  honest offline fallback (`pretrained`)
- `plot`: image grids, training curves, slider-or-static plots, the colour-blind-safe palette;
  `draw`: boxes, masks, keypoints and confusion matrices on images
- `data/`: one loader per dataset (the list, with each loader's registry entries and offline
  substitute, is datasets/README.md), all written to one contract (`base`: try the real data, else
  the announced substitute, never None); generated data with a known truth (`synthetic`, `scenes`),
  and the dataset `registry`
- `exercises`: the machinery of the self-checking exercises (`q.check()`, `q.hint()`,
  `q.solution()`); the exercises themselves are course content, in the repository's exercises
  folder beside the notebooks, their answer keys in exercises/answers

Plumbing (read it when you want to know how the course runs):

- `env`: where the notebook runs (Colab or local, watched or headless), requirements, `start_notebook`
- `device`: picking a device and seeding every random generator
- `announce`: the one-line `DATA:` / `OFFLINE:` / `WEIGHTS:` / `CHECKPOINT:` messages
- `download`: the cache folder, checksums, verified downloads and the course mirror; `archives`: safe
  extraction; `fetch`: `python -m utils.fetch`, everything the course downloads, for a classroom
- `checkpoints`: saving, loading, and `load_or_train` (a rerun reuses the trained model)
- `distributed`: what `fit` does under `torchrun`; `checks`: shared argument checks

Modules depend only downwards (`announce` ← `download` ← `data`; `checkpoints` ← `train` ← `speedups`
is used by `train`), never in a cycle. tests/test_utils_docs.py keeps this list true.
"""
