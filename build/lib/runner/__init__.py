"""Squall's runner: spec, plan and pacing (pure), the load generator, stores, backends, CLI."""
