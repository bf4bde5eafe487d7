"""Pure step logic, one module per step. Steps take their input model and ``Deps`` (ports only)."""
