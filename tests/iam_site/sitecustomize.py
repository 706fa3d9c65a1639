"""Loaded by every Python process started with tests/iam_site on PYTHONPATH (the emulated
runs' CLI subprocesses): enforce the policy SQUALL_TEST_IAM_POLICY names on its AWS calls."""
from tests.iam_enforcement import install_from_environment

install_from_environment()
