# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/support_ceiling.py: the source carried by the generator's tissue
tracks lands on the annotated source; one line when the split is missing."""
import os.path as osp
import re

from tool_helpers import explain, python_tool


def test_the_tissue_tracks_carry_the_source_onto_its_annotation(tiny_esd):
    root = osp.join(osp.dirname(tiny_esd), 'tracking')
    out = python_tool('tools/analysis_tools/support_ceiling.py', root, '--splits', 'train',
                      'val')
    assert out.returncode == 0, explain(out)
    points = int(re.search(r'(\d+) annotated points', out.stdout).group(1))
    scores = re.findall(r'PCK@5% ([\d.]+) %.*Err_avg ([\d.]+) px', out.stdout)
    (carried_pck5, carried_err), (static_pck5, static_err) = [tuple(map(float, s))
                                                              for s in scores]
    assert points >= 4 and carried_pck5 == 100.0 and carried_err < 8.0, out.stdout
    assert carried_err < static_err / 2, out.stdout  # the camera moved the source


def test_a_missing_split_is_one_line(tmp_path):
    out = python_tool('tools/analysis_tools/support_ceiling.py', str(tmp_path))
    assert out.returncode == 1 and 'not found' in out.stderr and 'Traceback' not in out.stderr
