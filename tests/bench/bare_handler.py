"""The cold-start benchmark's baseline: the least an API function of this stack can be.

powertools' Logger, Tracer (patching boto3) and Metrics on the handler as the shop's functions
have them (`shop.observability`), its REST resolver (without request validation, so no pydantic)
and a boto3 DynamoDB client making one GetItem, as GET /products/{id} does. Loaded and invoked
exactly as the shop's functions are, with events/catalog/get_product.json.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

logger = Logger(service="bare")
tracer = Tracer(service="bare", patch_modules=["boto3"])
metrics = Metrics(namespace="Bench", service="bare")
app = APIGatewayRestResolver()
dynamodb = boto3.client("dynamodb")
TABLE = os.environ["CATALOG_TABLE"]


@app.get("/products/<product_id>")
def get_product(product_id: str) -> dict[str, Any]:
    key = {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": "PRODUCT"}}
    item = dynamodb.get_item(TableName=TABLE, Key=key).get("Item")
    return {"id": product_id, "found": item is not None}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
