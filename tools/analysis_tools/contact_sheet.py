# Copyright (c) mmbleed contributors. All rights reserved.
"""Contact sheet: real surgical frames beside synthetic ESD frames (one per scenario, and sites).

Row 1 holds real frames from ``../shared/realdata`` (SurgT in-vivo tissue with blood,
VL-SurgPT clips, a capsule-endoscopy bleeding image) when that folder exists; the next rows
hold generated frames: one per scenario, one per site preset (the true source circled, green
when visible, orange when hidden, with the region it lies in), and one per event a tracker
must bridge (the source hidden by water, the knife or pooled blood; a camera excursion;
cautery smoke).

Example::

    python tools/analysis_tools/contact_sheet.py --out docs/contact_sheet.png
"""
import argparse
import glob
import os
import os.path as osp
import sys
from typing import List, Optional, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log

# Run the mmbleed of this checkout rather than an older installed copy (as
# dist_train.sh does with PYTHONPATH); the copy `mim` runs has no checkout around it.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmbleed.datasets import ClipReader
from mmbleed.datasets.synthetic import SCENARIOS, SITE_PRESETS, ClipSpec, render_clip_frames

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TILE = (256, 218)  # (w, h)


def _fit(img: np.ndarray, size: Tuple[int, int] = TILE) -> np.ndarray:
    """Letterbox ``img`` into a ``size`` tile."""
    w, h = size
    s = min(w / img.shape[1], h / img.shape[0])
    small = cv2.resize(img, (max(1, int(img.shape[1] * s)), max(1, int(img.shape[0] * s))),
                       interpolation=cv2.INTER_AREA)
    tile = np.zeros((h, w, 3), np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    tile[y:y + small.shape[0], x:x + small.shape[1]] = small
    return tile


def _label(tile: np.ndarray, text: str, colour=(255, 255, 255)) -> np.ndarray:
    cv2.rectangle(tile, (0, 0), (tile.shape[1], 16), (0, 0, 0), -1)
    cv2.putText(tile, text, (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.38, colour, 1, cv2.LINE_AA)
    return tile


def _video_frame(path: str, index: int) -> Optional[np.ndarray]:
    """Frame ``index`` of a video (None when it cannot be read)."""
    try:
        with ClipReader(video_path=path) as reader:
            return reader.get(index)
    except (OSError, IndexError):  # VideoReadError is an OSError
        return None


def real_tiles(realdata: str) -> List[np.ndarray]:
    """Labelled tiles of real frames (empty when ``realdata`` is missing)."""
    tiles = []
    for name in ('0003.png', '0007.png'):
        img = cv2.imread(osp.join(realdata, 'SurgT_labelling', 'data', 'left', name))
        if img is not None:
            tiles.append(_label(_fit(img), f'REAL SurgT {name}', (120, 255, 120)))
    vids = sorted(glob.glob(osp.join(realdata, 'VL-SurgPT-Dataset', 'dataset', '*', '0', 'left',
                                     '*', 'frames', '*.mp4')))
    for v in vids[1:3]:
        frame = _video_frame(v, 60)
        if frame is not None:
            kind = v.split(os.sep)[-6].split('_')[0]
            tiles.append(_label(_fit(frame), f'REAL VL-SurgPT {kind}', (120, 255, 120)))
    wce = sorted(glob.glob(osp.join(realdata, 'Auto-WCEBleedGen', 'Datasets', 'wce_dataset',
                                    'valid', 'labels', '*.txt')))
    for lab in wce:
        if os.path.getsize(lab) > 0:
            stem = osp.splitext(osp.basename(lab))[0]
            img = cv2.imread(osp.join(osp.dirname(osp.dirname(lab)), 'images', stem + '.jpg'))
            if img is not None:
                tiles.append(_label(_fit(img), 'REAL WCE bleeding', (120, 255, 120)))
                break
    return tiles


def _mark(tile_src: np.ndarray, xy: np.ndarray, visible: bool) -> np.ndarray:
    """A copy of a frame with the true source circled (green: visible, orange: hidden)."""
    img = tile_src.copy()
    colour = (80, 255, 80) if visible else (0, 160, 255)
    cv2.circle(img, (int(round(xy[0])), int(round(xy[1]))), 9, colour, 1, cv2.LINE_AA)
    return img


def synthetic_tiles(seed: int = 0
                    ) -> Tuple[List[np.ndarray], List[np.ndarray], List[np.ndarray]]:
    """(one tile per scenario, one per site with the source circled, one per memory event),
    small preset."""
    sites = list(SITE_PRESETS)
    scen = []
    for i, name in enumerate(SCENARIOS):
        spec = ClipSpec('P000', f'S{i}', sites[i % len(sites)], 44, 8, (seed, 9, i),
                        num_tracks=8, scenarios=(name, ))
        frames, gt = render_clip_frames(spec)
        act = gt['scenario_active'][:, i]
        after = np.nonzero(act[20:])[0]
        t = 20 + int(after[len(after) // 2]) if len(after) else 40
        scen.append(_label(_fit(frames[t]), f'SYN {name} t+{t - 8}'))
    site_tiles = []
    for i, site in enumerate(sites):
        spec = ClipSpec('P000', f'C{i}', site, 40, 12, (seed, 10, i), num_tracks=8,
                        scenarios=('clear view', ))
        frames, gt = render_clip_frames(spec)
        marked = _mark(frames[-1], gt['source_xy'][-1], bool(gt['source_visible'][-1]))
        site_tiles.append(_label(_fit(marked), f'SYN {site}: {gt["source_region"]}'))
    events = []
    for i, (name, kw) in enumerate([
            ('hidden: water', dict(hide_events=(('water', 14, 34), ))),
            ('hidden: knife', dict(hide_events=(('instrument', 14, 34), ))),
            ('hidden: pooled blood', dict(hide_events=(('blood', 14, 34), ))),
            ('camera excursion', dict(excursions=((8, 40, 0.9), ))),
            ('cautery smoke', dict(scenarios=('obscured view', )))]):
        kw.setdefault('scenarios', ('clear view', ))
        spec = ClipSpec('P000', f'E{i}', sites[(i + 3) % len(sites)], 40, 0, (seed, 11, i),
                        num_tracks=8, **kw)
        frames, gt = render_clip_frames(spec)
        t = 24
        marked = _mark(frames[t], gt['source_xy'][t], bool(gt['source_visible'][t]))
        events.append(_label(_fit(marked), f'SYN {name} t={t}'))
    return scen, site_tiles, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--realdata', default=osp.join(REPO, '..', 'shared', 'realdata'))
    parser.add_argument('--out', default=osp.join(REPO, 'docs', 'contact_sheet.png'))
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()

    if osp.isdir(args.realdata):
        real = real_tiles(args.realdata)
    else:
        real = []
        print_log(f'{args.realdata} not found: the contact sheet shows generated frames only '
                  '(no real frames to compare with)', logger='current', level=30)
    scen, sites, events = synthetic_tiles(args.seed)
    cols = max(len(real), len(scen), len(events), (len(sites) + 1) // 2)
    blank = np.zeros((TILE[1], TILE[0], 3), np.uint8)

    def row(tiles):
        return np.hstack(tiles + [blank] * (cols - len(tiles)))

    half = (len(sites) + 1) // 2
    rows = ([row(real)] if real else []) + [row(scen), row(sites[:half]), row(sites[half:]),
                                            row(events)]
    sheet = np.vstack(rows)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, sheet, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print_log(f'contact sheet {sheet.shape[1]}x{sheet.shape[0]} -> {args.out} '
              f'({osp.getsize(args.out) / 1e6:.2f} MB)', logger='current')


if __name__ == '__main__':
    main()
