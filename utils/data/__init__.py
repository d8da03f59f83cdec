"""Data for the notebooks: where it comes from, and what is used when it cannot be downloaded.

- `base`: the loader contract every `load_x(smoke=False, *, seed=0, ...)` follows: real data or
  its announced substitute (`load_or_substitute`, never None), the result type `Splits`, `read_image`
- `registry`: the dataset registry (`datasets/registry.json`) and `fetch` / `fetch_or_none`
- `digits`: `load_digits`, real handwritten digits (MNIST, Fashion-MNIST) with an offline chain
- `transfer`: `load_transfer_task`, ants vs bees (hymenoptera) for notebook 09, offline texture
  patches cut from scikit-image's photos
- `imagenette`: `load_imagenette`, 10 ImageNet classes for notebook 10, offline patches of the
  photos that scikit-image and scikit-learn ship
- `synthetic`: small generated datasets with a known truth
- `scenes`: generated scenes of shapes with exact boxes, masks, class maps and depth (notebooks
  11-13, 17, 20)
- `pennfudan`: `load_pennfudan`, pedestrians with boxes and instance masks (11, 13), generated scenes offline
- `pets`: `load_pets`, Oxford-IIIT Pet trimaps for semantic segmentation (12 on Colab)
- `figures`: `make_figures`, generated stick figures with COCO keypoints; `load_coco_people` (14)
- `faces`: `generated_faces` (parametric identities), `load_faces` with LFW on Colab (15)
- `text_lines`: `make_text_lines` rendered in DejaVu Sans; `load_iiit5k` word crops (16)
- `captions`: `caption_scenes` (grammar captions of scenes), `Vocabulary`; `load_captions` with
  Flickr8k on Colab (17)
- `photos`: `load_sr_photos`, BSDS300 or the bundled photos, for super-resolution (18)
- `nyu`: `load_depth_data`, NYU Depth v2 on Colab, generated scenes with exact depth offline (20)
- `clips`: `make_action_videos` (moving shapes whose class is a motion); `load_action_videos`
  with a UCF101 subset on Colab, decoded with OpenCV (21)

Import from the module, e.g. `from utils.data.digits import load_digits`.
"""
