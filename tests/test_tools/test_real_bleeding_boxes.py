# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/real_bleeding_boxes.py: YOLO boxes read in pixels, the inside test on
hand-made boxes, one-line errors for a bad folder or label, and the shares on the real
Auto-WCEBleedGen images of ../shared (skipped where a clone has no ../shared)."""
import importlib.util
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from tool_helpers import REPO_ROOT, run

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'real_bleeding_boxes.py')
WCE = osp.join(REPO_ROOT, '..', 'shared', 'realdata', 'Auto-WCEBleedGen', 'Datasets',
               'wce_dataset', 'valid')


def load_tool():
    spec = importlib.util.spec_from_file_location('real_bleeding_boxes', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_boxes_in_pixels_and_the_inside_test(tmp_path):
    tool = load_tool()
    label = tmp_path / 'a.txt'
    label.write_text('0 0.5 0.25 0.5 0.25\n\n0 0.1 0.9 0.2 0.2\n')
    boxes = tool.read_boxes(str(label), 200, 100)
    np.testing.assert_allclose(boxes, [[50, 12.5, 150, 37.5], [0, 80, 40, 100]])
    # pixel centres at integers: the box [50, 150] covers pixels 49.5 .. 149.5
    assert tool.inside_any(np.array([49.5, 20.0]), boxes)
    assert tool.inside_any(np.array([149.5, 20.0]), boxes)
    assert not tool.inside_any(np.array([150.0, 20.0]), boxes)
    assert tool.inside_any(np.array([10.0, 95.0]), boxes)
    assert not tool.inside_any(np.array([100.0, 60.0]), boxes)
    empty = tmp_path / 'e.txt'
    empty.write_text('')
    assert tool.read_boxes(str(empty), 10, 10).shape == (0, 4)


@pytest.mark.parametrize('line', ['0 0.5 0.5 0.2', '0 a 0.5 0.2 0.2'])
def test_malformed_label_is_one_line_naming_the_file(tmp_path, line):
    tool = load_tool()
    label = tmp_path / 'bad.txt'
    label.write_text('0 0.5 0.5 0.2 0.2\n' + line + '\n')
    with pytest.raises(ValueError, match=r'bad.txt, line 2: expected "class cx cy w h"'):
        tool.read_boxes(str(label), 64, 64)


def test_folder_problems_are_one_line(tmp_path):
    tool = load_tool()
    with pytest.raises(FileNotFoundError, match='needs images/ and labels/'):
        tool.load_bleeding_images(str(tmp_path))
    (tmp_path / 'images').mkdir()
    (tmp_path / 'labels').mkdir()
    cv2.imwrite(str(tmp_path / 'images' / 'x.jpg'), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / 'labels' / 'x.txt').write_text('')
    with pytest.raises(ValueError, match='no image with a bleeding box'):
        tool.load_bleeding_images(str(tmp_path))
    (tmp_path / 'images' / 'y.jpg').write_bytes(b'not an image')
    (tmp_path / 'labels' / 'y.txt').write_text('0 0.5 0.5 0.5 0.5\n')
    with pytest.raises(ValueError, match='y.jpg: not a readable image'):
        tool.load_bleeding_images(str(tmp_path))


@pytest.mark.skipif(not osp.isdir(WCE), reason='../shared/realdata is not in this clone')
def test_rules_on_the_real_capsule_images(tmp_path):
    out = tmp_path / 'table.md'
    done = run([sys.executable, TOOL, WCE, '--out-md', str(out)], timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    table = out.read_text()
    assert table.startswith('254 bleeding images')
    shares = {line.split('|')[1].strip(): float(line.split('|')[2].strip(' %'))
              for line in table.splitlines() if line.startswith('| ') and '%' in line}
    # the frame centre lands in a box about two times in three (the observation)
    assert 60.0 <= shares['frame centre (rule)'] <= 75.0
    assert 0.0 < shares['Red-Mask argmax (rule)'] < 100.0
