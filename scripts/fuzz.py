"""Schema fuzzing: Schemathesis against the OpenAPI schema a real Conduit serves, anonymous and signed in.

usage: python scripts/fuzz.py [--database-url URL] [--max-examples N] [--workers N]

Migrates the database (a scratch SQLite file by default; a PostgreSQL database is wiped first),
starts ``conduit run``, registers an account for the signed-in pass, and runs Schemathesis twice.
It fails when any response is a 5xx, when a status, content type or body is not what the schema
documents for that operation, or when the server stops answering. It prints how many test cases
(each at least one request) were sent.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
FUZZER_ACCOUNT = {"username": "fuzzer", "email": "fuzzer@example.org", "password": "fuzzing-password"}
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post_json(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310  # a local URL the script built
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body: dict[str, Any] = json.load(response)
        return body


def wait_until_served(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(120):
        if server.poll() is not None:
            sys.exit(f"fuzz: the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310
                return
        except OSError:
            time.sleep(0.25)
    sys.exit("fuzz: the server did not start")


def schemathesis(schema_url: str, report_dir: Path, args: argparse.Namespace, *headers: str) -> dict[str, Any]:
    """One Schemathesis run; returns its JSON report."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        schema_url,
        f"--checks={CHECKS}",
        f"--max-examples={args.max_examples}",
        f"--workers={args.workers}",
        "--no-shrink",
        "--report=json",
        f"--report-dir={report_dir}",
        "--generation-database=none",
        "--output-truncate=true",
        *[option for header in headers for option in ("--header", header)],
    ]
    with (report_dir / "schemathesis.log").open("wb") as output:  # its full output is long; the report says it all
        subprocess.run(command, check=False, cwd=report_dir, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    report: dict[str, Any] = json.loads(next(report_dir.glob("json-*.json")).read_text())
    return report


def judge(name: str, report: dict[str, Any]) -> tuple[int, list[str]]:
    """The number of test cases sent, and what went wrong (Schemathesis' own internal errors aside)."""
    cases = report["test_cases"]
    problems = [f"{name}: {failure}" for failure in report["failures"]]
    problems += [
        f"{name}: {error['title']}"
        for error in report["errors"]
        if error["title"] != "Runtime Error"  # raised inside the fuzzer's data generation, not by Conduit
    ]
    if cases["with_failures"]:
        problems.append(f"{name}: {cases['with_failures']} test cases failed a check")
    return int(cases["generated"]), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="defaults to a scratch SQLite file")
    parser.add_argument("--max-examples", type=int, default=250, help="test cases per operation and phase")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="conduit-fuzz-"))
    environment = {
        **os.environ,
        "CONDUIT_VAR_DIR": str(workdir),
        "DATABASE_URL": args.database_url or f"sqlite+aiosqlite:///{workdir / 'fuzz.sqlite3'}",
        "LOG_LEVEL": "WARNING",
        # Thousands of requests from one address: throttled, most would only ever see a 429.
        **dict.fromkeys(
            (
                "WRITES_PER_MINUTE",
                "REGISTRATIONS_PER_HOUR",
                "SIGN_IN_FAILURES_PER_ACCOUNT",
                "SIGN_IN_FAILURES_PER_ADDRESS",
            ),
            "0",
        ),
    }
    conduit = [sys.executable, "-m", "conduit"]
    subprocess.run([*conduit, "database", "drop-all", "--no-prompt"], env=environment, check=True, capture_output=True)  # noqa: S603
    subprocess.run([*conduit, "database", "upgrade", "--no-prompt"], env=environment, check=True, capture_output=True)  # noqa: S603
    port = free_port()
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        [*conduit, "run", "--host", "127.0.0.1", "--port", str(port)], env=environment, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    total, problems = 0, []
    try:
        wait_until_served(f"{base}/api/tags", server)
        user = post_json(f"{base}/api/users", {"user": FUZZER_ACCOUNT})["user"]
        for name, headers in (("anonymous", ()), ("signed in", (f"Authorization: Token {user['token']}",))):
            report_dir = workdir / name.replace(" ", "-")
            report_dir.mkdir()
            cases, found = judge(name, schemathesis(f"{base}/api/docs/openapi.json", report_dir, args, *headers))
            print(f"fuzz: {name}: {cases} test cases, {len(found)} problems (log: {report_dir / 'schemathesis.log'})")
            total += cases
            problems += found
        if server.poll() is not None:
            problems.append(f"the server exited with {server.returncode}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    server_errors = [
        line
        for line in (workdir / "server.log").read_text().splitlines()
        if "request failed" in line or "COMMIT failed" in line  # how the error mapping logs every 500
    ]
    problems += [f"server: {line}" for line in server_errors]
    print(f"fuzz: {total} test cases sent, {len(problems)} problems")
    for problem in problems:
        print(f"fuzz: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
