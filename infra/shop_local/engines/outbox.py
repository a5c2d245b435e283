"""The mails the emulator "sent", readable over HTTP the way LocalStack shows them (`/_aws/ses`).

moto keeps one body per mail (HTML if there is one) and no send time, so the emulator notes both
parts and the time of every SES send request as it passes, keyed by the MessageId moto answers.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qs

from moto.ses.models import RawMessage, TemplateMessage, ses_backends

MAILBOX_PATH = "/_aws/ses"
_MESSAGE_ID = re.compile(rb'<MessageId>([^<]+)</MessageId>|"MessageId"\s*:\s*"([^"]+)"')


@dataclass(frozen=True)
class PendingMail:
    text: str | None
    html: str | None
    at: str


class MailOutbox:
    """Side notes on sent mails, and the `/_aws/ses` answers. Callers hold the emulator's lock."""

    def __init__(self) -> None:
        self._notes: dict[str, PendingMail] = {}

    def before(self, environ: dict[str, Any]) -> PendingMail | None:
        """Read the bodies of an SES send request (v1 query or v2 JSON), leaving the input readable."""
        if "/ses/aws4_request" not in environ.get("HTTP_AUTHORIZATION", ""):
            return None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        text = html = None
        if environ.get("PATH_INFO", "").startswith("/v2/email/outbound-emails"):
            body = json.loads(raw or b"{}").get("Content", {}).get("Simple", {}).get("Body", {})
            text, html = body.get("Text", {}).get("Data"), body.get("Html", {}).get("Data")
        else:
            form = parse_qs(raw.decode("utf-8", "replace"))
            if form.get("Action", [""])[0] not in {"SendEmail", "SendRawEmail", "SendTemplatedEmail"}:
                return None
            text = form.get("Message.Body.Text.Data", [None])[0]
            html = form.get("Message.Body.Html.Data", [None])[0]
        return PendingMail(text, html, datetime.now(UTC).isoformat(timespec="milliseconds"))

    def after(self, mail: PendingMail, response: bytes) -> None:
        for xml_id, json_id in _MESSAGE_ID.findall(response):
            self._notes[(xml_id or json_id).decode()] = mail

    def answer(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "DELETE":
            self._delete(query.get("id", [None])[0])
            return "204 No Content", [], b""
        if method != "GET":
            return "405 Method Not Allowed", [("Allow", "GET, DELETE")], b""
        wanted = query.get("email", [None])[0]
        messages = [m for m in self.messages() if wanted is None or _same_address(m["Source"], wanted)]
        body = json.dumps({"messages": messages}).encode()
        return "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body

    def messages(self) -> list[dict[str, Any]]:
        """Every mail sent, in every account and region, oldest first within a region."""
        found: list[dict[str, Any]] = []
        for account in list(ses_backends.values()):
            for region, backend in list(account.items()):
                found.extend(self._shape(region, message) for message in backend.sent_messages)
        return found

    def _delete(self, message_id: str | None) -> None:
        for account in list(ses_backends.values()):
            for backend in list(account.values()):
                backend.sent_messages[:] = [
                    m for m in backend.sent_messages if message_id is not None and m.id != message_id
                ]
        if message_id is None:
            self._notes.clear()
        else:
            self._notes.pop(message_id, None)

    def _shape(self, region: str, message: Any) -> dict[str, Any]:
        note = self._notes.get(message.id)
        shaped: dict[str, Any] = {"Id": message.id, "Region": region, "Source": message.source}
        if isinstance(message, RawMessage):
            shaped["RawData"] = message.raw_data
            shaped["Destination"] = {"ToAddresses": list(message.destinations)}
        elif isinstance(message, TemplateMessage):
            shaped["Template"] = message.template
            shaped["TemplateData"] = message.template_data
            shaped["Destination"] = message.destinations
        else:
            shaped["Destination"] = message.destinations
            shaped["Subject"] = message.subject
            if note is not None:
                shaped["Body"] = {"text_part": note.text, "html_part": note.html}
            else:
                is_html = message.body.lstrip().startswith("<")
                shaped["Body"] = {
                    "text_part": None if is_html else message.body,
                    "html_part": message.body if is_html else None,
                }
        shaped["Timestamp"] = note.at if note is not None else None
        return shaped


def _same_address(source: str, wanted: str) -> bool:
    return source == wanted or parseaddr(source)[1].lower() == parseaddr(wanted)[1].lower()
