"""Every API operation, as every role, fed cases generated from the served OpenAPI schema
(schemathesis): no server error and no response that contradicts the schema.

Each role gets its own fresh token; the logout operation is left out (it would revoke the
fuzzer's own token, and has its own tests). The cases are derived deterministically (a fixed
Hypothesis seed) so a failure here is reproducible; `PORTAL_FUZZ_EXAMPLES` raises the count
(the stress run uses more).
"""
from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.conftest import bearer

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "3"))
ROLES = ["citizen-young", "enterprise-demo", "reviewer-civil", "window-officer", "evaluator", "admin", None]
LEFT_OUT = {("POST", "/api/v1/auth/logout")}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _operations(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [r.ok() for r in schema.get_all_operations()]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_operation_answers_within_its_schema(app, client, role):
    headers = bearer(client, role) if role else {}
    operations = [op for op in _operations(app) if (op.method.upper(), op.path) not in LEFT_OUT]
    assert len(operations) > 60, "the schema lost its operations"
    failures: list[str] = []
    statuses: Counter = Counter()

    for op in operations:
        @seed(20261130)
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):
            kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=dict(headers))
            kwargs.pop("follow_redirects", None)
            kwargs.pop("allow_redirects", None)
            try:
                response = client.request(**kwargs, follow_redirects=False)
            except Exception as exc:  # the test client re-raises what would be a 500
                failures.append(f"{op.method.upper()} {op.path} -> raised {type(exc).__name__}: {exc}"[:300])
                return
            statuses[response.status_code // 100] += 1
            response.request.read()  # a multipart body is streamed; the checks read it back
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # collected, reported together below
                failures.append(f"{op.method.upper()} {op.path} -> {response.status_code}: "
                                f"{str(exc).splitlines()[0][:160]} | {case.as_curl_command()[:200]}")

        run()
    assert statuses[2] + statuses[4] > 0
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:40])
