"""Tests for utils.data.clips: the generated action videos, frame sampling, clips, and the UCF101-subset
loader through each source of its chain.

No internet and no OpenCV here: the real-dataset path runs on a miniature UCF101_subset.tar.gz in the
exact layout of the real one (UCF101_subset/{train,val,test}/<Action>/v_<Action>_gXX_cYY.avi, a plain
tar despite its name), served by a local HTTP server (see conftest.py) through a test registry. Its
.avi files cannot be real AVI without an encoder, so each holds its frames as a NumPy array, and a fake
`cv2` module (only `VideoCapture(path).read()` / `.release()`, BGR frames as OpenCV gives them) decodes
them. What is tested is ours: download, checksum, extraction, the layout, labels and splits, which
frames are kept, BGR → RGB, resizing and cropping. Decoding real .avi files needs OpenCV (on Colab).
"""

from __future__ import annotations

import hashlib
import io
import math
import sys
import tarfile
import types

import numpy as np
import pytest
import torch

from tests.conftest import announced, closed_port_url
from utils.data import clips
from utils.data.clips import (
    ACTIONS,
    UCF101,
    ActionVideos,
    ClipDataset,
    VideoSet,
    clip_indices,
    load_action_videos,
    make_action_videos,
    make_video,
    read_video,
    render_shape_video,
    to_clip,
    ucf101_files,
)

# --- the generated videos ---------------------------------------------------------------------


def test_make_action_videos_shapes_labels_and_seed():
    data = make_action_videos(3, frames=6, size=24, seed=5)
    assert isinstance(data, VideoSet) and len(data) == 3 * len(ACTIONS)
    assert data.videos.shape == (21, 6, 3, 24, 24) and data.videos.dtype == torch.uint8
    assert data.labels.tolist() == [i % 7 for i in range(21)] and data.labels.dtype == torch.int64
    assert data.classes == ACTIONS and data.name == "generated moving shapes"
    assert torch.equal(data.videos, make_action_videos(3, frames=6, size=24, seed=5).videos)
    assert not torch.equal(data.videos, make_action_videos(3, frames=6, size=24, seed=6).videos)


def test_a_single_frame_does_not_depend_on_the_action():
    """The same random draws give the same first frame whatever the action: only time differs."""
    first = [make_video(action, 5, 32, np.random.default_rng(3)) for action in ACTIONS]
    assert all(torch.equal(video[0], first[0][0]) for video in first)
    assert all(not torch.equal(video[1:], first[-1][1:]) for video in first[:-1])  # they do move


def _circular_centre(video: torch.Tensor) -> torch.Tensor:
    """(T, 2) circular mean (x, y) of the pixels that differ from the background, in radians."""
    frames = video.float()
    background = (
        frames.flatten(2).median(dim=2).values[:, :, None, None]
    )  # the shape covers far less than half
    mask = (frames - background).abs().sum(dim=1) > 10
    size = video.shape[-1]
    angle = torch.arange(size) * 2 * math.pi / size
    centres = []
    for m in mask.float():
        x = torch.atan2((m * angle.sin()[None, :]).sum(), (m * angle.cos()[None, :]).sum())
        y = torch.atan2((m * angle.sin()[:, None]).sum(), (m * angle.cos()[:, None]).sum())
        centres.append(torch.stack([x, y]))
    return torch.stack(centres)


@pytest.mark.parametrize(
    ("action", "axis", "sign"),
    [("left", 0, -1), ("right", 0, 1), ("up", 1, -1), ("down", 1, 1), ("still", 0, 0), ("clockwise", 1, 0)],
)
def test_each_translation_moves_its_way_and_the_others_stay(action, axis, sign):
    video = make_video(action, 6, 32, np.random.default_rng(1), noise=0.0)
    steps = torch.remainder(_circular_centre(video).diff(dim=0) + math.pi, 2 * math.pi) - math.pi
    moved = steps[:, axis] * 32 / (2 * math.pi)  # pixels per frame
    other = steps[:, 1 - axis] * 32 / (2 * math.pi)
    if sign == 0:
        assert steps.abs().max() < 0.05
    else:
        assert (sign * moved > 0.9).all() and (sign * moved < 2.8).all() and other.abs().max() < 0.3


def test_render_turns_clockwise_for_a_positive_angle():
    """A triangle points up at angle 0; a quarter turn clockwise on screen makes it point right."""
    centre = torch.tensor([[16.0, 16.0]])
    up = render_shape_video("triangle", centre, torch.zeros(1), 10, (1.0, 1.0, 1.0), 32, background=0.0)[0, 0]
    right = render_shape_video("triangle", centre, torch.tensor([math.pi / 2]), 10, (1, 1, 1), 32, 0.0)[0, 0]
    assert up[8, 16] == 1 and up[24, 16] == 0  # the tip above the centre, a flat side below
    assert right[16, 22] == 1 and right[16, 8] == 0  # the tip on the right, a flat side on the left
    wrapped = render_shape_video("square", torch.tensor([[0.0, 0.0]]), torch.zeros(1), 6, (1, 1, 1), 32, 0.0)
    assert wrapped[0, 0, 1, 1] == 1 and wrapped[0, 0, 30, 30] == 1 and wrapped[0, 0, 16, 16] == 0


def test_generator_refuses_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="action must be one of"):
        make_video("jump", 4, 32, rng)
    with pytest.raises(ValueError, match="frames must be a positive int"):
        make_video("left", 0, 32, rng)
    with pytest.raises(ValueError, match="size must be an int >= 8"):
        make_video("left", 4, 4, rng)
    with pytest.raises(ValueError, match="per_class must be a positive int"):
        make_action_videos(0)
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        make_action_videos(1, seed=-1)
    with pytest.raises(ValueError, match="shape must be 'square' or 'triangle'"):
        render_shape_video("circle", torch.zeros(1, 2), torch.zeros(1), 3, (1, 1, 1), 16)
    with pytest.raises(ValueError, match=r"expected centers \(T, 2\) and angles \(T,\)"):
        render_shape_video("square", torch.zeros(2, 3), torch.zeros(2), 3, (1, 1, 1), 16)
    with pytest.raises(ValueError, match="radius must be between 0 and size / 2"):
        render_shape_video("square", torch.zeros(1, 2), torch.zeros(1), 9, (1, 1, 1), 16)


# --- frame sampling and clips -------------------------------------------------------------------


def test_clip_indices_dense_and_uniform():
    assert clip_indices(16, 4, "dense", start=3).tolist() == [3, 4, 5, 6]
    assert clip_indices(16, 4, "uniform").tolist() == [2, 6, 10, 14]
    assert clip_indices(300, 8, "uniform").tolist() == [18, 56, 93, 131, 168, 206, 243, 281]
    assert clip_indices(5, 5, "uniform").tolist() == [0, 1, 2, 3, 4]
    assert clip_indices(8, 8, "dense").tolist() == list(range(8))
    with pytest.raises(ValueError, match="a clip of 9 frames does not fit in a video of 8 frames"):
        clip_indices(8, 9)
    with pytest.raises(ValueError, match="start must be an int from 0 to 4"):
        clip_indices(8, 4, "dense", start=5)
    with pytest.raises(ValueError, match="mode must be 'dense' or 'uniform'"):
        clip_indices(8, 4, "random")


def test_to_clip_puts_channels_first_then_time():
    video = torch.arange(4 * 3 * 2 * 2, dtype=torch.uint8).reshape(4, 3, 2, 2)
    clip = to_clip(video, torch.tensor([1, 3]))
    assert clip.shape == (3, 2, 2, 2) and clip.dtype == torch.float32
    assert torch.equal(clip[:, 1], video[3].float() / 255)
    with pytest.raises(ValueError, match=r"expected a video \(T, 3, H, W\)"):
        to_clip(torch.zeros(4, 2, 2, dtype=torch.uint8), torch.arange(2))


def test_clip_dataset_training_and_evaluation_clips():
    data = make_action_videos(1, frames=10, size=16, seed=0)
    train = ClipDataset(data, clip_len=4, seed=1)
    assert len(train) == 7 and train.video_ids.tolist() == list(range(7))
    clip, label = train[2]
    assert clip.shape == (3, 4, 16, 16) and int(label) == 2
    starts = set()
    for _ in range(30):  # a random dense start each time: the clip is some 4 consecutive frames
        clip = train[0][0]
        found = [s for s in range(7) if torch.equal(clip, to_clip(data.videos[0], torch.arange(s, s + 4)))]
        assert len(found) == 1
        starts.add(found[0])
    assert len(starts) > 2
    test = ClipDataset(data, clip_len=4, clips_per_video=3)
    assert len(test) == 21 and test.video_ids.tolist() == [v for v in range(7) for _ in range(3)]
    assert test.starts.tolist() == [0, 3, 6]
    assert torch.equal(test[4][0], to_clip(data.videos[1], torch.arange(3, 7))) and int(test[4][1]) == 1
    with pytest.raises(ValueError, match="a clip of 11 frames does not fit in videos of 10 frames"):
        ClipDataset(data, clip_len=11)
    with pytest.raises(ValueError, match="clips_per_video must be a positive int"):
        ClipDataset(data, clip_len=4, clips_per_video=0)


# --- a miniature UCF101_subset.tar.gz, a fake cv2, and test registries ---------------------------

MINI_ACTIONS = ("ApplyEyeMakeup", "Archery")
MINI_COUNTS = {"train": 3, "val": 1, "test": 2}  # videos per action and split
MINI_FRAMES = 12  # frames of every miniature video


def video_id(split: str, label: int, index: int) -> int:
    return {"train": 0, "val": 10, "test": 20}[split] + 5 * label + index


def mini_video(identity: int, frames: int = MINI_FRAMES) -> np.ndarray:
    """(frames, 40, 60, 3) uint8 BGR frames: blue = 5 * frame index, green = the video's id, red = 200,
    and a bright band in the central 40 x 40 square (what a centre crop keeps)."""
    video = np.zeros((frames, 40, 60, 3), dtype=np.uint8)
    video[..., 0] = (5 * np.arange(frames))[:, None, None]
    video[..., 1] = 4 * identity
    video[..., 2] = 200
    video[:, :, :10, 2] = 0  # the 10-column borders left and right are cropped away
    video[:, :, 50:, 2] = 0
    return video


def miniature_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:  # plain tar, as the real .tar.gz is
        for split, count in MINI_COUNTS.items():
            for label, action in enumerate(MINI_ACTIONS):
                for index in range(count):
                    identity = video_id(split, label, index)
                    payload = io.BytesIO()
                    np.save(payload, mini_video(identity))
                    name = f"UCF101_subset/{split}/{action}/v_{action}_g{identity:02d}_c01.avi"
                    info = tarfile.TarInfo(name)
                    info.size = len(payload.getvalue())
                    archive.addfile(info, io.BytesIO(payload.getvalue()))
    return buffer.getvalue()


class FakeCapture:
    """What the loader uses of cv2.VideoCapture, reading the miniature's NumPy 'videos'."""

    def __init__(self, path: str) -> None:
        try:
            self.frames = list(np.load(path))
        except (OSError, ValueError):
            self.frames = []  # OpenCV also just returns no frame for a file it cannot read

    def read(self):
        return (True, self.frames.pop(0)) if self.frames else (False, None)

    def release(self) -> None:
        self.frames = []


@pytest.fixture
def fake_cv2(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", types.SimpleNamespace(VideoCapture=FakeCapture))


@pytest.fixture
def no_cv2(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # `import cv2` then raises ImportError


@pytest.fixture
def ucf_registry(use_registry, server, cache):
    """`use(state)`: the archive "online" (served locally) or "offline" (closed port)."""

    def use(state: str = "online", data: bytes | None = None) -> None:
        data = data or miniature_tar()
        url = server.add("UCF101_subset.tar.gz", data) if state != "offline" else closed_port_url("x.tar.gz")
        checksum = hashlib.sha256(data).hexdigest()
        use_registry(
            {
                "name": "ucf101-subset",
                "description": "a miniature UCF101_subset.tar.gz",
                "urls": [url],
                "checksum": f"sha256:{checksum}",
                "size_bytes": len(data),
                "license": "CC0",
                "notebooks": ["21_video_action_recognition"],
                "fallback": "generated moving shapes",
                "archive": True,
                "checksum_source": "computed by the test",
            }
        )

    return use


def identities(videos: torch.Tensor) -> list[int]:
    return [round(v[0, 1].float().mean().item() / 4) for v in videos]  # green channel after BGR → RGB


def test_full_mode_reads_every_split_of_the_archive(ucf_registry, fake_cv2, server, cache, capsys):
    ucf_registry()
    data = load_action_videos(smoke=False, frames=4, image_size=16)
    assert isinstance(data, ActionVideos) and data.classes == MINI_ACTIONS and data.name == UCF101
    for split in ("train", "val", "test"):
        videos = getattr(data, split)
        n = MINI_COUNTS[split] * 2
        assert videos.videos.shape == (n, 4, 3, 16, 16) and videos.videos.dtype == torch.uint8
        expected = [video_id(split, label, i) for label in (0, 1) for i in range(MINI_COUNTS[split])]
        assert identities(videos.videos) == expected  # sorted: action by action, each video its own label
        assert videos.labels.tolist() == [label for label in (0, 1) for _ in range(MINI_COUNTS[split])]
    video = data.train.videos[0].float()
    assert torch.allclose(video[:, 2].mean(dim=(1, 2)), 5 * clip_indices(MINI_FRAMES, 4, "uniform").float())
    assert (video[:, 0, :, 1:-1] == 200).all()  # red (BGR's last) comes first; the dark borders are cropped
    assert server.requests == ["/UCF101_subset.tar.gz"]
    expected = (
        f"DATA: {UCF101}, 2 actions, 6 train / 2 val / 4 test videos (4 frames of 16x16), verified in "
        f"{(cache / 'ucf101-subset' / 'UCF101_subset').resolve()}"
    )
    assert announced(capsys.readouterr().out) == [expected] and data.source == expected


def test_real_per_class_keeps_the_first_videos_of_each_action(ucf_registry, fake_cv2):
    ucf_registry()
    data = load_action_videos(smoke=False, frames=2, image_size=8, real_per_class=1)
    assert identities(data.train.videos) == [video_id("train", 0, 0), video_id("train", 1, 0)]
    assert len(data.val) == 2 and len(data.test) == 2


def test_smoke_mode_reads_a_few_real_videos_per_action(ucf_registry, fake_cv2, server, capsys, monkeypatch):
    """SMOKE = the same source, a small subset: at most SMOKE_REAL_PER_CLASS videos per action and split."""
    assert clips.SMOKE_SIZES == 10
    monkeypatch.setattr(clips, "SMOKE_SIZES", 2)
    ucf_registry()
    data = load_action_videos(smoke=True, frames=4, image_size=16, per_class=(5, 5, 5))
    assert (
        data.classes == MINI_ACTIONS and data.name == UCF101 and server.requests == ["/UCF101_subset.tar.gz"]
    )
    assert identities(data.train.videos) == [video_id("train", a, i) for a in (0, 1) for i in range(2)]
    assert len(data.val) == 2 and len(data.test) == 4  # val holds one video per action
    (line,) = announced(capsys.readouterr().out)
    assert line == data.source and line.startswith(
        f"DATA: {UCF101}, 2 actions, 4 train / 2 val / 4 test videos"
    )
    assert len(load_action_videos(smoke=True, frames=4, image_size=16, real_per_class=1).train) == 2


def test_smoke_mode_offline_generates_videos_and_says_so(ucf_registry, capsys):
    ucf_registry("offline")
    data = load_action_videos(smoke=True, frames=6, image_size=16, per_class=(2, 1, 1))
    assert data.classes == ACTIONS and data.name == "generated moving shapes"
    assert data.train.videos.shape == (14, 6, 3, 16, 16) and len(data.val) == len(data.test) == 7
    [line] = announced(capsys.readouterr().out)
    assert line.startswith(f"OFFLINE: {UCF101} could not be downloaded (") and line == data.source
    assert line.endswith(
        "→ using generated moving shapes, 14 train / 7 val / 7 test videos (6 frames of 16x16) instead."
    )
    assert not torch.equal(data.train.videos[:7], data.val.videos)  # different seeds per split


def test_offline_falls_back_to_generated_videos(ucf_registry, capsys):
    ucf_registry("offline")
    data = load_action_videos(smoke=False, frames=4, image_size=16, per_class=(1, 1, 1))
    [line] = announced(capsys.readouterr().out)
    assert line.startswith(f"OFFLINE: {UCF101} could not be downloaded (")
    assert line.endswith(
        "→ using generated moving shapes, 7 train / 7 val / 7 test videos (4 frames of 16x16) instead."
    )
    assert data.classes == ACTIONS and data.source == line


def test_without_opencv_falls_back_before_downloading(ucf_registry, no_cv2, server, capsys):
    ucf_registry()
    data = load_action_videos(smoke=False, frames=4, image_size=16, per_class=(1, 1, 1))
    [line] = announced(capsys.readouterr().out)
    assert line.startswith(f"OFFLINE: {UCF101} could not be downloaded (")
    assert "needs OpenCV, which is not installed" in line and "pip install opencv-python-headless" in line
    assert data.classes == ACTIONS and server.requests == []  # no 171 MB download for nothing


def test_ucf101_files_reads_the_layout_and_refuses_another(tmp_path):
    for split in ("train", "val", "test"):
        for action in MINI_ACTIONS:
            folder = tmp_path / "UCF101_subset" / split / action
            folder.mkdir(parents=True)
            (folder / f"v_{action}_g01_c01.avi").write_bytes(b"")
            (folder / "notes.txt").write_text("not a video")
    files = ucf101_files(tmp_path)  # the folder holding UCF101_subset/ works too
    assert [action for _, action in files["train"]] == list(MINI_ACTIONS)
    assert all(path.suffix == ".avi" for split in files.values() for path, _ in split)
    (tmp_path / "UCF101_subset" / "val" / "Extra").mkdir()
    (tmp_path / "UCF101_subset" / "val" / "Extra" / "v.avi").write_bytes(b"")
    with pytest.raises(ValueError, match="the splits have different actions"):
        ucf101_files(tmp_path / "UCF101_subset")
    with pytest.raises(ValueError, match=r"expected the layout UCF101_subset/\{train,val,test\}"):
        ucf101_files(tmp_path / "UCF101_subset" / "train")


def test_read_video_keeps_evenly_spaced_frames_and_repeats_a_short_one(tmp_path, fake_cv2):
    path = tmp_path / "v.avi"
    np.save(path.open("wb"), mini_video(3, frames=3))
    video = read_video(path, 5, 20)
    assert video.shape == (5, 3, 20, 20)
    assert video[:, 2].float().mean(dim=(1, 2)).tolist() == [0, 5, 10, 10, 10]  # 3 frames, the last repeated
    (tmp_path / "broken.avi").write_bytes(b"not a video")
    with pytest.raises(ValueError, match="no frame could be decoded"):
        read_video(tmp_path / "broken.avi", 4, 16)


def test_load_action_videos_refuses_bad_arguments():
    with pytest.raises(ValueError, match="smoke must be True or False"):
        load_action_videos(smoke=1)
    with pytest.raises(ValueError, match="per_class must be three counts"):
        load_action_videos(smoke=True, per_class=(1, 1))
    with pytest.raises(ValueError, match="real_per_class must be a positive int"):
        load_action_videos(smoke=True, real_per_class=0)


# --- the course mirror's miniature (tests/mirror/ucf101.py) -------------------------------------------


def test_the_mirror_miniature_holds_real_avi_videos_for_notebook_21(ucf_registry):
    """Notebook 21 online decodes, with OpenCV, at most 10 videos per action and split; the miniature's
    actions are learnable (a nearest-centroid classifier on each video's mean colour is right on
    held-out videos), and its videos move."""
    pytest.importorskip("cv2", reason="writing and decoding real .avi files needs OpenCV")
    from tests.mirror.ucf101 import build_ucf101_subset

    ucf_registry(data=build_ucf101_subset())
    data = load_action_videos(smoke=True, frames=16, image_size=32)
    assert (len(data.train), len(data.val), len(data.test)) == (70, 35, 35) and data.name == UCF101
    assert data.train.videos.shape[1:] == (16, 3, 32, 32)
    colour = lambda videos: videos.float().mean(dim=(1, 3, 4))  # noqa: E731
    centroids = torch.stack([colour(data.train.videos)[data.train.labels == c].mean(0) for c in range(7)])
    predicted = torch.cdist(colour(data.test.videos), centroids).argmin(1)
    assert (predicted == data.test.labels).float().mean() > 0.9
    assert (data.train.videos[:, 1:].float() - data.train.videos[:, :-1].float()).abs().mean() > 1
