"""The domain layer: plain arguments in, model objects out; no request or session here."""
