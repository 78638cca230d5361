# Copyright (c) mmbleed contributors. All rights reserved.
"""Peak memory of the source module's multi-scale attention (paper Eq. 3) at large inputs.

Builds the model of a source-module config, with its input size set to each size asked for,
and measures one forward pass of one frame (inference, no gradients) and one training step
(forward + backward) of the whole localizer and of the attention block alone. Each measurement
runs in a fresh process: on the CPU it is the growth of the process's peak resident memory over
the model's own footprint, on a GPU ``torch.cuda.max_memory_allocated``.

Example::

    python tools/analysis_tools/source_attention_memory.py \\
        configs/detect/bleedorigin-source_resnet18-tiny_synthetic-esd-small.py \\
        --sizes 780x670 1240x1080 --out-md work_dirs/source_attention_memory.md
"""
import argparse
import json
import os
import resource
import subprocess
import sys
from typing import Dict, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)  # this checkout's mmbleed, as tools/train.py does


def parse_size(text: str) -> Tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'a size is WIDTHxHEIGHT, e.g. 780x670, got {text!r}')
    if w < 8 or h < 8:
        raise argparse.ArgumentTypeError(f'{text}: width and height must be at least 8')
    return w, h


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a BleedSourceLocalizer config')
    parser.add_argument('--sizes', nargs='+', type=parse_size,
                        default=[(780, 670), (1240, 1080)], help='input sizes, WxH')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    parser.add_argument('--out-md', help='write the table here too')
    parser.add_argument('--child', nargs=3, metavar=('W', 'H', 'WHAT'), help=argparse.SUPPRESS)
    return parser.parse_args()


def _rss_mib() -> float:
    scale = 1024.0 if sys.platform != 'darwin' else 1024.0 * 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def measure(config: str, size: Tuple[int, int], what: str, device: str) -> Dict[str, float]:
    """One measurement in this process: ``what`` is ``model`` or ``attention``, at inference
    (``-infer``) or in a training step (``-train``)."""
    import torch
    from mmengine.config import Config

    import mmbleed  # noqa: F401  (registers everything)
    from mmbleed.registry import MODELS

    torch.manual_seed(0)
    cfg = Config.fromfile(config)
    w, h = size
    cfg.model.codec.input_size = (w, h)
    cfg.model.codec.heatmap_size = (w, h)
    encoder = cfg.model.encoder
    if 'img_size' in encoder:  # a ViT: its position embedding follows the input
        encoder.img_size = (h, w)
    model = MODELS.build(cfg.model).to(device)
    part, mode = what.split('-')
    channels = 3 * model.num_frames
    frames = torch.randint(0, 256, (1, channels, h, w), dtype=torch.uint8).float().to(device)
    if part == 'attention':
        att = model.attention
        value_hw = ((h + 7) // 8, (w + 7) // 8)
        args = (torch.randn(1, att.q_proj[0].in_channels, h, w, device=device),
                torch.rand(1, att.k_proj[0].in_channels, h, w, device=device),
                torch.randn(1, att.v_proj[0].in_channels, *value_hw, device=device))
        run = lambda: att(*args)  # noqa: E731
    else:
        run = lambda: model.heatmaps(frames)  # noqa: E731
    model.train(mode == 'train')
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = _rss_mib()
    if mode == 'train':
        run().float().mean().backward()
    else:
        with torch.no_grad():
            run()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        peak = (torch.cuda.max_memory_allocated() - base) / 2**20
    else:
        peak = _rss_mib() - base
    return dict(peak_mib=round(peak, 1))


def main() -> None:
    args = parse_args()
    if args.child:
        w, h, what = args.child
        print(json.dumps(measure(args.config, (int(w), int(h)), what, args.device)))
        return
    rows: List[str] = [
        '| input (w×h) | part | inference peak (MiB) | training step peak (MiB) |',
        '|---|---|---|---|'
    ]
    for w, h in args.sizes:
        for part in ('attention', 'model'):
            result = {}
            for mode in ('infer', 'train'):
                cmd = [sys.executable, __file__, args.config, '--device', args.device,
                       '--child', str(w), str(h), f'{part}-{mode}']
                print(f'measuring {part} ({mode}) at {w}x{h} ...', file=sys.stderr, flush=True)
                done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
                if done.returncode != 0:
                    last = (done.stderr.strip().splitlines() or ['no output'])[-1]
                    result[mode] = dict(peak_mib=float('nan'))
                    print(f'  failed: {last}', file=sys.stderr)
                else:
                    result[mode] = json.loads(done.stdout.strip().splitlines()[-1])
            name = 'Eq. 3 attention alone' if part == 'attention' else 'whole localizer'
            rows.append(f"| {w}×{h} | {name} | {result['infer']['peak_mib']:.0f} | "
                        f"{result['train']['peak_mib']:.0f} |")
    table = '\n'.join(rows)
    print(f'{args.config} on {args.device}, batch of one frame:\n{table}')
    if args.out_md:
        from mmbleed.datasets.raw_layout import atomic_write_bytes
        atomic_write_bytes(args.out_md, (table + '\n').encode('utf-8'))


if __name__ == '__main__':
    main()
