# Copyright (c) mmbleed contributors. All rights reserved.
"""vlsurgpt_to_labelme.py on a tiny fake VL-SurgPT tree (runs without the real data)."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys
from pathlib import Path

import pytest
from raw_layout_helpers import H, W, write_json, write_video

REPO = Path(__file__).parents[2]
SCRIPT = REPO / 'tools/dataset_converters/vlsurgpt_to_labelme.py'


def _converter():
    spec = importlib.util.spec_from_file_location('vlsurgpt_to_labelme', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def fake_src(tmp_path_factory) -> str:
    """Three sequences with distinct 64x48 videos (three patients), labels every 10 frames."""
    src = tmp_path_factory.mktemp('VL-SurgPT-Dataset')
    for k, n in enumerate((20, 21, 22)):
        seq = src / 'dataset' / 'tissue_with_text' / str(k) / 'left' / 'seq000'
        write_video(str(seq / 'frames' / 'clip.mp4'), n=n)
        labels = {'0': [[10.0, 20.0], [1, 1]], '10': [None, [2, 2]],
                  str(n - 1): [[64.0, 48.0], [3, 3]]}
        write_json(str(seq / 'segmentation' / 'labels.json'), labels)
    return str(src)


def test_points_are_continuous_and_converted(fake_src, tmp_path):
    out = str(tmp_path / 'out')
    result = _converter().convert_vlsurgpt(fake_src, out, show_progress=False)
    assert [c['split'] for c in result['clips']] == ['train', 'val', 'test']
    with open(osp.join(out, 'labelme/VL000/tissue0_seq000/000000.json')) as f:
        assert json.load(f)['shapes'][0]['points'] == [[10.0, 20.0]]  # copied as is
    with open(osp.join(out, 'annotations/train.json')) as f:
        (clip, ) = json.load(f)['data_list']
    assert (clip['width'], clip['height']) == (W, H)
    assert clip['annotations'] == [
        dict(frame=0, point=[9.5, 19.5], visible=True),
        dict(frame=10, point=None, visible=False),
        dict(frame=19, point=[63.5, 47.5], visible=True),
    ]
    assert osp.isfile(osp.join(out, 'vlsurgpt.json'))
    # running again into its own output is fine
    _converter().convert_vlsurgpt(fake_src, out, show_progress=False)


def test_never_overwrites_expert_annotations(fake_src, tmp_path):
    root = tmp_path / 'hospital'
    expert = root / 'labelme' / 'VL000' / 'tissue0_seq000' / '000000.json'
    expert.parent.mkdir(parents=True)
    expert.write_text('{"expert": true}')
    (root / 'clips.csv').write_text('expert csv')
    with pytest.raises(FileExistsError, match='not written by vlsurgpt_to_labelme.py'):
        _converter().convert_vlsurgpt(fake_src, str(root), show_progress=False)
    assert expert.read_text() == '{"expert": true}'
    assert (root / 'clips.csv').read_text() == 'expert csv'
    assert not (root / 'videos').exists() and not (root / 'vlsurgpt.json').exists()

    proc = subprocess.run([sys.executable, str(SCRIPT), fake_src, str(root)],
                          capture_output=True, text=True, cwd=str(REPO))
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    (line, ) = proc.stderr.strip().splitlines()
    assert line.startswith(f'error: {root}: not empty and not written by '
                           'vlsurgpt_to_labelme.py'), line
    assert expert.read_text() == '{"expert": true}'


def test_too_few_patients(fake_src, tmp_path):
    src = tmp_path / 'two'
    for k in (0, 1):
        seq = Path(fake_src) / 'dataset' / 'tissue_with_text' / str(k)
        dst = src / 'dataset' / 'tissue_with_text' / str(k)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.symlink_to(seq)
    with pytest.raises(ValueError, match='at least 3 patients'):
        _converter().convert_vlsurgpt(str(src), str(tmp_path / 'out'),
                                      show_progress=False)
    assert not (tmp_path / 'out').exists()
