"""Backends run a plan: ``local`` (worker processes on this machine); AWS comes next."""
