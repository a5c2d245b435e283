"""The session's model loader: botocore's models, loaded without listing every known service first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader

from shop.adapters import aws
from shop.adapters.aws import ServiceModels

SHOP_SERVICES = ("dynamodb", "sns", "sqs", "kms", "secretsmanager", "ses")


def _no_listing(self: Any, type_name: str) -> list[str]:
    raise AssertionError(f"listed every service for {type_name}")


@pytest.mark.parametrize("service", SHOP_SERVICES)
@pytest.mark.parametrize("type_name", ["service-2", "endpoint-rule-set-1"])
def test_the_models_are_botocores_own(service: str, type_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = Loader().load_service_model(service, type_name)
    monkeypatch.setattr(ServiceModels, "list_available_services", _no_listing)

    assert ServiceModels().load_service_model(service, type_name) == expected


def test_a_models_extras_are_merged_in_as_botocore_merges_them(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = Loader().load_service_model("ec2", "paginators-1")  # ec2 ships paginators-1.sdk-extras
    monkeypatch.setattr(ServiceModels, "list_available_services", _no_listing)

    assert ServiceModels().load_service_model("ec2", "paginators-1") == expected


def test_an_api_version_asked_for_is_the_one_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ServiceModels, "list_available_services", _no_listing)

    old = ServiceModels().load_service_model("dynamodb", "endpoint-rule-set-1", api_version="2011-12-05")

    assert old == Loader().load_service_model("dynamodb", "endpoint-rule-set-1", api_version="2011-12-05")
    assert old != Loader().load_service_model("dynamodb", "endpoint-rule-set-1")


def test_an_unknown_service_is_refused_as_botocore_refuses_it() -> None:
    with pytest.raises(UnknownServiceError, match="nosuchservice") as refused:
        ServiceModels().load_service_model("nosuchservice", "service-2")

    assert "dynamodb" in str(refused.value)  # botocore's listing of the valid names


def test_clients_are_made_with_it_and_honour_aws_data_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = Loader().load_service_model("sqs", "service-2")
    model["metadata"]["serviceId"] = "SQS Custom"
    (tmp_path / "sqs" / "2012-11-05").mkdir(parents=True)
    (tmp_path / "sqs" / "2012-11-05" / "service-2.json").write_text(json.dumps(model))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setattr(ServiceModels, "list_available_services", _no_listing)
    aws.session.cache_clear()
    try:
        made = aws.session().client("sqs")
    finally:
        aws.session.cache_clear()

    assert made.meta.service_model.service_id == "SQS Custom"  # the folder on AWS_DATA_PATH comes first
    assert made.meta.region_name == "eu-west-1"
