"""Backends run a plan: ``local`` (worker processes on this machine) and ``aws`` (the CLI's side
of the Step Functions backend: find the stack, start, watch, stop, list, fetch)."""
