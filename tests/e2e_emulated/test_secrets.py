"""A spec with secrets (SSM and Secrets Manager, in moto's server on 127.0.0.1): the target
receives the values; no artifact of the run — store, shards, reports, output — contains them."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.aws_harness import ROOT, Emulator

TOKEN = "tok-7f3a91c2-very-secret"
API_KEY = "key-0b5e-also-secret"
SPEC = """
name: with-secrets
target:
  url: "http://127.0.0.1:{port}"
  headers:
    Authorization: "Bearer {{{{ secret:ssm:/squall/demo/token }}}}"
load:
  phases:
    - {{duration: 2s, rate: 5/s}}
data:
  keys:
    values: ["{{{{ secret:secretsmanager:squall/demo/api-key }}}}"]
scenarios:
  - flow:
      - get: {{url: "/items?key={{{{ keys }}}}", name: GET /items}}
thresholds:
  - error_rate < 1%
"""


class Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        Recorder.seen.append((self.headers.get("Authorization", ""), self.path))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[int]:
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def run_with_secrets(spec_text: str, tmp_path: Path, secrets: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`squall run` with moto's server holding ``secrets`` (SSM names start with /, others are Secrets Manager)."""
    emulator = Emulator()
    try:
        for name, value in secrets.items():
            if name.startswith("/"):
                emulator.client("ssm").put_parameter(Name=name, Value=value, Type="SecureString")
            else:
                emulator.client("secretsmanager").create_secret(Name=name, SecretString=value)
        spec = tmp_path / "secrets.yaml"
        spec.write_text(spec_text)
        return subprocess.run([sys.executable, "-m", "runner.cli", "run", str(spec), "--store", "s", "--workers", "1"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env={**os.environ, **emulator.env, "PYTHONPATH": str(ROOT)})
    finally:
        emulator.close()


def test_secrets_reach_the_target_and_no_artifact_of_the_run(recorder: int, tmp_path: Path) -> None:
    done = run_with_secrets(SPEC.format(port=recorder), tmp_path,
                            {"/squall/demo/token": TOKEN, "squall/demo/api-key": API_KEY})
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(Recorder.seen) == 10
    assert all(auth == f"Bearer {TOKEN}" and path == f"/items?key={API_KEY}" for auth, path in Recorder.seen)
    artifacts = [p for p in (tmp_path / "s").rglob("*") if p.is_file()]
    assert len(artifacts) > 10  # spec, plan, jobs, shards, result, reports
    for path in artifacts:
        content = path.read_bytes()
        if path.suffix == ".gz":
            import gzip
            content = gzip.decompress(content)
        assert TOKEN.encode() not in content and API_KEY.encode() not in content, path
    assert TOKEN not in done.stdout + done.stderr and API_KEY not in done.stdout + done.stderr
    assert b"secret:ssm:/squall/demo/token" in (next((tmp_path / "s").rglob("spec.json"))).read_bytes()


def test_a_missing_secret_is_named_before_the_run_starts(recorder: int, tmp_path: Path) -> None:
    """Checked with this machine's credentials before any worker starts (it used to be found by
    every worker, and the run waited out its duration to end INCONCLUSIVE)."""
    # the SSM parameter exists, the secret does not (this test leaned on the parameter the test before it
    # had left in moto's process-wide account, until each emulator began with an empty one)
    done = run_with_secrets(SPEC.format(port=recorder).replace("squall/demo/api-key", "squall/demo/never-created"),
                            tmp_path, {"/squall/demo/token": TOKEN})
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "squall: could not run: cannot read secret secret:secretsmanager:squall/demo/never-created: "
        "ResourceNotFoundException (no such secret in this account and region)")
