"""A function's Policies as IAM statements on the stack's ARNs, and the verdict on recorded calls."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from shop_local.iam.check import PolicyError, Request, evaluate
from shop_local.iam.policies import function_statements
from shop_local.iam.record import Recorder
from shop_local.iam.report import SECTION_HEADING, check, main, replace_section, unused_markdown
from shop_local.iam.sam_policies import SAM_POLICY_TEMPLATES
from shop_local.lambda_runtime.aws_call_hooks import Invocation
from shop_local.provisioning.provision import resolve_parameters
from shop_local.provisioning.stack import FUNCTION_TYPES, Stack
from shop_local.provisioning.template import TemplateLoader, find_template, load_template

ACCOUNT = "123456789012"
TEMPLATE = """
Parameters:
  MailFrom: {Type: String, Default: orders@example.com}
  Stage: {Type: String, Default: prod}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsTest: !Equals [!Ref Stage, test]
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  Secret: {Type: AWS::SecretsManager::Secret}
  Key: {Type: AWS::KMS::Key}
  Topic: {Type: AWS::SNS::Topic}
  Queue: {Type: AWS::SQS::Queue}
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/
      Handler: reader.handler
      Policies:
        - DynamoDBReadPolicy: {TableName: !Ref Table}
        - AWSSecretsManagerGetSecretValuePolicy: {SecretArn: !Ref Secret}
        - Statement:
            - Sid: OpenData
              Effect: Allow
              Action: kms:Decrypt
              Resource: !GetAtt Key.Arn
              Condition:
                StringEquals: {"kms:EncryptionContext:purpose": shop-pii}
            - Effect: Allow
              Action: [dynamodb:Query]
              Resource: !Sub "${Table.Arn}/index/gsi1"
        - !If [IsProd, {SNSPublishMessagePolicy: {TopicName: !GetAtt Topic.TopicName}}, !Ref AWS::NoValue]
        - !If [IsTest, {SQSSendMessagePolicy: {QueueName: !GetAtt Queue.QueueName}}, !Ref AWS::NoValue]
        - Statement:
            Effect: Allow
            Action: ses:SendEmail
            Resource: !Sub "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailFrom}"
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}
"""


def fake_stack(template: dict[str, Any]) -> Stack:
    """What provisioning would have recorded, with CloudFormation-shaped names and ARNs."""
    stack = Stack(template, "http://emulator.invalid", base_dir=Path("/nowhere"))
    stack.parameters = resolve_parameters(template.get("Parameters") or {}, {})

    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:us-east-1:{ACCOUNT}:{resource}"

    for logical_id, resource in stack.resources.items():
        name, kind = f"shop-local-{logical_id}", resource["Type"]
        if "Condition" in resource and not stack.condition(resource["Condition"]):
            continue
        if kind == "AWS::DynamoDB::Table":
            found = (
                name,
                {
                    "Arn": arn("dynamodb", f"table/{name}"),
                    "StreamArn": arn("dynamodb", f"table/{name}/stream/1"),
                },
            )
        elif kind == "AWS::SQS::Queue":
            url = f"http://emulator.invalid/{ACCOUNT}/{name}"
            found = url, {"Arn": arn("sqs", name), "QueueName": name, "QueueUrl": url}
        elif kind == "AWS::SNS::Topic":
            found = arn("sns", name), {"TopicArn": arn("sns", name), "TopicName": name}
        elif kind == "AWS::KMS::Key":
            key = str(uuid.uuid5(uuid.NAMESPACE_DNS, name))
            found = key, {"Arn": arn("kms", f"key/{key}"), "KeyId": key}
        elif kind == "AWS::SecretsManager::Secret":
            found = arn("secretsmanager", f"secret:{name}-AbCdEf"), {}
        else:
            found = name, {"Arn": arn("lambda", f"function:{name}"), "Name": name}
        stack.physical_ids[logical_id], stack.attributes[logical_id] = found
    return stack


@pytest.fixture(scope="module")
def stack() -> Stack:
    return fake_stack(yaml.load(TEMPLATE, Loader=TemplateLoader))  # noqa: S506 - a SafeLoader


def by_label(stack: Stack) -> dict[str, Any]:
    return {statement.label: statement for statement in function_statements(stack, "Reader")}


def test_sam_templates_expand_to_their_actions_on_the_stacks_arns(stack: Stack) -> None:
    statements = by_label(stack)
    read = statements["DynamoDBReadPolicy"]
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shop-local-Table"
    assert read.resources == (table, table + "/index/*")
    assert set(read.actions) == {
        "dynamodb:GetItem",
        "dynamodb:Scan",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:DescribeTable",
    }
    assert read.shown == (
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{{Table}}",
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{{Table}}/index/*",
    )
    secret = statements["AWSSecretsManagerGetSecretValuePolicy"]
    assert secret.resources == (stack.physical_ids["Secret"],) and secret.shown == ("{Secret}",)
    topic = statements["SNSPublishMessagePolicy"]
    assert topic.resources == (f"arn:aws:sns:us-east-1:{ACCOUNT}:shop-local-Topic",)


def test_inline_statements_resolve_intrinsics_and_keep_sid_and_condition(stack: Stack) -> None:
    statements = by_label(stack)
    opened = statements["OpenData"]
    assert opened.resources == (stack.attributes["Key"]["Arn"],) and opened.shown == ("{Key.Arn}",)
    assert opened.conditions == (("StringEquals", "kms:EncryptionContext:purpose", ("shop-pii",)),)
    query = statements["Policies[3].Statement[2]"]
    assert query.resources == (stack.attributes["Table"]["Arn"] + "/index/gsi1",)
    assert query.shown == ("{Table.Arn}/index/gsi1",)
    assert statements["Policies[6].Statement[1]"].resources == (
        f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/orders@example.com",
    )


def test_if_entries_follow_the_conditions_at_the_parameters_values(stack: Stack) -> None:
    assert "SNSPublishMessagePolicy" in by_label(stack) and "SQSSendMessagePolicy" not in by_label(stack)


def test_sam_adds_managed_policies_for_logs_and_the_event_source_as_implicit_statements(stack: Stack) -> None:
    implicit = [s for s in function_statements(stack, "Reader") if s.implicit]
    assert [s.label for s in implicit] == [
        "AWSLambdaBasicExecutionRole (managed)",
        "AWSLambdaSQSQueueExecutionRole (managed)",
    ]
    receive = Request("sqs:ReceiveMessage", stack.attributes["Queue"]["Arn"])
    assert evaluate(function_statements(stack, "Reader"), receive).allowed


def test_the_expanded_policy_allows_what_it_grants_and_nothing_else(stack: Stack) -> None:
    statements = function_statements(stack, "Reader")
    table, key = stack.attributes["Table"]["Arn"], stack.attributes["Key"]["Arn"]
    purpose = (("kms:EncryptionContext:purpose", ("shop-pii",)),)
    assert evaluate(
        statements, Request("dynamodb:Query", table + "/index/gsi9")
    ).allowed  # ReadPolicy: index/*
    assert not evaluate(statements, Request("dynamodb:PutItem", table)).allowed
    assert evaluate(statements, Request("kms:Decrypt", key, purpose)).allowed
    assert not evaluate(statements, Request("kms:Decrypt", key)).allowed
    assert not evaluate(statements, Request("kms:GenerateDataKey", key, purpose)).allowed


def test_an_unknown_policy_template_is_refused_naming_it() -> None:
    template = yaml.load(TEMPLATE, Loader=TemplateLoader)  # noqa: S506 - a SafeLoader
    template["Resources"]["Reader"]["Properties"]["Policies"] = [{"S3CrudPolicy": {"BucketName": "b"}}]
    with pytest.raises(PolicyError, match="S3CrudPolicy"):
        function_statements(fake_stack(template), "Reader")


def test_every_function_of_template_yaml_has_a_policy_this_model_reads() -> None:
    """A SAM policy template new to template.yaml must be copied into SAM_POLICY_TEMPLATES."""
    template = load_template(find_template())
    used = set(re.findall(r"^\s*- (\w+Policy):", find_template().read_text(), re.MULTILINE))
    assert used <= set(SAM_POLICY_TEMPLATES), used - set(SAM_POLICY_TEMPLATES)
    stack = fake_stack(template)
    functions = [lid for lid, res in stack.resources.items() if res["Type"] in FUNCTION_TYPES]
    assert functions and all(function_statements(stack, lid) for lid in functions)


# ---------------------------------------------------------------- the verdict on recorded calls
def record_run(directory: Path, stack: Stack, calls: list[tuple[str, str, dict[str, Any]]]) -> None:
    recorder = Recorder(directory)
    for service, operation, facts in calls:
        recorder.record(Invocation("Reader", "shop-local-Reader"), service, operation, facts)
    recorder.record(
        Invocation("Stranger", "other-stack-Stranger"), "dynamodb", "DeleteTable", {"TableName": "x"}
    )
    recorder.describe(stack)


def test_denied_calls_are_listed_as_function_action_on_resource_and_used_grants_are_not_unused(
    stack: Stack, tmp_path: Path
) -> None:
    record_run(
        tmp_path,
        stack,
        [
            ("dynamodb", "Query", {"TableName": "shop-local-Table", "IndexName": "gsi1"}),
            ("dynamodb", "PutItem", {"TableName": "shop-local-Table"}),
            (
                "kms",
                "Decrypt",
                {"KeyId": stack.physical_ids["Key"], "EncryptionContext": {"purpose": "shop-orders"}},
            ),
            ("secretsmanager", "GetSecretValue", {"SecretId": "shop-local-Secret"}),
        ],
    )
    outcome = check(tmp_path)
    table, key = stack.attributes["Table"]["Arn"], stack.attributes["Key"]["Arn"]
    assert [line.split(" [")[0] for line in outcome.denied_lines()] == [
        f"Reader: dynamodb:PutItem on {table}",
        f"Reader: kms:Decrypt on {key}",
    ]
    assert (outcome.calls, outcome.unchecked, outcome.invoked) == (4, 1, {"Reader"})
    unused = {(g.statement, g.action, g.resource) for g in outcome.unused}
    shown_index = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{{Table}}/index/*"
    # every statement that allows a call has that grant used, though one alone would do
    assert ("DynamoDBReadPolicy", "dynamodb:Query", shown_index) not in unused
    assert ("Policies[3].Statement[2]", "dynamodb:Query", "{Table.Arn}/index/gsi1") not in unused
    assert ("DynamoDBReadPolicy", "dynamodb:Query", shown_index.removesuffix("/index/*")) in unused
    assert (
        "AWSSecretsManagerGetSecretValuePolicy",
        "secretsmanager:GetSecretValue",
        "{Secret}",
    ) not in unused
    assert ("OpenData", "kms:Decrypt", "{Key.Arn}") in unused  # its condition did not hold
    assert not any("managed" in g.statement for g in outcome.grants)
    section = unused_markdown(outcome)
    assert (
        section.startswith(SECTION_HEADING) and "| Reader | OpenData | `{Key.Arn}` | kms:Decrypt |" in section
    )


def test_the_command_exits_1_on_denials_and_replaces_its_section_at_the_end_of_a_file(
    stack: Stack, tmp_path: Path
) -> None:
    record_run(tmp_path, stack, [("dynamodb", "DeleteItem", {"TableName": "shop-local-Table"})])
    security = tmp_path / "SECURITY.md"
    security.write_text(f"# Security\n\nKept.\n\n{SECTION_HEADING}\n\nAn old list.\n")
    assert main([str(tmp_path), "--security-md", str(security)]) == 1
    text = security.read_text()
    assert text.startswith("# Security\n\nKept.\n\n" + SECTION_HEADING)
    assert "An old list" not in text and text.count(SECTION_HEADING) == 1
    assert "Reader: dynamodb:DeleteItem" in text
    assert replace_section("# Other\n", "## New\n") == "# Other\n\n## New\n"


def test_a_run_with_only_allowed_calls_passes(stack: Stack, tmp_path: Path) -> None:
    record_run(tmp_path, stack, [("dynamodb", "GetItem", {"TableName": "shop-local-Table"})])
    assert main([str(tmp_path)]) == 0
    assert (tmp_path / "unused-grants.md").read_text().startswith(SECTION_HEADING)


def test_a_denied_call_on_something_that_does_not_exist_is_listed_apart_unless_it_ever_succeeded(
    stack: Stack, tmp_path: Path
) -> None:
    recorder = Recorder(tmp_path)
    reader = Invocation("Reader", "shop-local-Reader")
    recorder.record(
        reader, "secretsmanager", "GetSecretValue", {"SecretId": "gone"}, "ResourceNotFoundException"
    )
    recorder.record(reader, "dynamodb", "DeleteItem", {"TableName": "t"}, "ResourceNotFoundException")
    recorder.record(reader, "dynamodb", "DeleteItem", {"TableName": "t"})
    recorder.describe(stack)
    outcome = check(tmp_path)
    assert [line.split(" on ")[0] for line in outcome.missing_lines()] == [
        "Reader: secretsmanager:GetSecretValue"
    ]
    assert [line.split(" on ")[0] for line in outcome.denied_lines()] == ["Reader: dynamodb:DeleteItem"]
