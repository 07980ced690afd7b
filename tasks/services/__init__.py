"""The services of the status figures, one module per subject:

* ``figures``: periods, and the aggregation that recomputes a year's stored figures (the
  counting rules are explained there);
* ``read``: the figures as the API, dashboard and reports read them (names, targets, shares);
* ``jobs``: background jobs, their progress and state;
* ``pending``: the marks that coalesce recompute requests;
* ``plans``: action plans;
* ``reports``: status reports;
* ``national``: the yearly national statistics (Danmarks Statistik's BIB2B, the library
  barometer), their mapping and adjustments.

Import from the module that holds a function (``from tasks.services.figures import
status_recompute``). Sending work to the workers is ``tasks.dispatch``'s.
"""
