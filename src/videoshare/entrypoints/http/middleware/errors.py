"""Every error of the ingress leaves as `application/problem+json` (RFC 9457), and never with a
traceback: the shared problem middleware (`entrypoints/problem_json.py`), with the domain's
errors and the adapters' exceptions turned into problems by `failures.problem_for` (a 500 that
says nothing about the inside for anything unforeseen).
"""

from __future__ import annotations

from videoshare.entrypoints.http.failures import problem_for
from videoshare.entrypoints.problem_json import problem_middleware as _problem_middleware

problem_middleware = _problem_middleware(problem_for)
