"""Use cases: each talks to ports, never to boto3."""
