"""Lambda's event source mappings, locally: SQS and DynamoDB Streams pollers, EventBridge schedules, the records they deliver and their filters."""
