"""Functions run as Lambda runs them: handlers loaded from CodeUri, warm containers, per-invocation state, and which function makes each AWS call."""
