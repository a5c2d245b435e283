"""Pure shop rules: no AWS, no HTTP."""
