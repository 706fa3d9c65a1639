"""The local backend: worker processes on this machine, following a run, watching one from another terminal."""
