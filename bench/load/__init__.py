"""`make load`: the load test (locustfile.py) against `make run`, and its report (run.py)."""
