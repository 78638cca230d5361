# Copyright (c) mmbleed contributors. All rights reserved.
"""mmbleed: an OpenMMLab plugin for bleeding-source localization in endoscopic video.

``tools/`` and ``configs/`` travel inside the package as ``mmbleed/.mim/`` (copied for a
regular install, symlinked for a development one) so that ``mim train mmbleed ...`` finds
them, as in mmyolo and mmpose.
"""
import os
import os.path as osp
import shutil
import sys
import warnings

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def readme() -> str:
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'mmbleed', 'version.py')) as f:
        exec(compile(f.read(), 'mmbleed/version.py', 'exec'), scope)
    return scope['__version__']


def parse_requirements(fname: str) -> list:
    """Requirement lines of ``requirements/<fname>``, comments dropped."""
    reqs = []
    with open(osp.join(HERE, 'requirements', fname)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                reqs.append(line)
    return reqs


def add_mim_extension() -> None:
    """Put ``tools/`` and ``configs/`` under ``mmbleed/.mim`` for OpenMIM."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'install',
                                          'build', 'build_py')):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'mmbleed', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in ('tools', 'configs'):
        src = osp.join(HERE, name)
        tar = osp.join(mim_path, name)
        if osp.isfile(tar) or osp.islink(tar):
            os.remove(tar)
        elif osp.isdir(tar):
            shutil.rmtree(tar)
        if mode == 'symlink':
            try:
                os.symlink(osp.relpath(src, mim_path), tar)
                continue
            except OSError:
                warnings.warn(f'Failed to symlink {src}; copying instead')
        shutil.copytree(
            src, tar, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmbleed',
        version=get_version(),
        description='Bleeding-source detection, localization and tracking in '
        'endoscopic surgery video (BleedOrigin-Net) for OpenMMLab',
        long_description=readme(),
        long_description_content_type='text/markdown',
        keywords='computer vision, surgical video, bleeding, point tracking',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
        include_package_data=True,
        package_data={'mmbleed': ['.mim/**/*']},
        python_requires='>=3.10',
        license='Apache License 2.0',
        # OpenMMLab packages and openmim are installed by tools/install.sh with
        # --no-deps (see requirements/openmmlab.txt and STACK.md), so they are
        # extras here rather than hard requirements pip would try to re-resolve.
        install_requires=parse_requirements('runtime.txt'),
        extras_require={
            'openmmlab': parse_requirements('mmcv.txt') +
            parse_requirements('openmmlab.txt'),
            'tests': parse_requirements('tests.txt'),
            'optional': parse_requirements('optional.txt'),
        },
        zip_safe=False)
