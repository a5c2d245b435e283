"""Serverless Shop core: domain rules, use cases, AWS adapters and the HTTP glue shared by every function."""
