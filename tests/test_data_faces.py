"""Tests for utils.data.faces: generated identities, the LFW pairs parser, and `load_faces` through each
source of its chain.

No internet: the LFW path runs on a miniature lfw-funneled.tgz in the exact layout of the real one
(lfw_funneled/<Name>/<Name>_NNNN.jpg, 250x250 JPEG files written with Pillow) and a miniature
pairsDevTest.txt (header line, then genuine "name n1 n2" and impostor "name1 n1 name2 n2" lines),
served under figshare-like names without an extension by a local HTTP server (see conftest.py).
Each miniature photo is one flat grey level that says which file it is.
"""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest
import torch
from PIL import Image

from tests.conftest import announced, closed_port_url
from utils.data.faces import (
    N_PARAMS,
    PARAMS,
    FaceData,
    generated_faces,
    load_faces,
    make_identities,
    read_pairs,
    render_faces,
)

PEOPLE = {"Ann_A": 3, "Bob_B": 2, "Cid_C": 1, "Dee_D": 4, "Eve_E": 5, "Fay_F": 2}  # photos per person
PAIRS = "3\nAnn_A\t1\t2\nBob_B\t1\t2\nAnn_A\t3\tCid_C\t1\n"  # test people: Ann, Bob, Cid


def grey(name: str, number: int) -> int:
    return 10 + 40 * sorted(PEOPLE).index(name) + 5 * number


def miniature_tgz() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, count in PEOPLE.items():
            for number in range(1, count + 1):
                jpeg = io.BytesIO()
                Image.new("RGB", (250, 250), (grey(name, number),) * 3).save(jpeg, format="JPEG", quality=95)
                info = tarfile.TarInfo(f"lfw_funneled/{name}/{name}_{number:04d}.jpg")
                info.size = len(jpeg.getvalue())
                archive.addfile(info, io.BytesIO(jpeg.getvalue()))
    return buffer.getvalue()


def item(name: str, url: str, data: bytes) -> dict:
    return {
        "name": name,
        "description": f"a miniature {name}",
        "urls": [url],
        "checksum": f"sha256:{hashlib.sha256(data).hexdigest()}",
        "size_bytes": len(data),
        "license": "CC0",
        "notebooks": ["15_face_recognition"],
        "fallback": "generated faces",
        "archive": False,
        "checksum_source": "computed by the test",
    }


@pytest.fixture
def lfw_registry(use_registry, server, cache):
    def use(state: str = "online") -> None:
        archive, pairs = miniature_tgz(), PAIRS.encode()
        if state == "offline":
            use_registry(
                item("lfw-funneled", closed_port_url("5976015"), archive),
                item("lfw-pairs-devtest", closed_port_url("5976009"), pairs),
            )
            return
        archive_url = server.add("5976015", archive)
        pairs_url = server.add("5976009", pairs)
        use_registry(item("lfw-funneled", archive_url, archive), item("lfw-pairs-devtest", pairs_url, pairs))

    return use


# --- generated identities ------------------------------------------------------------------------


def test_make_identities_is_seeded_and_in_range():
    a, b = make_identities(5, seed=3), make_identities(5, seed=3)
    assert a.shape == (5, N_PARAMS) == (5, len(PARAMS)) and torch.equal(a, b)
    assert a.min() >= 0 and a.max() <= 1 and not torch.equal(a, make_identities(5, seed=4))
    with pytest.raises(ValueError, match="n must be a positive int"):
        make_identities(0)


def test_render_faces_same_identity_varies_only_with_jitter():
    ids = make_identities(2, seed=0)
    images = render_faces(ids, torch.tensor([0, 0, 1]), image_size=24, seed=1)
    assert images.shape == (3, 3, 24, 24) and images.dtype == torch.float32
    assert images.min() >= 0 and images.max() <= 1
    still = render_faces(ids, torch.tensor([0, 0, 1]), image_size=24, seed=1, jitter=0)
    assert torch.allclose(still[0], still[1])  # no jitter: the same picture twice
    assert not torch.allclose(still[0], still[2], atol=0.05)  # another identity: another face
    assert not torch.allclose(images[0], images[1], atol=0.05)  # jitter: the same face, another picture
    assert torch.equal(images, render_faces(ids, torch.tensor([0, 0, 1]), image_size=24, seed=1))


def test_rendering_stays_in_float32():
    """float64 intermediates (numpy's random numbers) made full mode's 9,000 faces twice as slow."""
    import numpy as np

    from utils.data.faces import _render_chunk

    p = make_identities(3, seed=0).numpy()
    assert _render_chunk(p, np.random.default_rng(0), 16, 1.0).dtype == np.float32


def test_render_faces_refuses_bad_input():
    ids = make_identities(2)
    with pytest.raises(ValueError, match="identities must have shape"):
        render_faces(ids[:, :3], torch.tensor([0]))
    with pytest.raises(ValueError, match="labels must be ids from 0 to 1"):
        render_faces(ids, torch.tensor([2]))
    with pytest.raises(ValueError, match="image_size must be an int from 16 to 250"):
        render_faces(ids, torch.tensor([0]), image_size=8)
    with pytest.raises(ValueError, match="jitter must be a number"):
        render_faces(ids, torch.tensor([0]), jitter=-1)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        render_faces(ids + 2, torch.tensor([0]))


def test_generated_faces_keeps_test_identities_apart_and_balances_pairs():
    train, test, pairs, same, ids = generated_faces(5, 3, 4, 3, image_size=16, seed=2)
    (train_x, train_y), (test_x, test_y) = train.tensors, test.tensors
    assert train_x.shape == (15, 3, 16, 16) and test_x.shape == (12, 3, 16, 16) and ids.shape == (9, N_PARAMS)
    assert train_y.tolist() == [0, 1, 2, 3, 4] * 3 and sorted(set(test_y.tolist())) == [0, 1, 2, 3]
    assert int(same.sum()) == 4 * 3 == len(same) // 2  # every genuine pair, as many impostors
    assert torch.equal(same, (test_y[pairs[:, 0]] == test_y[pairs[:, 1]]).long())
    assert (pairs[:, 0] != pairs[:, 1]).all()


def test_offline_load_faces_announces_generated_faces(lfw_registry, capsys):
    lfw_registry("offline")
    faces = load_faces(smoke=True, seed=1, image_size=16)
    assert isinstance(faces, FaceData) and faces.name == "generated faces"
    (line,) = announced(capsys.readouterr().out)
    assert line.startswith("OFFLINE: LFW (funneled) could not be downloaded (")
    assert "→ using generated faces: 40 training identities x 10 pictures" in line and faces.source == line
    assert len(faces.train) == 400 and len(faces.test) == 200 and faces.identities.shape == (60, N_PARAMS)
    assert faces.test_names[0] == "id 40" and len(faces.train_names) == 40


# --- LFW ----------------------------------------------------------------------------------------


def test_read_pairs_reads_genuine_and_impostor_lines(tmp_path):
    (tmp_path / "pairs.txt").write_text(PAIRS)
    assert read_pairs(tmp_path / "pairs.txt") == [
        ("Ann_A", 1, "Ann_A", 2),
        ("Bob_B", 1, "Bob_B", 2),
        ("Ann_A", 3, "Cid_C", 1),
    ]
    (tmp_path / "bad.txt").write_text("1\nAnn_A\tone\ttwo\n")
    with pytest.raises(ValueError, match="line 2: expected"):
        read_pairs(tmp_path / "bad.txt")
    (tmp_path / "empty.txt").write_text("10\t300\n")
    with pytest.raises(ValueError, match="holds no pairs"):
        read_pairs(tmp_path / "empty.txt")


def test_full_mode_reads_the_test_pairs_and_trains_on_other_people(lfw_registry, server, cache, capsys):
    lfw_registry()
    faces = load_faces(smoke=False, seed=0, image_size=20)
    assert faces.name == "LFW (funneled)" and faces.identities is None
    assert faces.test_names == ("Ann_A", "Bob_B", "Cid_C")
    assert set(faces.train_names) == {"Dee_D", "Eve_E", "Fay_F"}  # not in any test pair, 2+ photos
    test_x, test_y = faces.test.tensors
    assert test_x.shape == (6, 3, 20, 20)  # the photos named in the pairs: Ann 1-3, Bob 1-2, Cid 1
    seen = {(faces.test_names[y], round(x.mean().item() * 255)) for x, y in zip(test_x, test_y.tolist())}
    photos = [("Ann_A", 1), ("Ann_A", 2), ("Ann_A", 3), ("Bob_B", 1), ("Bob_B", 2), ("Cid_C", 1)]
    assert all(any(n == name and abs(g - grey(name, k)) <= 2 for n, g in seen) for name, k in photos)
    assert faces.same.tolist() == [1, 1, 0]
    for (i, j), same in zip(faces.pairs.tolist(), faces.same.tolist()):
        assert (test_y[i] == test_y[j]).item() == bool(same)
    train_x, train_y = faces.train.tensors
    assert len(train_x) == 4 + 5 + 2 and sorted(train_y.bincount().tolist()) == [2, 4, 5]
    for x, y in zip(train_x, train_y.tolist()):  # each photo keeps its person's label
        name = faces.train_names[y]
        assert any(abs(x.mean().item() * 255 - grey(name, k)) < 2 for k in range(1, PEOPLE[name] + 1))
    assert sorted(server.requests) == ["/5976009", "/5976015"]
    (line,) = announced(capsys.readouterr().out)
    assert line.startswith("DATA: LFW (funneled), 11 training photos of 3 people, 3 test pairs (2 genuine)")
    assert (cache / "lfw-funneled" / "lfw-funneled.tgz").exists()


def test_smoke_takes_people_with_four_photos(lfw_registry):
    lfw_registry()
    faces = load_faces(smoke=True, seed=0, image_size=16)
    assert set(faces.train_names) == {"Dee_D", "Eve_E"}  # SMOKE: 4+ photos each, at most 8
    assert sorted(faces.same.tolist()) == [0, 1, 1]  # up to 50 + 50 of the listed pairs: all 3 here


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="smoke must be True or False"):
        load_faces(smoke=1)
    with pytest.raises(ValueError, match="image_size must be an int from 16 to 250"):
        load_faces(smoke=True, image_size=300)
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        load_faces(smoke=True, seed=-1)


def test_the_mirror_miniature_has_smoke_sizes_and_few_photo_people(use_registry, server, cache, capsys):
    """tests/mirror/lfw.py (notebook 15's online run) in SMOKE and full mode: 40 training people, 50 + 50
    pairs in SMOKE; test people with a single photo, as in LFW, are read and never used for training."""
    from tests.mirror.lfw import N_GENUINE, N_IMPOSTOR, N_TRAIN, lfw_funneled_tgz, pairs_text

    archive, pairs = lfw_funneled_tgz(), pairs_text().encode()
    use_registry(
        item("lfw-funneled", server.add("5976015", archive), archive),
        item("lfw-pairs-devtest", server.add("5976009", pairs), pairs),
    )
    smoke = load_faces(smoke=True, seed=15, image_size=32)
    assert smoke.name == "LFW (funneled)" and len(smoke.train_names) == 40
    assert len(smoke.pairs) == 100 and int(smoke.same.sum()) == 50
    assert all(name.startswith("Train_Person") for name in smoke.train_names)  # 4+ photos each
    assert 4 * 40 <= len(smoke.train) <= 8 * 40
    counts = smoke.test.tensors[1].bincount()
    assert counts.min() == 1 and counts.max() >= 2  # single-photo people and people with several
    full = load_faces(smoke=False, seed=15, image_size=32)
    assert len(full.pairs) == N_GENUINE + N_IMPOSTOR and int(full.same.sum()) == N_GENUINE
    assert len(full.train_names) > N_TRAIN  # full mode: 2+ photos, so some few-photo people too
    assert not set(full.train_names) & set(full.test_names)
    assert "OFFLINE" not in capsys.readouterr().out
