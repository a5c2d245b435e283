"""template.yaml fit for running: logs with a retention, data that outlives the stack, alarms that
each have a runbook entry, and the edge cache of the public catalog reads (read from the template
and docs/operations.md, no network)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shop_local.provisioning.intrinsics import NO_VALUE
from shop_local.provisioning.stack import Stack
from shop_local.provisioning.template import find_template, load_template

ROOT = Path(__file__).resolve().parents[3]
RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(find_template())


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"])


@pytest.fixture(scope="module")
def runbook() -> str:
    return (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r.get("Type") == kind}


def stack(template: dict[str, Any], **parameters: str) -> Stack:
    declared = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    built = Stack(template, "http://x", base_dir=Path("/"))
    built.parameters = declared | parameters
    return built


def test_every_function_logs_to_its_own_group_with_the_retention_parameter(resources):
    functions = of_type(resources, "AWS::Serverless::Function")
    assert len(functions) > 40
    for name, function in functions.items():
        config = function["Properties"].get("LoggingConfig")
        assert config == {"LogGroup": {"Ref": f"{name}LogGroup"}}, name
        group = resources[f"{name}LogGroup"]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        assert group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}/{name}"}


def test_log_retention_is_a_parameter_of_30_days_by_default(template):
    retention = template["Parameters"]["LogRetentionDays"]
    assert retention["Default"] == 30 and 30 in retention["AllowedValues"]


def test_the_api_writes_json_access_logs_with_what_an_operator_needs(resources):
    api = resources["ShopApi"]["Properties"]
    setting = api["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = re.findall(r'"(\w+)":"\$context\.([\w.]+)"', setting["Format"])
    logged = dict(fields)
    assert logged["requestId"] == "requestId" and logged["ip"] == "identity.sourceIp"
    assert logged["resourcePath"] == "resourcePath" and logged["status"] == "status"
    assert logged["latency"] == "responseLatency"
    assert logged["integrationLatency"] == "integrationLatency"
    group = resources["ApiAccessLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # access logging needs the account's CloudWatch Logs role before the stage exists
    assert resources["ShopApi"]["DependsOn"] == "ApiGatewayAccount"
    assert resources["ApiGatewayLogsRole"]["DeletionPolicy"] == "Retain"


def test_access_log_lines_are_json(resources):
    import json

    line = re.sub(r"\$context\.[\w.]+", "x", resources["ShopApi"]["Properties"]["AccessLogSetting"]["Format"])
    assert set(json.loads(line)) >= {"requestId", "ip", "resourcePath", "status", "latency"}


def test_every_table_has_pitr_deletion_protection_from_the_parameter_and_is_kept(template, resources):
    tables = of_type(resources, "AWS::DynamoDB::Table")
    assert len(tables) >= 9
    for name, table in tables.items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert props["DeletionProtectionEnabled"] == {"Fn::If": ["TablesDeletionProtected", True, False]}, (
            name
        )
        assert {k: table.get(k) for k in RETAIN} == RETAIN, name
    assert template["Conditions"]["TablesDeletionProtected"] == {
        "Fn::Equals": [{"Ref": "DeletionProtection"}, "true"]
    }
    parameter = template["Parameters"]["DeletionProtection"]
    assert parameter["Default"] == "true" and parameter["AllowedValues"] == ["true", "false"]
    assert stack(template).condition("TablesDeletionProtected")
    assert not stack(template, DeletionProtection="false").condition("TablesDeletionProtected")


@pytest.mark.parametrize("kind", ["AWS::SQS::Queue", "AWS::SecretsManager::Secret", "AWS::KMS::Key"])
def test_queues_secrets_and_keys_outlive_the_stack(resources, kind):
    found = of_type(resources, kind)
    assert found
    for name, resource in found.items():
        assert {k: resource.get(k) for k in RETAIN} == RETAIN, name


def test_what_the_kept_users_table_needs_is_kept_too(resources):
    for name in ("BlindIndexSecret", "DataKey", "SigningKeySecret", "VerificationKeysSecret"):
        assert resources[name]["DeletionPolicy"] == "Retain", name


def test_sam_makes_no_extra_stage_and_the_api_url_is_partition_neutral(template):
    assert template["Globals"]["Api"]["OpenApiVersion"] == "3.0.1"
    url = template["Outputs"]["ApiUrl"]["Value"]["Fn::Sub"]
    assert "${AWS::URLSuffix}" in url and "amazonaws.com" not in url


def test_the_sender_is_required_and_documented(template):
    mail_from = template["Parameters"]["MailFrom"]
    assert "Default" not in mail_from
    assert "SES" in mail_from["Description"] and "verif" in mail_from["Description"]
    assert re.fullmatch(mail_from["AllowedPattern"], "orders@shop.local")
    assert not re.fullmatch(mail_from["AllowedPattern"], "not an address")


def test_the_local_stack_gives_the_required_sender_a_local_value(template):
    from shop_local.provisioning.provision import resolve_parameters

    values = resolve_parameters(template["Parameters"], {})
    assert values["MailFrom"] == "orders@shop.local"  # what `sam deploy --guided` asks for on AWS
    assert (
        resolve_parameters(template["Parameters"], {"MailFrom": "a@b.example"})["MailFrom"] == "a@b.example"
    )
    assert (values["DeletionProtection"], values["LogRetentionDays"], values["AlarmEmail"]) == (
        "true",
        "30",
        "",
    )


def test_the_signing_key_setup_cannot_keep_cloudformation_waiting(resources):
    setup = resources["SigningKeySetup"]["Properties"]
    assert 60 <= setup["ServiceTimeout"] <= 300
    source = (ROOT / "functions" / "setup" / "signing_key.py").read_text(encoding="utf-8")
    module_level = [line for line in source.splitlines() if re.match(r"^(import|from) ", line)]
    assert module_level and all(
        re.match(r"^(from __future__ |import (json|logging|time|urllib\.\w+)$|from typing )", line)
        for line in module_level
    ), module_level


def test_the_reservation_sweep_has_a_failure_destination(resources):
    function = resources["ExpireReservationsFunction"]["Properties"]
    dlq = {"Fn::GetAtt": ["ExpireReservationsDLQ", "Arn"]}
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": dlq,
    }
    sweep = function["Events"]["Sweep"]["Properties"]
    assert sweep["DeadLetterConfig"] == {"Arn": dlq}
    policy = resources["ExpireReservationsDLQPolicy"]["Properties"]
    assert policy["Queues"] == [{"Ref": "ExpireReservationsDLQ"}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    rule = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    assert rule.endswith("rule/" + sweep["Name"]["Fn::Sub"])


def _alarms(resources: dict[str, Any]) -> dict[str, Any]:
    return of_type(resources, "AWS::CloudWatch::Alarm")


def _metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads: its own, or those of its metric math."""
    props = alarm["Properties"]
    if "MetricName" in props:
        return [
            {
                "Namespace": props["Namespace"],
                "MetricName": props["MetricName"],
                "Dimensions": props["Dimensions"],
            }
        ]
    return [query["MetricStat"]["Metric"] for query in props["Metrics"] if "MetricStat" in query]


def test_at_least_eight_alarms_each_publishing_to_the_alarm_topic(resources):
    alarms = _alarms(resources)
    assert len(alarms) >= 8
    for name, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert props["OKActions"] == [{"Ref": "AlarmTopic"}], name
        assert props["AlarmName"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}, name
        assert f"docs/operations.md#{name.lower()}" in props["AlarmDescription"], name
        assert props["TreatMissingData"] == "notBreaching", name
    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"


def test_every_alarm_has_a_runbook_entry(resources, runbook):
    headings = set(re.findall(r"^### (\w+)$", runbook, re.MULTILINE))
    missing = sorted(set(_alarms(resources)) - headings)
    assert not missing, f"docs/operations.md has no runbook entry for {missing}"
    for name in _alarms(resources):
        entry = runbook.split(f"\n### {name}\n", 1)[1].split("\n### ", 1)[0]
        assert "**Means:**" in entry, name
        assert "**Fixes:**" in entry or "First checks and fixes" in entry, name


def test_the_alarm_email_subscription_exists_only_when_an_address_is_given(template, resources):
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    assert not stack(template).condition("HasAlarmEmail")
    assert stack(template, AlarmEmail="ops@example.com").condition("HasAlarmEmail")


def test_every_dead_letter_queue_has_a_not_empty_alarm(resources):
    dead_letter_queues = {name for name in of_type(resources, "AWS::SQS::Queue") if name.endswith("DLQ")}
    text = repr(resources)
    for target in re.findall(r"'Fn::GetAtt': \['(\w+)', 'Arn'\]", text):
        if target.endswith("DLQ"):
            dead_letter_queues.add(target)
    assert dead_letter_queues >= {
        "PublisherDLQ",
        "NotificationsDLQ",
        "SalesStatsDLQ",
        "RefundsDLQ",
        "ExpireReservationsDLQ",
    }
    watched = {}
    for alarm in _alarms(resources).values():
        for metric in _metrics(alarm):
            if metric["MetricName"] == "ApproximateNumberOfMessagesVisible":
                (dimension,) = metric["Dimensions"]
                watched[dimension["Value"]["Fn::GetAtt"][0]] = alarm["Properties"]
    for queue in dead_letter_queues:
        assert queue in watched, f"no alarm on {queue} holding messages"
        props = watched[queue]
        assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)


def test_the_slo_alarms_watch_what_the_runbook_says(resources):
    by_metric: dict[str, set[str]] = {}
    for name, alarm in _alarms(resources).items():
        for metric in _metrics(alarm):
            by_metric.setdefault(metric["MetricName"], set()).add(name)
    assert "Api5xxFastBurnAlarm" in by_metric["5XXError"] & by_metric["Count"]
    assert "ApiLatencyP99Alarm" in by_metric["Latency"]
    assert resources["ApiLatencyP99Alarm"]["Properties"]["ExtendedStatistic"] == "p99"
    assert "PublisherIteratorAgeAlarm" in by_metric["IteratorAge"]
    assert "RefundsPendingTooLongAlarm" in by_metric["ApproximateAgeOfOldestMessage"]
    for table in ("OrdersTable", "CatalogTable"):
        assert f"{table}SystemErrorsAlarm" in by_metric["SystemErrors"]
        assert f"{table}ThrottlesAlarm" in by_metric["WriteThrottleEvents"]
    assert "PaymentsFailedAlarm" in by_metric["PaymentsFailed"]


def test_errors_and_throttles_of_the_critical_functions_are_watched(resources):
    watched: dict[str, set[str]] = {}
    for alarm in _alarms(resources).values():
        for metric in _metrics(alarm):
            for dimension in metric["Dimensions"]:
                if dimension["Name"] == "FunctionName":
                    watched.setdefault(metric["MetricName"], set()).add(dimension["Value"]["Ref"])
    critical = {
        "CheckoutFunction",
        "PayOrderFunction",
        "AuthorizerFunction",
        "LoginFunction",
        "OrderEventsPublisherFunction",
    }
    assert critical <= watched["Errors"]
    assert critical <= watched["Throttles"]


def test_business_alarms_name_the_metrics_as_the_functions_emit_them(resources):
    for alarm in _alarms(resources).values():
        for metric in _metrics(alarm):
            if metric["Namespace"] == "ServerlessShop":
                assert metric["Dimensions"] == [{"Name": "service", "Value": "shop"}]


def test_the_dashboard_shows_every_alarm(resources):
    dashboard = resources["ShopDashboard"]["Properties"]
    body = dashboard["DashboardBody"]["Fn::Sub"]
    for name in _alarms(resources):
        assert "${" + name + ".Arn}" in body, name
    for needed in ("AWS/ApiGateway", "AWS/Lambda", "AWS/DynamoDB", "AWS/SQS", "ServerlessShop"):
        assert needed in body


def _behaviours(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    config = resources["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    return {b["PathPattern"]: b for b in config["CacheBehaviors"]}


def test_the_catalog_cache_policy_follows_the_origin_and_keys_by_token_and_query(resources):
    config = resources["CatalogCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert (config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]) == (0, 0, 60)
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]}
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    assert key["EnableAcceptEncodingGzip"] and key["EnableAcceptEncodingBrotli"]


def test_the_cache_keeps_no_longer_than_the_handlers_allow():
    from shop.api.catalog_caching import MAX_AGE_SECONDS, PRIVATE, PUBLIC

    template = load_template(find_template())
    config = template["Resources"]["CatalogCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert config["MaxTTL"] >= MAX_AGE_SECONDS
    assert PUBLIC.startswith("public, ") and PRIVATE.startswith("private, ")
    assert config["MinTTL"] == 0 and "no-store" in PRIVATE  # MinTTL 0: a private answer is never kept


@pytest.mark.parametrize("path", ["/products*", "/categories*"])
def test_only_catalog_reads_are_cached(resources, path):
    behaviours = _behaviours(resources)
    catalog = behaviours[path]
    assert catalog["CachePolicyId"] == {"Ref": "CatalogCachePolicy"}
    assert catalog["CachedMethods"] == ["GET", "HEAD"]
    assert {"POST", "PATCH", "DELETE"} <= set(catalog["AllowedMethods"])
    assert catalog["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert catalog["TargetOriginId"] == "api"
    others = [b for p, b in behaviours.items() if p not in {"/products*", "/categories*"}]
    assert others and all(b["CachePolicyId"] == CACHING_DISABLED for b in others)


def test_error_answers_are_never_cached(resources):
    config = resources["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    errors = {e["ErrorCode"]: e for e in config["CustomErrorResponses"]}
    assert {400, 403, 404, 500, 502, 503, 504} <= set(errors)
    assert all(e["ErrorCachingMinTTL"] == 0 and "ResponsePagePath" not in e for e in errors.values())


def _api_origin_shield(template: dict[str, Any], **parameters: str) -> Any:
    config = template["Resources"]["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    (api,) = [origin for origin in config["Origins"] if origin["Id"] == "api"]
    return stack(template, **parameters).resolve(api.get("OriginShield"))


def test_the_api_origin_has_an_origin_shield_in_the_stacks_region_by_default(template):
    built = stack(template)
    assert _api_origin_shield(template) == {"Enabled": True, "OriginShieldRegion": built.region}
    chosen = _api_origin_shield(template, OriginShieldRegion="eu-central-1")
    assert chosen == {"Enabled": True, "OriginShieldRegion": "eu-central-1"}
    assert _api_origin_shield(template, OriginShieldRegion="off") in (None, NO_VALUE)


def test_the_operations_doc_explains_the_caching_choice(runbook):
    caching = runbook.split("\n## Caching\n", 1)[1].split("\n## ", 1)[0]
    assert "CloudFront" in caching and "API Gateway cache" in caching
    assert "x-cache" in caching


def test_the_slos_and_the_error_budget_are_defined(runbook):
    slo = runbook.split("\n## Service level objectives\n", 1)[1].split("\n## Alarms\n", 1)[0]
    assert "99.9%" in slo and "43.2 minutes" in " ".join(slo.split())
    for route_class in ("catalog reads", "cart", "checkout and payment", "auth", "admin"):
        assert re.search(rf"^\| {route_class}[^|]*\|[^|]+\| \d+ ms \|$", slo, re.MULTILINE), route_class
