# Copyright (c) mmbleed contributors. All rights reserved.
"""Run the project's command-line tools the way a user does, in a subprocess."""
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CONFIGS = osp.join(REPO_ROOT, 'tests', 'data', 'configs')
TINY_CONFIG = osp.join(TEST_CONFIGS, 'tiny_source_regressor.py')


def data_options(root: str) -> List[str]:
    """``--cfg-options`` pointing every dataloader of a config at ``root``."""
    root = root.rstrip('/') + '/'
    return [
        '--cfg-options',
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(cmd: List[str],
        env: Optional[dict] = None,
        timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``cmd`` from the repository root; output captured as text."""
    full_env = dict(os.environ)
    full_env.setdefault('PYTHONUNBUFFERED', '1')
    full_env.update(env or {})
    return subprocess.run(
        cmd,
        cwd=REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout)


def python_tool(script: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return run([sys.executable, osp.join(REPO_ROOT, script), *args], **kwargs)


def explain(out: subprocess.CompletedProcess) -> str:
    """Exit status, the tail of stdout, and the lines of stderr that name a failure (a
    crashed worker's message sits far above the launcher's traceback) before its tail."""
    cues = ('error', 'terminate', 'abort', 'exception', 'killed', 'signal')
    failure_lines = [
        line for line in out.stderr.splitlines()
        if any(cue in line.lower() for cue in cues)
    ]
    return (f'exit {out.returncode}\n--- stdout\n{out.stdout[-4000:]}\n'
            f'--- stderr lines naming a failure\n' + '\n'.join(failure_lines[:40]) +
            f'\n--- stderr\n{out.stderr[-4000:]}')
