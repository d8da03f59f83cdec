"""Tests for utils.data.nyu: NYU Depth v2 (labeled) read from miniature files in the real formats
(a MATLAB v7.3 file, i.e. HDF5 behind a 512-byte MATLAB header, with column-major `images` and
`depths`; a MATLAB v5 `splits.mat` with 1-based `trainNdxs` / `testNdxs`), served by a local HTTP
server, in full and SMOKE mode (the same source, a subset), and the generated scenes used offline.

Without h5py the tests that read the .mat file are skipped (`needs_h5py`); the others still run, and
the fixture then serves a placeholder in place of the .mat file."""

import dataclasses
import hashlib
import importlib.util

import numpy as np
import pytest
import torch
from scipy.io import savemat

from tests.conftest import announced, closed_port_url
from tests.mirror.nyu import build_labeled, build_splits, matlab_header
from utils.data import nyu
from utils.data.nyu import (
    DepthData,
    generated_depth_scenes,
    load_depth_data,
    read_nyu_labeled,
    read_nyu_splits,
    square_frame,
)

FRAMES = 6
TRAIN_IDS, TEST_IDS = [1, 3, 4, 6], [2, 5]  # 1-based, as in the real splits.mat
# Decided once, at import: several tests pretend h5py is installed (or not) by monkeypatching
# importlib.util.find_spec, which must not change what the fixture can build.
HAS_H5PY = importlib.util.find_spec("h5py") is not None
needs_h5py = pytest.mark.skipif(not HAS_H5PY, reason="h5py is not installed")


def red_of(frame: int) -> int:
    """The red level (0-255) of miniature frame `frame` (0-based): it says which frame an image is."""
    return 30 + 30 * frame


def miniature_mat(path) -> bytes:
    """FRAMES Kinect frames in NYU's layout. Frame i: red = red_of(i), green grows with the column,
    depth (metres) = 1 + i + 2 * row / 480: it grows downwards, so a transposed read shows at once."""
    import h5py

    rows, cols = np.mgrid[0:480, 0:640]
    images = np.zeros((FRAMES, 3, 480, 640), dtype=np.uint8)
    depths = np.zeros((FRAMES, 480, 640), dtype=np.float32)
    for i in range(FRAMES):
        images[i, 0] = red_of(i)
        images[i, 1] = (cols * 255 // 639).astype(np.uint8)
        depths[i] = 1 + i + 2 * rows / 480
    with h5py.File(path, "w", userblock_size=512) as mat:  # MATLAB: column-major, so H and W swap
        mat.create_dataset(
            "images", data=images.transpose(0, 1, 3, 2), chunks=(1, 3, 640, 480), compression="gzip"
        )
        mat.create_dataset("depths", data=depths.transpose(0, 2, 1), chunks=(1, 640, 480), compression="gzip")
        mat.create_dataset("labels", data=np.zeros((FRAMES, 640, 480), dtype=np.uint16), compression="gzip")
    with open(path, "r+b") as f:
        f.write(matlab_header())
    return path.read_bytes()


def miniature_splits(path) -> bytes:
    savemat(
        str(path),
        {
            "trainNdxs": np.array(TRAIN_IDS, dtype=np.float64)[:, None],
            "testNdxs": np.array(TEST_IDS)[:, None],
        },
        do_compression=True,
    )
    return path.read_bytes()


@pytest.fixture
def nyu_registry(use_registry, server, cache, tmp_path):
    """`use(state)`: a test registry whose two NYU files are "online" (served locally) or "offline"
    (a closed port). The data cache is an empty temporary folder (the `cache` fixture)."""

    def use(state: str = "online", mirrored: bool = False) -> None:
        files = {
            "nyu_depth_v2_labeled.mat": b"not made",
            "splits.mat": miniature_splits(tmp_path / "splits.mat"),
        }
        if HAS_H5PY:
            files["nyu_depth_v2_labeled.mat"] = miniature_mat(tmp_path / "nyu_depth_v2_labeled.mat")
        if mirrored:  # the course mirror's miniature (tests/mirror/nyu.py)
            files = {"nyu_depth_v2_labeled.mat": build_labeled(), "splits.mat": build_splits()}
        items = []
        for name, (filename, data) in zip((nyu.NYU_LABELED, nyu.NYU_SPLITS), files.items()):
            url = server.add(filename, data) if state == "online" else closed_port_url(filename)
            checksum = hashlib.sha256(data).hexdigest()
            items.append(
                {
                    "name": name,
                    "description": f"a miniature {filename}",
                    "urls": [url],
                    "checksum": f"sha256:{checksum}",
                    "size_bytes": len(data),
                    "license": "test data",
                    "notebooks": ["20_depth_estimation"],
                    "fallback": "generated scenes",
                    "archive": False,
                    "checksum_source": "computed by the test",
                }
            )
        use_registry(*items)

    return use


def frames_of(images: torch.Tensor) -> list[int]:
    """Which miniature frames (0-based) a batch of loaded images shows, from their red level."""
    return [round((image[0].mean().item() * 255 - 30) / 30) for image in images]


# --- NYU from the miniature files ------------------------------------------------------------------


@needs_h5py
def test_full_mode_reads_the_official_split(nyu_registry, server, cache, capsys):
    nyu_registry()
    data = load_depth_data(smoke=False, image_size=32)
    assert isinstance(data, DepthData) and data.name == "NYU Depth v2" and data.max_depth == 10.0
    (train_images, train_depths), (test_images, test_depths) = data.train.tensors, data.test.tensors
    assert train_images.shape == (4, 3, 32, 32) and train_depths.shape == (4, 1, 32, 32)
    assert test_images.shape == (2, 3, 32, 32) and test_depths.shape == (2, 1, 32, 32)
    assert train_images.dtype == train_depths.dtype == torch.float32
    assert frames_of(train_images) == [i - 1 for i in TRAIN_IDS]  # 1-based in the file, 0-based here
    assert frames_of(test_images) == [i - 1 for i in TEST_IDS]
    assert sorted(server.requests) == ["/nyu_depth_v2_labeled.mat", "/splits.mat"]
    expected = (
        "DATA: NYU Depth v2 (labeled), 4 train / 2 test frames (32x32, the official split), "
        f"verified in {(cache / nyu.NYU_LABELED).resolve()}"
    )
    assert announced(capsys.readouterr().out) == [expected] and data.source == expected


@needs_h5py
def test_frames_come_back_upright_in_metres_and_cropped(nyu_registry):
    """Depth grows downwards and green to the right, as written: the column-major read is undone."""
    nyu_registry()
    data = load_depth_data(smoke=False, image_size=32)
    images, depths = data.test.tensors
    frame = TEST_IDS[0] - 1
    depth = depths[0, 0]
    assert torch.all(depth[1:].mean(1) > depth[:-1].mean(1))  # grows from top to bottom
    assert torch.allclose(depth, depth[:, :1].expand_as(depth), atol=1e-5)  # same along a row
    # the Eigen crop keeps rows 44..470: depth 1 + frame + 2 * row / 480 over that span
    assert depth.min().item() == pytest.approx(1 + frame + 2 * 44 / 480, abs=0.06)
    assert depth.max().item() == pytest.approx(1 + frame + 2 * 470 / 480, abs=0.06)
    green = images[0, 1]
    assert torch.all(green[:, 1:].mean(0) > green[:, :-1].mean(0))  # grows from left to right
    assert 0.3 < green.mean().item() < 0.7  # the centre square of the crop


@needs_h5py
def test_counts_draw_frames_from_each_split_and_too_many_is_an_error(nyu_registry, capsys):
    nyu_registry()
    data = load_depth_data(smoke=False, image_size=16, n_train=2, n_test=1, seed=3)
    assert set(frames_of(data.train.tensors[0])) <= {i - 1 for i in TRAIN_IDS}
    assert frames_of(data.test.tensors[0])[0] in {i - 1 for i in TEST_IDS}
    assert "2 train / 1 test frames (16x16, drawn from the official split)" in data.source
    with pytest.raises(
        ValueError, match=r"NYU Depth v2 \(labeled\) train: asked for 5 frames, but the split has only 4"
    ):
        load_depth_data(smoke=False, image_size=16, n_train=5)


@needs_h5py
def test_read_nyu_labeled_and_splits_directly(tmp_path):
    miniature_mat(tmp_path / "labeled.mat")
    miniature_splits(tmp_path / "splits.mat")
    train, test = read_nyu_splits(tmp_path / "splits.mat")
    assert train.tolist() == [0, 2, 3, 5] and test.tolist() == [1, 4] and train.dtype == np.int64
    images, depths = read_nyu_labeled(tmp_path / "labeled.mat", np.array([5, 0]), 24)
    assert images.shape == (2, 3, 24, 24) and depths.shape == (2, 1, 24, 24)
    assert frames_of(images) == [5, 0] and images.min() >= 0 and images.max() <= 1


@needs_h5py
def test_files_that_are_not_nyus_are_refused(tmp_path):
    import h5py

    with h5py.File(tmp_path / "other.mat", "w") as f:
        f.create_dataset("pictures", data=np.zeros(3))
    with pytest.raises(ValueError, match=r"is not NYU's labeled .mat file: no \['images', 'depths'\]"):
        read_nyu_labeled(tmp_path / "other.mat", np.array([0]), 16)
    savemat(str(tmp_path / "s.mat"), {"trainNdxs": np.arange(3)})
    with pytest.raises(ValueError, match=r"is not NYU's splits.mat: no \['testNdxs'\]"):
        read_nyu_splits(tmp_path / "s.mat")


# --- SMOKE and offline: generated scenes ------------------------------------------------------------


@needs_h5py
def test_smoke_mode_reads_a_small_subset_of_nyu_not_generated_scenes(
    nyu_registry, server, capsys, monkeypatch
):
    """SMOKE = the same source, a small subset: NYU frames drawn from the official split."""
    monkeypatch.setattr(nyu, "SMOKE_SIZES", (3, 1))
    nyu_registry()
    data = load_depth_data(smoke=True, image_size=16, seed=1)
    assert data.name == "NYU Depth v2" and data.max_depth == nyu.NYU_MAX_DEPTH
    assert len(data.train) == 3 and len(data.test) == 1
    assert set(frames_of(data.train.tensors[0])) <= {i - 1 for i in TRAIN_IDS}
    assert frames_of(data.test.tensors[0])[0] in {i - 1 for i in TEST_IDS}
    assert sorted(server.requests) == ["/nyu_depth_v2_labeled.mat", "/splits.mat"]
    (line,) = announced(capsys.readouterr().out)
    assert line == data.source and line.startswith(
        "DATA: NYU Depth v2 (labeled), 3 train / 1 test frames (16x16, drawn from the official split)"
    )
    asked = load_depth_data(smoke=True, image_size=16, n_train=2, n_test=2)
    assert len(asked.train) == 2 and len(asked.test) == 2


@needs_h5py
def test_smoke_defaults_to_64_and_16_nyu_frames(nyu_registry):
    nyu_registry()  # the miniature's split holds 4 / 2 frames
    assert nyu.SMOKE_SIZES == (64, 16)
    with pytest.raises(ValueError, match=r"train: asked for 64 frames, but the split has only 4"):
        load_depth_data(smoke=True, image_size=16)


def test_smoke_mode_offline_falls_back_to_generated_scenes(nyu_registry, capsys, monkeypatch):
    monkeypatch.setattr(nyu.importlib.util, "find_spec", lambda name: object())  # h5py "installed"
    monkeypatch.setattr(nyu, "OFFLINE_SMOKE_COUNTS", (5, 2))
    nyu_registry("offline")
    data = load_depth_data(smoke=True, image_size=16)
    assert len(data.train) == 5 and len(data.test) == 2
    assert data.name == "generated scenes" and data.max_depth == nyu.SCENES_MAX_DEPTH
    expected = (
        "OFFLINE: NYU Depth v2 (labeled) could not be downloaded (connection refused by 127.0.0.1) → using "
        "5 train / 2 test generated scenes (16x16, exact depth) instead."
    )
    assert announced(capsys.readouterr().out) == [expected] and data.source == expected
    asked = load_depth_data(smoke=True, image_size=16, n_train=6, n_test=3)
    assert asked.train.tensors[0].shape == (6, 3, 16, 16) and asked.test.tensors[1].shape == (3, 1, 16, 16)


def test_without_nyu_full_mode_falls_back_to_scenes(nyu_registry, capsys, monkeypatch):
    monkeypatch.setattr(nyu.importlib.util, "find_spec", lambda name: object())  # h5py "installed"
    monkeypatch.setattr(nyu, "OFFLINE_COUNTS", (7, 3))
    nyu_registry("offline")
    data = load_depth_data(smoke=False, image_size=16)
    assert len(data.train) == 7 and len(data.test) == 3 and data.name == "generated scenes"
    expected = (
        "OFFLINE: NYU Depth v2 (labeled) could not be downloaded (connection refused by 127.0.0.1) → using 7 train / 3 test "
        "generated scenes (16x16, exact depth) instead."
    )
    assert announced(capsys.readouterr().out) == [expected] and data.source == expected


def test_without_h5py_nothing_is_downloaded(nyu_registry, server, capsys, monkeypatch):
    monkeypatch.setattr(nyu.importlib.util, "find_spec", lambda name: None)
    nyu_registry()
    data = load_depth_data(smoke=False, image_size=16, n_train=2, n_test=2)
    assert server.requests == [] and data.name == "generated scenes"
    assert "needs h5py, which is not installed: pip install h5py" in announced(capsys.readouterr().out)[0]


def test_generated_scenes_are_seeded_and_train_and_test_differ():
    train, test = generated_depth_scenes(3, 3, 16, seed=1)
    again, _ = generated_depth_scenes(3, 3, 16, seed=1)
    other, _ = generated_depth_scenes(3, 3, 16, seed=2)
    assert torch.equal(train.tensors[0], again.tensors[0]) and not torch.equal(
        train.tensors[0], other.tensors[0]
    )
    assert not any(torch.equal(a, b) for a in train.tensors[0] for b in test.tensors[0])
    depths = train.tensors[1]
    assert depths.min() >= 1.0 and depths.max() <= nyu.SCENES_MAX_DEPTH


def test_square_frame():
    """The Eigen crop (columns 40..600) then its centre 427x427 square: frame columns 107..533."""
    frame = torch.zeros(1, 480, 640)
    frame[:, :, :320] = 1.0  # left of the middle bright: the left half of the square, near enough
    frame[:, :44] = frame[:, 471:] = 5.0  # rows outside the crop never reach the output
    out = square_frame(frame, 20)
    assert out.shape == (1, 20, 20) and out.max() <= 1.0
    assert out[0, :, :9].min() == 1.0 and out[0, :, 11:].max() == 0.0
    with pytest.raises(ValueError, match=r"expected a frame \(C, 480, 640\), got shape \(3, 64, 64\)"):
        square_frame(torch.zeros(3, 64, 64), 16)


# --- arguments ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smoke": 1}, "smoke must be True or False"),
        ({"smoke": True, "image_size": 8}, "image_size must be an int from 16 to 480"),
        ({"smoke": True, "image_size": 64.0}, "image_size must be an int"),
        ({"smoke": True, "image_size": True}, "image_size must be an int"),
        ({"smoke": True, "seed": -1}, "seed must be a non-negative int"),
        ({"smoke": False, "n_train": 0}, "n_train must be a positive int"),
        ({"smoke": False, "n_test": 2.0}, "n_test must be a positive int"),
    ],
)
def test_arguments_are_checked_before_any_download(nyu_registry, server, kwargs, message):
    nyu_registry()
    with pytest.raises(ValueError, match=message):
        load_depth_data(**kwargs)
    assert server.requests == []


def test_depth_data_is_frozen(nyu_registry):
    nyu_registry("offline")
    data = load_depth_data(smoke=True, image_size=16, n_train=1, n_test=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.name = "other"
    assert [f.name for f in dataclasses.fields(DepthData)][:8] == [
        "train",
        "val",
        "test",
        "classes",
        "image_size",
        "name",
        "source",
        "real",
    ]


# --- the course mirror's miniature (tests/mirror/nyu.py) ----------------------------------------------


@needs_h5py
def test_the_mirror_miniature_serves_notebook_20_in_smoke_sizes(nyu_registry):
    """Notebook 20 online reads SMOKE's default 64 / 16 frames; depths are in NYU's range of metres and
    carry a monocular cue a network can learn: the floor recedes upwards (the top is farther)."""
    nyu_registry(mirrored=True)
    data = load_depth_data(smoke=True, image_size=64)
    assert len(data.train) == 64 and len(data.test) == 16 and data.name == "NYU Depth v2"
    images, depths = data.train.tensors
    assert depths.min() > 1.5 and depths.max() < 10.0 and images.std() > 0.05
    assert depths[:, :, :16].mean() > depths[:, :, -16:].mean()
