# Copyright (c) mmbleed contributors. All rights reserved.
"""How often a source localizer's point lands in a real bleeding box (a look, never a tune).

Reads a YOLO-format folder of real endoscopy images with bleeding boxes (``images/*.jpg`` and
``labels/*.txt``, one ``class cx cy w h`` line per box, normalised; an empty label file is an
image without bleeding), e.g. the Auto-WCEBleedGen capsule-endoscopy validation images, and
reports, for every bleeding image, whether the predicted point falls inside one of its boxes:
for each model given (config + checkpoint), the hand-crafted Red-Mask argmax and the frame
centre, side by side. Nothing here trains or tunes on these images.

A model trained with a look-ahead (``lookahead`` > 0, an onset frame plus a later frame) gets
the image as its own evidence frame: a still image shows no red appearing, so that model runs
outside what it was made for; its row says so.

Example::

    python tools/analysis_tools/real_bleeding_boxes.py \\
        ../shared/realdata/Auto-WCEBleedGen/Datasets/wce_dataset/valid \\
        --model "source module" CONFIG CHECKPOINT --out-md work_dirs/real_bleeding_boxes.md
"""
import argparse
import glob
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)  # this checkout's mmbleed, as tools/train.py does


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('folder', help='a folder with images/ and labels/ (YOLO format)')
    parser.add_argument('--model', nargs=3, action='append', default=[],
                        metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
                        help='a source localizer to score (repeatable)')
    parser.add_argument('--out-md', help='also write the table to this Markdown file')
    return parser.parse_args()


def read_boxes(label_file: str, width: int, height: int) -> np.ndarray:
    """``(N, 4)`` boxes ``x0, y0, x1, y1`` in pixels from a YOLO label file (empty: none)."""
    boxes = []
    with open(label_file, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            try:
                if len(fields) != 5:
                    raise ValueError
                _, cx, cy, bw, bh = (float(v) for v in fields)
            except ValueError:
                raise ValueError(f'{label_file}, line {number}: expected "class cx cy w h" '
                                 f'(normalised numbers), got {line.strip()!r}') from None
            boxes.append([(cx - bw / 2) * width, (cy - bh / 2) * height,
                          (cx + bw / 2) * width, (cy + bh / 2) * height])
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def inside_any(point: np.ndarray, boxes: np.ndarray) -> bool:
    """Whether ``(x, y)`` lies in one of the ``(N, 4)`` boxes (edges included, pixel
    centres at integers: a box's pixels span ``[x0 - 0.5, x1 - 0.5]``)."""
    x, y = float(point[0]) + 0.5, float(point[1]) + 0.5
    return bool(np.any((boxes[:, 0] <= x) & (x <= boxes[:, 2]) & (boxes[:, 1] <= y) &
                       (y <= boxes[:, 3])))


def load_bleeding_images(folder: str) -> List[Tuple[str, np.ndarray, np.ndarray]]:
    """``(name, BGR image, boxes)`` of every image whose label file has a box."""
    image_dir, label_dir = osp.join(folder, 'images'), osp.join(folder, 'labels')
    for d in (image_dir, label_dir):
        if not osp.isdir(d):
            raise FileNotFoundError(f'{d} does not exist: the folder needs images/ and labels/')
    items = []
    for path in sorted(glob.glob(osp.join(image_dir, '*'))):
        stem = osp.splitext(osp.basename(path))[0]
        label = osp.join(label_dir, stem + '.txt')
        if not osp.isfile(label):
            continue
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f'{path}: not a readable image')
        boxes = read_boxes(label, image.shape[1], image.shape[0])
        if len(boxes):
            items.append((stem, image, boxes))
    if not items:
        raise ValueError(f'{folder}: no image with a bleeding box found')
    return items


class ModelPredictor:
    """A registered mmbleed source localizer run on one still image through its test step."""

    def __init__(self, config: str, checkpoint: Optional[str]) -> None:
        from mmengine.config import Config
        from mmengine.runner import load_checkpoint

        import mmbleed  # noqa: F401
        from mmbleed.registry import MODELS
        cfg = Config.fromfile(config)
        self.model = MODELS.build(cfg.model)
        if checkpoint:
            load_checkpoint(self.model, checkpoint, map_location='cpu')
        self.model.eval()
        codec = getattr(self.model, 'codec', None)
        self.input_size = tuple(codec.input_size) if codec is not None else None
        self.lookahead = int(getattr(self.model, 'lookahead', 0))

    def __call__(self, image: np.ndarray) -> np.ndarray:
        import torch

        from mmbleed.structures import BleedDataSample
        h, w = image.shape[:2]
        resized = image
        if self.input_size is not None:
            resized = cv2.resize(image, self.input_size, interpolation=cv2.INTER_LINEAR)
        tensor = torch.from_numpy(resized.transpose(2, 0, 1).copy())
        sample = BleedDataSample()
        sample.set_metainfo(dict(scale_factor=(resized.shape[1] / w, resized.shape[0] / h),
                                 ori_shape=(h, w), img_shape=resized.shape[:2]))
        if self.lookahead:
            sample.pseudo_inputs = tensor[None]  # the still image is its own evidence frame
        with torch.no_grad():
            out = self.model.test_step(dict(inputs=[tensor], data_samples=[sample]))
        return np.asarray(out[0].pred_point, dtype=np.float64)


def frame_centre(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    return np.array([(w - 1) / 2, (h - 1) / 2])


def score(items: Sequence[Tuple[str, np.ndarray, np.ndarray]], predictors: Dict[str, object]
          ) -> Dict[str, float]:
    from mmengine.utils import ProgressBar
    hits = {name: 0 for name in predictors}
    bar = ProgressBar(len(items))
    for _, image, boxes in items:
        for name, predict in predictors.items():
            hits[name] += inside_any(predict(image), boxes)
        bar.update()
    return {name: hits[name] / len(items) for name in predictors}


def main() -> None:
    args = parse_args()
    items = load_bleeding_images(args.folder)
    predictors: Dict[str, object] = {}
    notes: Dict[str, str] = {}
    for name, config, checkpoint in args.model:
        predictor = ModelPredictor(config, checkpoint)
        predictors[name] = predictor
        notes[name] = (f'look-ahead model (Δ={predictor.lookahead}) given the still image as '
                       'its own evidence frame' if predictor.lookahead else 'single frame')
    red_cfg = osp.join(ROOT, 'configs', 'baselines', 'red-mask_synthetic-esd-small.py')
    predictors['Red-Mask argmax (rule)'] = ModelPredictor(red_cfg, None)
    notes['Red-Mask argmax (rule)'] = 'hand-crafted, original resolution'
    predictors['frame centre (rule)'] = frame_centre
    notes['frame centre (rule)'] = ''
    shares = score(items, predictors)
    lines = [f'{len(items)} bleeding images of {args.folder}: share whose predicted point '
             'falls inside a bleeding box', '', '| predictor | in a box | note |',
             '|---|---|---|']
    lines += [f'| {name} | {100 * shares[name]:.1f} % | {notes[name]} |' for name in predictors]
    table = '\n'.join(lines)
    print('\n' + table)
    if args.out_md:
        from mmbleed.datasets.raw_layout import atomic_write_bytes
        os.makedirs(osp.dirname(osp.abspath(args.out_md)), exist_ok=True)
        atomic_write_bytes(args.out_md, (table + '\n').encode('utf-8'))


if __name__ == '__main__':
    main()
