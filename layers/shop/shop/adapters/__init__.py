"""Implementations of the ports on DynamoDB, KMS, Secrets Manager, SNS, SQS and SES."""
