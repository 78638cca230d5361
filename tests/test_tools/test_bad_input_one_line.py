# Copyright (c) mmbleed contributors. All rights reserved.
"""Every kind of baseline meets bad input the same way through tools/test.py: one line that
names the file and the problem, exit status 1, no traceback, also when the error comes from a
dataloader worker. Covered: a hand-crafted source rule (Red-Mask), a tracker (static point)
and an mmdet YOLO-style detector (RTMDet-tiny), on a corrupt video and on an annotation point
outside the frame."""
import json
import os
import os.path as osp
import shutil

import pytest

from tool_helpers import REPO_ROOT, explain, python_tool


def copy_root(src: str, dst: str) -> str:
    """The root's annotation files copied, its videos linked (never modified in place)."""
    os.makedirs(dst)
    shutil.copytree(osp.join(src, 'annotations'), osp.join(dst, 'annotations'))
    shutil.copytree(osp.join(src, 'videos'), osp.join(dst, 'videos'), symlinks=True)
    return dst


def first_test_clip(root: str) -> dict:
    with open(osp.join(root, 'annotations', 'test.json')) as f:
        return json.load(f)['data_list'][0]


def corrupt_first_video(root: str) -> str:
    video = osp.join(root, first_test_clip(root)['video'])
    with open(osp.realpath(video), 'rb') as f:
        head = f.read(4000)
    os.remove(video)  # the link, not the file it points to
    with open(video, 'wb') as f:
        f.write(head)
    return video


def point_outside_the_frame(root: str) -> None:
    path = osp.join(root, 'annotations', 'test.json')
    with open(path) as f:
        content = json.load(f)
    entry = content['data_list'][0]
    visible = next(a for a in entry['annotations'] if a.get('point') is not None)
    visible['point'] = [entry['width'] + 40.0, 10.0]
    with open(path, 'w') as f:
        json.dump(content, f)


@pytest.fixture(scope='module')
def rtmdet_checkpoint(tmp_path_factory):
    """Random weights for RTMDet-tiny (the bad input must be caught before they matter)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope

    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs/baselines/rtmdet-tiny_synthetic-esd-small.py'))
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    path = str(tmp_path_factory.mktemp('rtmdet') / 'random.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


CASES = {
    'red-mask': ('configs/baselines/red-mask_synthetic-esd-small.py', 'detection'),
    'static-point': ('configs/baselines/static-point_synthetic-esd-small.py', 'tracking'),
    'rtmdet-tiny': ('configs/baselines/rtmdet-tiny_synthetic-esd-small.py', 'detection'),
}


@pytest.mark.parametrize('problem', ['corrupt video', 'point outside the frame'])
@pytest.mark.parametrize('name', list(CASES))
def test_baselines_meet_bad_input_with_one_line(name, problem, tiny_esd, tmp_path, request):
    config, kind = CASES[name]
    src = tiny_esd if kind == 'detection' else osp.join(osp.dirname(tiny_esd), 'tracking')
    root = copy_root(src, str(tmp_path / 'root'))
    if problem == 'corrupt video':
        expected = corrupt_first_video(root)
    else:
        point_outside_the_frame(root)
        expected = 'is outside the'
    args = ['tools/test.py', config]
    if name == 'rtmdet-tiny':
        args.append(request.getfixturevalue('rtmdet_checkpoint'))
    out = python_tool(*args, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                      f'test_dataloader.dataset.data_root={root}/',
                      'test_dataloader.num_workers=1')
    assert out.returncode == 1, explain(out)
    assert 'Traceback' not in out.stderr, explain(out)
    # FFmpeg's own complaint about the file comes from the worker, in any order, and may
    # share the line: our line is what follows 'error: '
    errors = [line[line.index('error: '):] for line in out.stderr.splitlines()
              if 'error: ' in line]
    assert len(errors) == 1 and expected in errors[0], explain(out)
