"""The UCF101 subset for the test mirror: UCF101_subset.tar.gz in the real layout, with real .avi videos.

The real archive (a plain tar despite its name) holds
`UCF101_subset/{train,val,test}/<Action>/v_<Action>_gXX_cYY.avi`: Motion-JPEG AVI files, the groups
`gXX` (one scene each) of a split never in another. The miniature has the same layout and format, the
AVI files written by OpenCV's `VideoWriter` (MJPG), so the loader decodes real videos with OpenCV:
7 of the subset's actions, 10 / 5 / 5 videos per action in train / val / test (notebook 21 reads at
most 10 per action and split in SMOKE mode), 16 frames of 128x96 pixels each.

TEST-ONLY content: no action videos ship offline, so each video is a generated moving shape
(`utils.data.clips.make_video`, one motion per action, drawn at 32 pixels and enlarged 3 times) on a background tinted with its action's
colour: as in real UCF101, where the scene (a bow, a court, a barbell) often gives the action away,
one frame already tells the actions apart, and the motion tells them apart too.

Example:
    >>> data = FILES["ucf101-subset"]()  # doctest: +SKIP
    >>> tarfile.open(fileobj=io.BytesIO(data)).getnames()[0]  # doctest: +SKIP
    'UCF101_subset/train/ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi'
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from utils.data.clips import ACTIONS, make_video

# Seven of the subset's ten actions, each played by one motion of the generated videos.
MOTIONS = dict(
    zip(
        (
            "ApplyEyeMakeup",
            "Archery",
            "BabyCrawling",
            "BalanceBeam",
            "BandMarching",
            "BaseballPitch",
            "Basketball",
        ),
        ACTIONS,
    )
)
TINTS = np.array(  # BGR tint of each action's background, mixed in at 35 %
    [
        (40, 40, 200),
        (40, 200, 40),
        (200, 40, 40),
        (40, 200, 200),
        (200, 40, 200),
        (200, 200, 40),
        (128, 128, 128),
    ]
)
COUNTS = {"train": 10, "val": 5, "test": 5}  # videos per action and split
FIRST_GROUP = {"train": 8, "val": 1, "test": 4}  # UCF101's groups: train g08.., val g01.., test g04..
FRAMES, HEIGHT, WIDTH, DRAWN = 16, 96, 128, 32  # DRAWN: the side make_video draws
FPS = 25


def write_avi(frames_bgr: np.ndarray) -> bytes:
    """Frames (T, H, W, 3) uint8 BGR → the bytes of a Motion-JPEG .avi written by OpenCV."""
    import cv2

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "video.avi"
        height, width = frames_bgr.shape[1:3]
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (width, height))
        if not writer.isOpened():
            raise RuntimeError("OpenCV cannot write MJPG .avi files here")
        for frame in frames_bgr:
            writer.write(np.ascontiguousarray(frame))
        writer.release()
        return path.read_bytes()


def video(label: int, rng: np.random.Generator) -> np.ndarray:
    """One video of action `label`: (FRAMES, HEIGHT, WIDTH, 3) uint8 BGR, the square scene centred."""
    motion = list(MOTIONS.values())[label]
    frames = make_video(motion, FRAMES, DRAWN, rng).permute(0, 2, 3, 1).numpy()[..., ::-1]  # RGB → BGR
    frames = frames.repeat(HEIGHT // DRAWN, axis=1).repeat(HEIGHT // DRAWN, axis=2)
    tinted = 0.65 * frames + 0.35 * TINTS[label]
    pad = (WIDTH - HEIGHT) // 2
    wide = np.pad(tinted, ((0, 0), (0, 0), (pad, WIDTH - HEIGHT - pad), (0, 0)), mode="edge")
    return wide.round().clip(0, 255).astype(np.uint8)


def build_ucf101_subset() -> bytes:
    """UCF101_subset.tar.gz: a plain tar of the three splits, action by action."""
    rng = np.random.default_rng(101)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:  # plain tar, as the real .tar.gz is
        for split, count in COUNTS.items():
            for label, action in enumerate(MOTIONS):
                for index in range(count):
                    group = FIRST_GROUP[split] + index // 2
                    name = f"UCF101_subset/{split}/{action}/v_{action}_g{group:02d}_c{index % 2 + 1:02d}.avi"
                    data = write_avi(video(label, rng))
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


FILES: dict[str, Callable[[], bytes]] = {"ucf101-subset": build_ucf101_subset}
WEIGHTS: list[tuple[str, str]] = [("r3d_18", "KINETICS400_V1")]  # fine-tuned in notebook 21
