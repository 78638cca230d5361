# Copyright (c) mmbleed contributors. All rights reserved.
"""Metrics (``metrics/``, registered) and the pure arithmetic they call (``functional/``).

Definitions: BleedOrigin §5.1, with SurgBlood's PCK and TAP-Vid's δ / OA for comparison
(DESIGN.md §5).
"""
from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
