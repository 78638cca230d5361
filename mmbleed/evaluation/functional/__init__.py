# Copyright (c) mmbleed contributors. All rights reserved.
"""Pure metric arithmetic, called by the metrics and testable with hand-made numbers."""
from .breakdown import (BREAKDOWN_AXES, breakdown, breakdown_report, breakdown_table,
                        breakdown_table_rows, sample_groups)
from .onset import (alert_statistics, earliest_onset_from_windows, first_alert_from_windows,
                    is_no_onset, onset_accuracy, window_onset)
from .point import error_rates, pck, point_errors, tapvid_metrics

__all__ = [
    'BREAKDOWN_AXES', 'breakdown', 'breakdown_report', 'breakdown_table',
    'breakdown_table_rows', 'sample_groups',
    'alert_statistics', 'earliest_onset_from_windows', 'first_alert_from_windows',
    'is_no_onset', 'onset_accuracy', 'window_onset', 'error_rates', 'pck', 'point_errors',
    'tapvid_metrics'
]
