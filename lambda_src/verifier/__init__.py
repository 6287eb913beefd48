"""The upload verifier: checks each object that lands in quarantine, then publishes or rejects it."""
