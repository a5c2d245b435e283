"""The shop's local cloud: template.yaml provisioned into an embedded moto server, functions run in-process."""
