"""What IAM authorizes for a botocore call: its action(s) and resource ARN(s), with condition keys.

Two steps, so that a call costs little when it is made: `call_facts` keeps only the parameters that
decide the authorization (names and ids, never items or secrets), and `requests_for` turns them into
IAM requests later, with an `ArnBook` of the stack (secret names, key aliases and queue URLs to ARNs).

DynamoDB: the table, or `table/T/index/I` for a Query or Scan of an index; TransactWriteItems is each
element's own action on its table (Put: PutItem, Update: UpdateItem, Delete: DeleteItem,
ConditionCheck: ConditionCheckItem), TransactGetItems a GetItem per element, BatchGetItem and
BatchWriteItem their action on every table. KMS: the key named by KeyId; a Decrypt without one uses
the key KMS says it used (the ciphertext's), else the stack's only key, and says so; the encryption
context becomes `kms:EncryptionContext:<key>` and `kms:EncryptionContextKeys`. Secrets Manager: the
secret's full ARN, from an ARN, a partial ARN or a name. SNS: the topic (PublishBatch is sns:Publish).
SQS: the queue's ARN from its URL (batch calls are their single action). SES: ses:SendEmail on the
sender's identity (the address, or its domain when only the domain is an identity of the stack).
Anything else: `<service>:<Operation>` on `*`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from shop_local.iam.check import Request

_FIELDS = (
    "TableName",
    "IndexName",
    "ResourceArn",
    "StreamArn",
    "KeyId",
    "SourceKeyId",
    "DestinationKeyId",
    "SecretId",
    "TopicArn",
    "TargetArn",
    "QueueUrl",
    "QueueName",
    "FromEmailAddress",
    "FromEmailAddressIdentityArn",
    "ConfigurationSetName",
    "Source",
    "SourceArn",
)
IAM_PREFIXES = {"dynamodbstreams": "dynamodb", "sesv2": "ses"}
_ACTION_NAMES = {
    ("sns", "PublishBatch"): "Publish",
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
}
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
_NAME = r'(?:"(?P<quoted>[^"]+)"|(?P<bare>[\w.-]+))(?:\."(?P<index>[^"]+)")?'
_PARTIQL = {
    "SELECT": re.compile(r"^\s*(?:SELECT|EXISTS)\b.*?\bFROM\s+" + _NAME, re.IGNORECASE | re.DOTALL),
    "INSERT": re.compile(r"^\s*INSERT\s+INTO\s+" + _NAME, re.IGNORECASE),
    "UPDATE": re.compile(r"^\s*UPDATE\s+" + _NAME, re.IGNORECASE),
    "DELETE": re.compile(r"^\s*DELETE\s+FROM\s+" + _NAME, re.IGNORECASE),
}


@dataclass(frozen=True)
class ArnBook:
    """The stack's ARNs that a call may name differently (by name, alias or URL)."""

    region: str
    account: str
    secrets: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # alias/name -> key ARN
    queues: dict[str, str] = field(default_factory=dict)  # URL -> ARN
    identities: tuple[str, ...] = ()  # SES identities: addresses and domains

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "account": self.account,
            "secrets": list(self.secrets),
            "keys": list(self.keys),
            "aliases": dict(self.aliases),
            "queues": dict(self.queues),
            "identities": list(self.identities),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ArnBook:
        return cls(
            region=str(data["region"]),
            account=str(data["account"]),
            secrets=tuple(data.get("secrets") or ()),
            keys=tuple(data.get("keys") or ()),
            aliases=dict(data.get("aliases") or {}),
            queues=dict(data.get("queues") or {}),
            identities=tuple(data.get("identities") or ()),
        )


# ---------------------------------------------------------------- at call time
def call_facts(operation: str, params: Mapping[str, Any], answer: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters (and, for a Decrypt, the answer's key) that decide the authorization."""
    facts: dict[str, Any] = {name: params[name] for name in _FIELDS if isinstance(params.get(name), str)}
    context = params.get("EncryptionContext")
    if isinstance(context, Mapping):
        facts["EncryptionContext"] = {str(k): str(v) for k, v in sorted(context.items())}
    items = params.get("RequestItems")
    if isinstance(items, Mapping):
        facts["tables"] = sorted(str(table) for table in items)
    elements = params.get("TransactItems")
    if isinstance(elements, list):
        facts["elements"] = sorted(
            {(kind, str(body.get("TableName"))) for element in elements for kind, body in element.items()}
        )
    statements = [params.get("Statement")] + [
        s.get("Statement") for s in (params.get("Statements") or params.get("TransactStatements") or [])
    ]
    parsed = [_partiql(text) for text in statements if isinstance(text, str)]
    if parsed:
        facts["partiql"] = sorted(set(parsed))
    if answer and operation in {"Decrypt", "ReEncrypt"}:
        used = answer.get("SourceKeyId") if operation == "ReEncrypt" else answer.get("KeyId")
        if isinstance(used, str):
            facts["answer_key"] = used
    return facts


def _partiql(statement: str) -> tuple[str, str, str]:
    """(verb, table, index) of a PartiQL statement; ("Unknown", "*", "") when it cannot be read."""
    for verb, pattern in _PARTIQL.items():
        found = pattern.match(statement)
        if found is not None:
            return (verb, found["quoted"] or found["bare"], found["index"] or "")
    return ("Unknown", "*", "")


# ---------------------------------------------------------------- later
def iam_action(service: str, operation: str) -> str:
    name = _ACTION_NAMES.get((service, operation), operation)
    return f"{IAM_PREFIXES.get(service, service)}:{name}"


def requests_for(service: str, operation: str, facts: Mapping[str, Any], book: ArnBook) -> list[Request]:
    mapper = _MAPPERS.get(service)
    found = mapper(operation, facts, book) if mapper else []
    if not found:
        found = [Request(iam_action(service, operation), "*", note="no resource known for this call")]
    region = (("aws:RequestedRegion", (book.region,)),)
    return [Request(r.action, r.resource, r.context + region, r.note) for r in found]


def _table(name: str, book: ArnBook) -> str:
    return name if name.startswith("arn:") else book.arn("dynamodb", f"table/{name}")


def _dynamodb(operation: str, facts: Mapping[str, Any], book: ArnBook) -> list[Request]:
    if operation in {"TransactWriteItems", "TransactGetItems"}:
        return [
            Request(f"dynamodb:{TRANSACT_ACTIONS.get(kind, kind)}", _table(table, book))
            for kind, table in facts.get("elements", [])
        ]
    if operation in {"BatchGetItem", "BatchWriteItem"}:
        return [Request(f"dynamodb:{operation}", _table(table, book)) for table in facts.get("tables", [])]
    if "partiql" in facts:
        return [
            Request(
                f"dynamodb:PartiQL{verb.capitalize()}",
                "*" if table == "*" else _table(table, book) + (f"/index/{index}" if index else ""),
            )
            for verb, table, index in facts["partiql"]
        ]
    action = iam_action("dynamodb", operation)
    if "TableName" in facts:
        arn = _table(str(facts["TableName"]), book)
        if operation in {"Query", "Scan"} and "IndexName" in facts:
            arn += f"/index/{facts['IndexName']}"
        return [Request(action, arn)]
    return [Request(action, str(facts["ResourceArn"]))] if "ResourceArn" in facts else []


def _streams(operation: str, facts: Mapping[str, Any], book: ArnBook) -> list[Request]:
    action = iam_action("dynamodbstreams", operation)
    if "StreamArn" in facts:
        return [Request(action, str(facts["StreamArn"]))]
    if operation == "ListStreams" and "TableName" in facts:
        return [Request(action, _table(str(facts["TableName"]), book) + "/stream/*")]
    if operation == "GetRecords":
        return [Request(action, "*", note="a shard iterator does not name its stream")]
    return []


def key_arn(key: str, book: ArnBook) -> str:
    """A key id, key ARN, alias name or alias ARN, as the key's ARN (IAM authorizes on the key)."""
    if key.startswith("arn:") and ":key/" in key:
        return key
    alias = key if key.startswith("alias/") else key.split(":", 5)[-1] if ":alias/" in key else None
    if alias is not None:
        return book.aliases.get(alias, book.arn("kms", alias))
    return book.arn("kms", f"key/{key}")


def _kms(operation: str, facts: Mapping[str, Any], book: ArnBook) -> list[Request]:
    action = iam_action("kms", operation)
    context = tuple(
        (f"kms:EncryptionContext:{name}", (value,))
        for name, value in (facts.get("EncryptionContext") or {}).items()
    )
    if "EncryptionContext" in facts:
        context += (("kms:EncryptionContextKeys", tuple(facts["EncryptionContext"])),)
    given = facts.get("SourceKeyId") if operation == "ReEncrypt" else facts.get("KeyId")
    if isinstance(given, str):
        found = [Request(action, key_arn(given, book), context)]
    elif operation in {"Decrypt", "ReEncrypt"} and "answer_key" in facts:
        note = "key taken from KMS's answer: the call named none (the ciphertext's key)"
        found = [Request(action, key_arn(str(facts["answer_key"]), book), context, note)]
    elif operation in {"Decrypt", "ReEncrypt"} and len(book.keys) == 1:
        note = "the call named no key and failed: assumed the stack's only key"
        found = [Request(action, book.keys[0], context, note)]
    else:
        return []
    if operation == "ReEncrypt" and isinstance(facts.get("DestinationKeyId"), str):
        found.append(Request("kms:ReEncryptTo", key_arn(str(facts["DestinationKeyId"]), book), context))
        found[0] = Request("kms:ReEncryptFrom", found[0].resource, context, found[0].note)
    return found


def secret_arn(secret: str, book: ArnBook) -> str:
    """The secret's full ARN from its ARN, partial ARN (no random suffix) or name."""
    for arn in book.secrets:
        name = arn.split(":secret:", 1)[-1].rsplit("-", 1)[0]
        if secret in (arn, name) or (secret.startswith("arn:") and arn.startswith(secret + "-")):
            return arn
    return secret if secret.startswith("arn:") else book.arn("secretsmanager", f"secret:{secret}")


def _secrets(operation: str, facts: Mapping[str, Any], book: ArnBook) -> list[Request]:
    if "SecretId" not in facts:
        return []
    arn = secret_arn(str(facts["SecretId"]), book)
    note = "" if arn in book.secrets else "not a secret of the stack"
    return [Request(iam_action("secretsmanager", operation), arn, note=note)]


def _sns(operation: str, facts: Mapping[str, Any], book: ArnBook) -> list[Request]:
    topic = facts.get("TopicArn") or facts.get("TargetArn")
    return [Request(iam_action("sns", operation), str(topic))] if topic else []


def queue_arn(url: str, book: ArnBook) -> str:
    if url in book.queues:
        return book.queues[url]
    parts = urlparse(url).path.strip("/").split("/")
    account, name = (parts[0], parts[1]) if len(parts) == 2 else (book.account, parts[-1])
    return f"arn:aws:sqs:{book.region}:{account}:{name}"


def _sqs(operation: str, facts: Mapping[str, Any], book: ArnBook) -> list[Request]:
    action = iam_action("sqs", operation)
    if "QueueUrl" in facts:
        return [Request(action, queue_arn(str(facts["QueueUrl"]), book))]
    if "QueueName" in facts:
        return [Request(action, book.arn("sqs", str(facts["QueueName"])))]
    return []


def sender_identity(sender: str, book: ArnBook) -> str:
    """The SES identity that authorizes mail from `sender` ("Name <a@b.c>" or "a@b.c")."""
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    domain = address.rsplit("@", 1)[-1]
    identity = domain if address not in book.identities and domain in book.identities else address
    return book.arn("ses", f"identity/{identity}")


def _ses(operation: str, facts: Mapping[str, Any], book: ArnBook) -> list[Request]:
    action = iam_action("ses", operation)
    if operation not in {"SendEmail", "SendRawEmail", "SendBulkEmail", "SendTemplatedEmail"}:
        return []
    given = facts.get("FromEmailAddressIdentityArn") or facts.get("SourceArn")
    sender = facts.get("FromEmailAddress") or facts.get("Source")
    if given:
        found = [Request(action, str(given))]
    elif sender:
        found = [Request(action, sender_identity(str(sender), book))]
    else:
        return []
    if "ConfigurationSetName" in facts:
        found.append(Request(action, book.arn("ses", f"configuration-set/{facts['ConfigurationSetName']}")))
    return found


Mapper = Callable[[str, Mapping[str, Any], ArnBook], list[Request]]
_MAPPERS: dict[str, Mapper] = {
    "dynamodb": _dynamodb,
    "dynamodbstreams": _streams,
    "kms": _kms,
    "secretsmanager": _secrets,
    "sns": _sns,
    "sqs": _sqs,
    "sesv2": _ses,
    "ses": _ses,
}
