# Copyright (c) mmbleed contributors. All rights reserved.
"""Strip a training checkpoint to its weights for distribution, and print its sha256.

A Runner checkpoint holds the optimizer state, the message hub and the whole config; a
published one holds what loading needs: the model's ``state_dict`` (float32 tensors) and a
small ``meta`` of plain values (the config file, the iteration, the source checkpoint's
name), so it loads with ``torch.load(..., weights_only=True)`` and stays small (mmdet's
``publish_model.py`` does the same). Written atomically; an existing OUT is not replaced
unless ``--force``.

Usage::

    python tools/model_converters/publish_checkpoint.py work_dirs/x/iter_900.pth \\
        checkpoints/x.pth --config configs/track/pretrain.py
"""
import argparse
import hashlib
import os
import os.path as osp
import sys

import torch


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='a checkpoint written by the Runner')
    parser.add_argument('out', help='where to write the published weights (.pth)')
    parser.add_argument('--config', default=None, help='the config it was trained with')
    parser.add_argument('--force', action='store_true', help='replace an existing OUT')
    return parser.parse_args(argv)


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        print(f'error: {args.checkpoint}: not found', file=sys.stderr)
        return 1
    if osp.exists(args.out) and not args.force:
        print(f'error: {args.out}: exists (pass --force to replace it)', file=sys.stderr)
        return 1
    try:
        ckpt = torch.load(args.checkpoint, map_location='cpu', weights_only=False)
    except Exception as e:  # not a torch file, truncated, ...
        print(f'error: {args.checkpoint}: not a readable checkpoint ({e})'.splitlines()[0],
              file=sys.stderr)
        return 1
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        print(f'error: {args.checkpoint}: no state_dict of tensors in it', file=sys.stderr)
        return 1
    old_meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
    meta = dict(config=args.config, source=osp.basename(args.checkpoint),
                iter=old_meta.get('iter'), epoch=old_meta.get('epoch'),
                mmengine_version=old_meta.get('mmengine_version'))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    torch.save(dict(state_dict={k: v.detach().clone() for k, v in state.items()}, meta=meta),
               tmp)
    os.replace(tmp, args.out)
    size = osp.getsize(args.out)
    print(f'{args.out}: {size / 2**20:.2f} MiB, sha256 {sha256(args.out)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
