"""The engines under the local cloud: the embedded moto server and the behaviour we add to it, DynamoDB Local, injected transaction conflicts, the SES outbox."""
