"""In-memory fakes of the use cases' ports (`videoshare.usecases.ports`), for the fast tier.

Each fake answers as its adapter does; `tests/contract/` runs one suite against both, so a
fake that drifts from the real adapter fails there, not in a use case's test."""
