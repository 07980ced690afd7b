"""The services of the status figures, one module per subject:

* ``figures``: periods, the aggregation that recomputes a year's stored figures (the counting
  rules are explained there), and the coalesced recompute after writes;
* ``read``: the figures as the API, dashboard and reports read them (names, targets, shares);
* ``jobs``: background jobs, their progress, and starting a recompute or a report;
* ``plans``: action plans;
* ``reports``: status reports.

The public functions are re-exported here, so callers use ``from tasks import services`` and
``services.<name>``.
"""

from .figures import (
    MEASURES,
    PERIOD_COUNT,
    STORED_KINDS,
    Period,
    Progress,
    figures_compute,
    local_today,
    period_get,
    status_recompute,
    status_recompute_request,
    status_recompute_started,
    status_years_due,
)
from .jobs import (
    job_create,
    job_get,
    job_progress,
    job_run,
    status_recompute_start,
    status_report_start,
)
from .plans import action_plan_copy, action_plan_get, action_plan_save, action_plan_snapshot
from .read import (
    SCOPES,
    missing_attendance_list,
    monthly_attendance_by_track,
    status_figures,
    status_figures_as_of,
    status_figures_from_rows,
    track_coverage,
)
from .reports import status_report_generate, status_report_list

__all__ = [
    "MEASURES",
    "PERIOD_COUNT",
    "SCOPES",
    "STORED_KINDS",
    "Period",
    "Progress",
    "action_plan_copy",
    "action_plan_get",
    "action_plan_save",
    "action_plan_snapshot",
    "figures_compute",
    "job_create",
    "job_get",
    "job_progress",
    "job_run",
    "local_today",
    "missing_attendance_list",
    "monthly_attendance_by_track",
    "period_get",
    "status_figures",
    "status_figures_as_of",
    "status_figures_from_rows",
    "status_recompute",
    "status_recompute_request",
    "status_recompute_start",
    "status_recompute_started",
    "status_report_generate",
    "status_report_list",
    "status_report_start",
    "status_years_due",
    "track_coverage",
]
