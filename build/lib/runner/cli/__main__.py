"""`python -m runner.cli`: the squall command."""
import sys

from runner.cli import main

sys.exit(main())
