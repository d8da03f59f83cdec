"""Tests for utils.data.scenes: every target of a generated scene agrees with its image and with the
other targets, scenes are reproducible, and bad arguments get clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision

from utils.data.scenes import (
    CLASSES,
    COLOURS,
    FAR,
    NEAR,
    SceneDataset,
    SceneObject,
    detection_collate,
    make_scene,
    masks_to_boxes,
    scene_target,
)


@pytest.fixture(scope="module")
def scenes():
    return [make_scene(64, seed=seed, num_objects=(1, 5)) for seed in range(40)]


def test_shapes_and_dtypes(scenes):
    for s in scenes:
        n = len(s.objects)
        assert s.image.shape == (3, 64, 64) and s.image.dtype == torch.float32
        assert s.image.min() >= 0 and s.image.max() <= 1
        assert s.boxes.shape == (n, 4) and s.labels.shape == (n,) and s.masks.shape == (n, 64, 64)
        assert s.semantic.shape == (64, 64) and s.depth.shape == (64, 64)


def test_masks_are_disjoint_and_make_the_semantic_map(scenes):
    for s in scenes:
        assert s.masks.sum(0).max() <= 1  # occlusion: a pixel shows one object at most
        rebuilt = torch.zeros_like(s.semantic)
        for mask, label in zip(s.masks, s.labels):
            rebuilt[mask] = label
        assert torch.equal(rebuilt, s.semantic)


def test_boxes_are_tight_around_the_visible_masks(scenes):
    for s in scenes:
        if len(s.boxes):
            assert torch.equal(
                s.boxes, torchvision.ops.masks_to_boxes(s.masks.float()) + torch.tensor([0, 0, 1, 1])
            )


def test_objects_match_labels_and_depth(scenes):
    for s in scenes:
        for obj, label, mask in zip(s.objects, s.labels, s.masks):
            assert isinstance(obj, SceneObject)
            assert obj.shape == CLASSES[label] and obj.colour in COLOURS
            assert NEAR <= obj.depth <= FAR
            assert torch.allclose(s.depth[mask], torch.tensor(obj.depth, dtype=torch.float32))
        depths = [o.depth for o in s.objects]
        assert depths == sorted(depths, reverse=True)  # drawn far to near


def test_nearer_objects_are_drawn_larger():
    sizes = [(o.depth, o.size) for seed in range(60) for o in make_scene(64, seed=seed).objects]
    depth, size = np.array(sizes).T
    assert np.corrcoef(depth, size)[0, 1] < -0.3


def test_most_hidden_objects_are_dropped():
    full = make_scene(64, seed=3, num_objects=(6, 6), min_visible=0.0)
    strict = make_scene(64, seed=3, num_objects=(6, 6), min_visible=0.9)
    assert len(strict.objects) < len(full.objects)
    assert set(strict.semantic.unique().tolist()) <= {0, *strict.labels.tolist()}


def test_same_seed_same_scene_and_different_seed_different_scene():
    a, b, c = make_scene(48, seed=7), make_scene(48, seed=7), make_scene(48, seed=8)
    assert torch.equal(a.image, b.image) and torch.equal(a.semantic, b.semantic)
    assert not torch.equal(a.image, c.image)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="at least 16"):
        make_scene(8)
    with pytest.raises(ValueError, match="num_objects"):
        make_scene(32, num_objects=(3, 1))
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        masks_to_boxes(torch.zeros(4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="empty"):
        masks_to_boxes(torch.zeros(1, 4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="task"):
        SceneDataset(2, task="pose")
    with pytest.raises(IndexError):
        SceneDataset(2).scene(2)


def test_masks_to_boxes_covers_whole_pixels():
    mask = torch.zeros(1, 8, 8, dtype=torch.bool)
    mask[0, 2:4, 1:6] = True
    assert masks_to_boxes(mask).tolist() == [[1.0, 2.0, 6.0, 4.0]]


def test_dataset_items_per_task():
    detection = SceneDataset(3, size=32, seed=1, task="detection")
    image, target = detection[1]
    scene = detection.scene(1)
    assert torch.equal(image, scene.image) and target["image_id"] == 1
    assert target["masks"].dtype == torch.uint8 and target["iscrowd"].sum() == 0
    assert torch.equal(target["area"], scene.masks.flatten(1).sum(1).float())
    assert scene_target(scene, 1)["boxes"] is scene.boxes
    _, classes = SceneDataset(3, size=32, seed=1, task="semantic")[1]
    assert torch.equal(classes, scene.semantic)
    _, depth = SceneDataset(3, size=32, seed=1, task="depth")[1]
    assert depth.shape == (1, 32, 32)
    assert not torch.equal(SceneDataset(1, size=32, seed=2)[0][0], SceneDataset(1, size=32, seed=3)[0][0])


def test_detection_collate_trains_a_torchvision_detector():
    images, targets = detection_collate([SceneDataset(2, size=64, seed=0)[i] for i in range(2)])
    assert isinstance(images, list) and len(targets) == 2
    model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=len(CLASSES)
    )
    losses = model(images, [{k: v for k, v in t.items() if k in ("boxes", "labels")} for t in targets])
    assert set(losses) >= {"loss_classifier", "loss_box_reg"}
    assert all(torch.isfinite(v) for v in losses.values())
