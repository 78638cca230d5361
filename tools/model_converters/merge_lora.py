# Copyright (c) mmbleed contributors. All rights reserved.
"""Fold the LoRA adapters of a fine-tuned checkpoint into plain weights, for deployment.

Builds the ``LoRAFineTune`` (or ``AdaLoRAFineTune``) model of CONFIG (without its
``init_checkpoint``: every weight comes from CHECKPOINT, loaded weights-only), merges each
adapter into its layer (``W + (alpha / r) B A``) and writes the wrapped model's own state dict to OUT, atomically.
OUT loads into the wrapped model's config (``cfg.model.model``) like any checkpoint, with no
peft at run time.

Usage::

    python tools/model_converters/merge_lora.py CONFIG work_dirs/lora/epoch_4.pth merged.pth
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402

from mmbleed.models.fine_tuning import LoRAFineTune, merge_lora  # noqa: E402
from mmbleed.registry import MODELS  # noqa: E402
from mmbleed.utils import register_all_modules  # noqa: E402
from mmbleed.utils.input_errors import input_error_line  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a config whose model is LoRAFineTune (or a subclass)')
    parser.add_argument('checkpoint', help='the fine-tuned checkpoint')
    parser.add_argument('out', help='where to write the merged weights (.pth)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    register_all_modules()
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            print(f'error: {path}: not found', file=sys.stderr)
            return 1
    cfg = Config.fromfile(args.config)
    model_cls = MODELS.get(cfg.model.get('type', ''))
    if not (isinstance(model_cls, type) and issubclass(model_cls, LoRAFineTune)):
        print(f"error: {args.config}: model.type is {cfg.model.get('type')!r}, not "
              "'LoRAFineTune' or 'AdaLoRAFineTune' (nothing to merge)", file=sys.stderr)
        return 1
    cfg.model.init_checkpoint = None
    model = MODELS.build(cfg.model)
    try:
        load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    except Exception as e:  # one line for bad input, the traceback otherwise
        line = input_error_line(e)
        if line is None and not isinstance(e, RuntimeError):
            raise
        print(f'error: {args.checkpoint}: {line or str(e).splitlines()[0]}', file=sys.stderr)
        return 1
    merged = merge_lora(model)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    torch.save(dict(state_dict=merged.state_dict(),
                    meta=dict(merged_from=osp.abspath(args.checkpoint),
                              config=osp.abspath(args.config))), tmp)
    os.replace(tmp, args.out)
    print(f'merged {args.checkpoint} -> {args.out} (load it with the config of '
          'cfg.model.model)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
