# Copyright (c) mmbleed contributors. All rights reserved.
"""Synthetic ESD bleeding video generator (the project's default dataset).

``generate_synthetic_esd(out_dir, preset='small', seed=0, ...)`` writes the raw layout of
``docs/data_format.md`` (videos, LabelMe, ``clips.csv``, dense ground truth) for a detection
and a tracking root.
"""
from .clip import HIDDEN_BY, ClipSpec, render_clip, render_clip_frames, with_scenarios
from .dense_gt import load_dense_gt
from .generator import generate_synthetic_esd, plan_clips, split_patients
from .presets import DATASET_PRESETS, SIZE_PRESETS, SPLITS, DatasetPreset
from .scenarios import HIDE_CAUSES, SCENARIOS
from .tissue import SITE_PRESETS, SitePreset

__all__ = [
    'generate_synthetic_esd', 'plan_clips', 'split_patients', 'ClipSpec', 'render_clip',
    'render_clip_frames', 'with_scenarios', 'DATASET_PRESETS', 'SIZE_PRESETS', 'DatasetPreset',
    'SCENARIOS', 'SITE_PRESETS', 'SitePreset', 'SPLITS', 'HIDDEN_BY', 'HIDE_CAUSES',
    'load_dense_gt'
]
