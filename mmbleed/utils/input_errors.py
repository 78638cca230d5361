# Copyright (c) mmbleed contributors. All rights reserved.
"""One line for bad input, for the command-line tools (``tools/train.py``, ``tools/test.py``).

A missing or corrupt video, a malformed annotation file, a point outside the frame or an
unsafe checkpoint is the user's input, not a bug: the tools print ``error: <file>: <problem>``
and exit with status 1 instead of a traceback. Errors raised inside a dataloader worker reach
the main process wrapped in PyTorch's "Caught ... in DataLoader worker process" text with the
worker's traceback; the original one-line message is taken back out of it. Any other
exception keeps its traceback.
"""
import sys
from typing import Callable, Optional


def input_errors() -> tuple:
    """The exception types that mean bad input (imported lazily: the datasets import
    :mod:`mmbleed.utils`)."""
    from mmbleed.compat import UnsafeCheckpointError
    from mmbleed.datasets.raw_layout import RawLayoutError
    from mmbleed.datasets.video_reader import VideoReadError
    return FileNotFoundError, RawLayoutError, VideoReadError, UnsafeCheckpointError


def input_error_line(err: BaseException) -> Optional[str]:
    """``err``'s message on one line when it is bad input, else None."""
    if not isinstance(err, input_errors()):
        return None
    text = str(err)
    if 'DataLoader worker' in text and 'Original Traceback' in text:
        lines = [line for line in text.strip().splitlines() if line.strip()]
        # the worker traceback ends with "package.module.ErrorType: message"
        _, sep, message = lines[-1].partition(': ')
        text = message if sep else lines[-1]
    return ' '.join(text.split())


def run_reporting_input_errors(main: Callable[[], object]) -> None:
    """Run a tool's ``main``: bad input ends it with ``error: <one line>`` and exit status 1,
    any other exception keeps its traceback."""
    try:
        main()
    except Exception as err:
        line = input_error_line(err)
        if line is None:
            raise
        sys.exit(f'error: {line}')
