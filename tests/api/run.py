"""Runs schemathesis against a running flexpension server once per role: anonymous, a worker's
session, an officer's session, a platform's API key (requests signed by hooks.py). Every
operation of the served OpenAPI document (but the document itself, which schemathesis does not
call), every role, each called at least once; checks not_a_server_error,
response_schema_conformance and status_code_conformance. Exits non-zero on any failure.

Usage: run.py BASE_URL API_KEY SECONDS_PER_ROLE (tests/api/schemathesis.sh starts the server).
Logins: the demo's (worker.demo, officer.demo with their demo passwords).
"""

import html.parser
import os
import subprocess
import sys

import requests

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"


class CsrfField(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.value = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == "csrf":
            self.value = a.get("value")


def session_cookie(base, login, password):
    s = requests.Session()
    page = s.get(f"{base}/login", timeout=30)
    page.raise_for_status()
    p = CsrfField()
    p.feed(page.text)
    if not p.value:
        sys.exit("the login page carries no csrf field")
    r = s.post(
        f"{base}/login",
        data={"csrf": p.value, "lang": "en", "login": login, "password": password},
        allow_redirects=False,
        timeout=60,
    )
    token = s.cookies.get("fp_session")
    if r.status_code != 303 or not token:
        sys.exit(f"login {login}: {r.status_code}, no session")
    return token


def main():
    base, api_key, seconds = sys.argv[1], sys.argv[2], sys.argv[3]
    here = os.path.dirname(os.path.abspath(__file__))
    st = os.path.join(os.path.dirname(sys.executable), "st")
    # Each role with the operations that must answer 2xx at least once: proof that its
    # credentials (and the platform's signatures) were taken.
    roles = [
        ("anonymous", [], {}, ["GET /healthz"]),
        (
            "worker",
            ["-H", "Cookie: fp_session=" + session_cookie(base, "worker.demo", "demo-worker-2025")],
            {},
            ["GET /api/v1/me/account", "GET /api/v1/me/months"],
        ),
        (
            "officer",
            ["-H", "Cookie: fp_session=" + session_cookie(base, "officer.demo", "demo-officer-2025")],
            {},
            ["GET /api/v1/officer/workers"],
        ),
        (
            "platform",
            ["-H", "X-Api-Key: " + api_key],
            {"FLEXPENSION_API_KEY": api_key},
            ["POST /api/v1/platform/earnings", "GET /api/v1/platform/premiums"],
        ),
    ]
    doc = requests.get(f"{base}/api/v1/openapi.json", timeout=30).json()
    # Schemathesis does not call the URL it loads the document from (the OpenAPI test does).
    operations = {f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops if p != "/api/v1/openapi.json"}
    failed = []
    stats = os.path.abspath("schemathesis-calls.txt")
    for name, args, env, must in roles:
        print(f"== schemathesis as {name}", flush=True)
        cmd = [
            st, "run", f"{base}/api/v1/openapi.json", "--url", base,
            "--checks", CHECKS, "--max-time", seconds, "--workers", "1",
            "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30"),
            "--seed", os.environ.get("SCHEMATHESIS_SEED", "20251201"),
            "--suppress-health-check", "all", "--request-timeout", "30",
            "--continue-on-failure", "--no-color",
            *args,
        ]
        e = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=here, FLEXPENSION_ST_STATS=stats, **env)
        open(stats, "w").close()
        if subprocess.run(cmd, env=e).returncode != 0:
            failed.append(name)
        with open(stats, encoding="utf-8") as f:
            calls = [line.rsplit(" ", 1) for line in f.read().splitlines()]
        os.remove(stats)
        ok = {op for op, status in calls if status.startswith("2")}
        for op in sorted(operations - {op for op, _ in calls}):
            print(f"{name}: {op} was never called")
            failed.append(name)
        print(f"{name}: {len(calls)} calls, {sum(1 for _, s in calls if s.startswith('5'))} answered 5xx")
        for op in must:
            if op not in ok:
                print(f"{name}: {op} never answered 2xx: its credentials were not taken")
                failed.append(name)
    if failed:
        sys.exit("schemathesis found failures as: " + ", ".join(failed))
    print("schemathesis: no server errors and no schema violations for any role")


if __name__ == "__main__":
    main()
