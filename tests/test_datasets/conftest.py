# Copyright (c) mmbleed contributors. All rights reserved.
"""Fixtures: a fresh copy of the tiny valid raw layout (see raw_layout_helpers.py)."""
import shutil

import pytest
from raw_layout_helpers import make_raw_layout


@pytest.fixture(scope='session')
def _raw_template(tmp_path_factory) -> str:
    return make_raw_layout(str(tmp_path_factory.mktemp('raw_template')))


@pytest.fixture
def raw_root(_raw_template, tmp_path) -> str:
    """A fresh copy of the tiny valid raw layout."""
    root = str(tmp_path / 'raw')
    shutil.copytree(_raw_template, root, symlinks=True)
    return root


@pytest.fixture
def converted_root(raw_root) -> str:
    """The tiny raw layout after ``convert_raw_layout``."""
    from mmbleed.datasets import convert_raw_layout
    convert_raw_layout(raw_root, show_progress=False)
    return raw_root
