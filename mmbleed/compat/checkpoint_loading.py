# Copyright (c) mmbleed contributors. All rights reserved.
"""Load checkpoints weights-only, except where the Runner resumes from its own work_dir.

Upstream problem: since torch 2.6, ``torch.load`` defaults to ``weights_only=True``, and
MMEngine 0.10.7 (its local loader calls ``torch.load`` without the argument) cannot read its
own checkpoints any more: their ``message_hub`` holds ``HistoryBuffer`` objects, and each
buffer pickles its statistics methods as ``builtins.getattr(HistoryBuffer, 'mean')``. So
``load_from``, ``init_cfg=dict(type='Pretrained')``, ``tools/test.py CKPT`` and ``--resume``
all fail with ``Weights only load failed``.

Fix, and the trust rule it enforces:

* Any checkpoint a user points at is loaded **weights-only**. The allow-list is extended by
  exactly what MMEngine writes: ``HistoryBuffer``, NumPy arrays, scalars and dtypes, and a
  ``getattr`` that only resolves ``HistoryBuffer``'s own statistics methods. A file that
  references anything else (``os.system``, ``subprocess.Popen``, ``builtins.eval`` ...) is
  refused with :class:`UnsafeCheckpointError`; nothing from it runs.
* Full unpickling happens only inside ``Runner.resume`` and only for a file under that
  Runner's own ``work_dir`` (the checkpoints it wrote itself).

Delete this module when MMEngine loads with ``weights_only`` itself and stores plain data in
its message hub (upstream mmengine > 0.10.7; check ``CheckpointLoader`` and ``HistoryBuffer``).
"""
import contextlib
import functools
import os
import os.path as osp
import pickle
import re
import threading
from typing import Any, Callable, Iterator, List, Optional, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader, Runner


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint referenced code that weights-only loading does not run."""


_trusted = threading.local()


def _trusted_dirs() -> List[str]:
    if not hasattr(_trusted, 'dirs'):
        _trusted.dirs = []
    return _trusted.dirs


@contextlib.contextmanager
def trust_checkpoints_under(directory: str) -> Iterator[None]:
    """Within the block, checkpoints under ``directory`` are unpickled fully.

    Used by the patched ``Runner.resume`` with the Runner's own ``work_dir``.
    """
    dirs = _trusted_dirs()
    dirs.append(osp.realpath(directory))
    try:
        yield
    finally:
        dirs.pop()


def is_trusted(filename: str) -> bool:
    """Whether ``filename`` lies under a directory trusted by the current block."""
    path = osp.realpath(filename)
    return any(
        osp.commonpath([path, d]) == d for d in _trusted_dirs())


def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """``getattr`` as MMEngine's pickles need it, and nothing more."""
    if (obj is HistoryBuffer and not name.startswith('_')
            and callable(getattr(HistoryBuffer, name, None))):
        return getattr(HistoryBuffer, name)
    raise UnsafeCheckpointError(
        f'getattr({obj!r}, {name!r}) is not allowed in a weights-only load')


@functools.lru_cache(None)
def safe_checkpoint_globals() -> list:
    """What MMEngine checkpoints contain beyond torch's default allow-list."""
    dtype_classes = [
        type(np.dtype(t)) for t in (np.bool_, np.int8, np.int16, np.int32,
                                    np.int64, np.uint8, np.uint16, np.uint32,
                                    np.uint64, np.float16, np.float32,
                                    np.float64, np.complex64, np.complex128)
    ]
    import codecs
    return [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        np._core.multiarray._reconstruct,
        np._core.multiarray.scalar,
        codecs.encode,
        (_history_buffer_getattr, 'builtins.getattr'),
        *dtype_classes,
    ]


def load_weights_only(filename: Union[str, os.PathLike, Any],
                      map_location: Optional[Any] = None) -> Any:
    """``torch.load(..., weights_only=True)`` with MMEngine's data types allowed.

    Raises:
        UnsafeCheckpointError: the file references anything else; one line says what.
    """
    try:
        with torch.serialization.safe_globals(safe_checkpoint_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        # torch's message: a boilerplate paragraph, the reason, a link; keep the reason
        paragraphs = [
            p.strip() for p in re.split(r'\n\s*\n', str(err)) if p.strip()
        ]
        reasons = [
            p for p in paragraphs[1:]
            if not p.startswith('Check the documentation')
        ] or paragraphs[:1] or ['unknown reason']
        what = ' '.join(reasons[0].split('WeightsUnpickler error:')[-1].split())
        raise UnsafeCheckpointError(
            f'refused to load checkpoint {filename}: it is not plain weights '
            f'({what[:200]}); mmbleed loads the checkpoints you point at '
            'weights-only and never runs code from them. If you made this '
            'file yourself, resume it from its own work_dir (--resume), or '
            're-save only its state_dict.') from None


def load_from_local(filename: str, map_location: Optional[Any] = None) -> Any:
    """MMEngine's local-file checkpoint loader, with the trust rule above."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if is_trusted(filename):
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    return load_weights_only(filename, map_location=map_location)


_original_resume = Runner.resume


def _resume_trusting_own_work_dir(self: Runner, filename: str, *args,
                                  **kwargs) -> None:
    with trust_checkpoints_under(self.work_dir):
        return _original_resume(self, filename, *args, **kwargs)


def apply() -> None:
    """Install the loader for plain paths and the trust rule for ``Runner.resume``."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)
    if Runner.resume is not _resume_trusting_own_work_dir:
        functools.update_wrapper(_resume_trusting_own_work_dir,
                                 _original_resume)
        Runner.resume = _resume_trusting_own_work_dir
