"""The IAM policies SAM puts on a function's role, as data: its policy templates and the managed policies.

The templates are copied from aws-sam-translator's policy_templates.json
(samtranslator/policy_templates_data, version 1.115.0): only those this template uses or is about
to; `{"Ref": "<Parameter>"}` in them stands for the value given to the template's parameter. The
managed policies are AWS's own, which SAM attaches to every role it creates (basic execution, X-Ray
for Tracing: Active, the event sources' execution roles).
"""

from __future__ import annotations

from typing import Any

_TABLE = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}"
_TABLE_NAME = {"tableName": {"Ref": "TableName"}}
_QUEUE = [
    "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}",
    {"queueName": {"Ref": "QueueName"}},
]
_KEY = [
    "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}",
    {"keyId": {"Ref": "KeyId"}},
]


def _table_statement(actions: list[str]) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": actions,
        "Resource": [{"Fn::Sub": [_TABLE, _TABLE_NAME]}, {"Fn::Sub": [_TABLE + "/index/*", _TABLE_NAME]}],
    }


# SAM policy templates: name -> (parameters, statements), from policy_templates.json.
SAM_POLICY_TEMPLATES: dict[str, tuple[tuple[str, ...], list[dict[str, Any]]]] = {
    "DynamoDBCrudPolicy": (
        ("TableName",),
        [
            _table_statement(
                [
                    "dynamodb:GetItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:PutItem",
                    "dynamodb:Scan",
                    "dynamodb:Query",
                    "dynamodb:UpdateItem",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:DescribeTable",
                    "dynamodb:ConditionCheckItem",
                ]
            )
        ],
    ),
    "DynamoDBReadPolicy": (
        ("TableName",),
        [
            _table_statement(
                [
                    "dynamodb:GetItem",
                    "dynamodb:Scan",
                    "dynamodb:Query",
                    "dynamodb:BatchGetItem",
                    "dynamodb:DescribeTable",
                ]
            )
        ],
    ),
    "DynamoDBWritePolicy": (
        ("TableName",),
        [_table_statement(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"])],
    ),
    "AWSSecretsManagerGetSecretValuePolicy": (
        ("SecretArn",),
        [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": {"Fn::Sub": ["${secretArn}", {"secretArn": {"Ref": "SecretArn"}}]},
            }
        ],
    ),
    "SNSPublishMessagePolicy": (
        ("TopicName",),
        [
            {
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": {
                    "Fn::Sub": [
                        "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${topicName}",
                        {"topicName": {"Ref": "TopicName"}},
                    ]
                },
            }
        ],
    ),
    "SQSSendMessagePolicy": (
        ("QueueName",),
        [{"Effect": "Allow", "Action": ["sqs:SendMessage*"], "Resource": {"Fn::Sub": _QUEUE}}],
    ),
    "SQSPollerPolicy": (
        ("QueueName",),
        [
            {
                "Effect": "Allow",
                "Action": [
                    "sqs:ChangeMessageVisibility",
                    "sqs:ChangeMessageVisibilityBatch",
                    "sqs:DeleteMessage",
                    "sqs:DeleteMessageBatch",
                    "sqs:GetQueueAttributes",
                    "sqs:ReceiveMessage",
                ],
                "Resource": {"Fn::Sub": _QUEUE},
            }
        ],
    ),
    "KMSDecryptPolicy": (
        ("KeyId",),
        [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": {"Fn::Sub": _KEY}}],
    ),
    "KMSEncryptPolicy": (
        ("KeyId",),
        [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": {"Fn::Sub": _KEY}}],
    ),
    "SESCrudPolicy": (
        ("IdentityName",),
        [
            {
                "Effect": "Allow",
                "Action": [
                    "ses:GetIdentityVerificationAttributes",
                    "ses:SendEmail",
                    "ses:SendRawEmail",
                    "ses:VerifyEmailIdentity",
                ],
                "Resource": {
                    "Fn::Sub": [
                        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${identityName}",
                        {"identityName": {"Ref": "IdentityName"}},
                    ]
                },
            }
        ],
    ),
}

_LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
# The AWS managed policies SAM attaches to the roles it creates, as AWS publishes them.
MANAGED_POLICIES: dict[str, list[str]] = {
    "AWSLambdaBasicExecutionRole": _LOGS,
    "AWSXrayWriteOnlyAccess": [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    ],
    "AWSLambdaSQSQueueExecutionRole": [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        *_LOGS,
    ],
    "AWSLambdaDynamoDBExecutionRole": [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        *_LOGS,
    ],
}
EVENT_ROLES = {"SQS": "AWSLambdaSQSQueueExecutionRole", "DynamoDB": "AWSLambdaDynamoDBExecutionRole"}
