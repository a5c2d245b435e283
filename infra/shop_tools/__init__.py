"""Commands that work on the local shop and on a deployed stack alike: admin, audit verification, DLQ redrive, signing key rotation, the API reference, deploy helpers."""
