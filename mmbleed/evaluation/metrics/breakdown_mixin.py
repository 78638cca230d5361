# Copyright (c) mmbleed contributors. All rights reserved.
"""Per-scenario and per-site breakdowns shared by mmbleed's metrics (paper Fig. 9)."""
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from mmengine.logging import print_log

from ..functional.breakdown import breakdown_report


class BreakdownMixin:
    """Scores a metric's items overall and per group, and logs one table per breakdown axis.

    The metric provides ``_score(items) -> dict`` (the same function gives the overall and
    the per-group numbers), ``breakdown`` (axes), ``breakdown_keys`` (headline keys) and
    ``COUNT_KEYS`` (counts shown in every table).
    """
    COUNT_KEYS: Tuple[str, ...] = ()
    breakdown: Tuple[str, ...]
    breakdown_keys: Tuple[str, ...]
    prefix: Optional[str]

    def _score(self, items: List[Any]) -> Dict[str, float]:
        raise NotImplementedError

    def score_with_breakdowns(self, items: List[Any],
                              groups: Sequence[Optional[Mapping[str, Sequence[str]]]]
                              ) -> Dict[str, float]:
        """The overall metrics plus ``'<axis>/<group>/<key>'`` for every group."""
        metrics = self._score(items)
        if self.breakdown:
            per_group, tables = breakdown_report(
                self.breakdown, items, groups, self._score, metrics, self.breakdown_keys,
                self.COUNT_KEYS, name=self.prefix)
            for table in tables:
                print_log('\n' + table, logger='current')
            metrics.update(per_group)
        return metrics
