"""squall console: serve the console on 127.0.0.1 until Ctrl-C."""
from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from runner.cli.common import EXIT_PASS, aws_options


def cmd_console(args: argparse.Namespace) -> int:
    from runner.cli.settings import project_root
    from runner.console.backends import ConsoleBackend
    from runner.console.server import ConsoleApp, serve
    project, _, _ = project_root(Path.cwd())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "squall"
    backend: ConsoleBackend
    if args.on == "aws":
        from runner.aws.backend import find_deployment
        from runner.console.aws_backend import AwsConsole
        backend = AwsConsole(find_deployment(aws_options(args)), cache, args.stack)
    else:
        from runner.console.backends import LocalConsole
        specs = Path(args.specs) if args.specs else (project / "specs" if (project / "specs").is_dir() else project)
        backend = LocalConsole(Path(args.store), project, specs, cache)
    console = ConsoleApp(backend)

    def started(url: str) -> None:
        print(f"squall console: {url} ({backend.label}); Ctrl-C stops it", flush=True)
    try:
        asyncio.run(serve(console, args.port, started))
    except KeyboardInterrupt:
        pass
    return EXIT_PASS
