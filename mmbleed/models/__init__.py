# Copyright (c) mmbleed contributors. All rights reserved.
from .detectors import *  # noqa: F401,F403
from .fine_tuning import *  # noqa: F401,F403
from .fusion import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .memory import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .trackers import *  # noqa: F401,F403
