"""Order emails through SES (API v2 SendEmail): one simple message with a text and an HTML part."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shop.domain.order_emails import OrderEmail
from shop.services.notifications import MailNotSent


def _content(data: str) -> dict[str, str]:
    return {"Data": data, "Charset": "UTF-8"}


class SesMailer:
    def __init__(self, sesv2: Any, sender: str) -> None:
        self._ses, self._sender = sesv2, sender

    def send(self, to: str, email: OrderEmail) -> str:
        try:
            answer = self._ses.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": [to]},
                Content={
                    "Simple": {
                        "Subject": _content(email.subject),
                        "Body": {"Text": _content(email.text), "Html": _content(email.html)},
                    }
                },
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            raise MailNotSent(f"SES refused the email ({code})") from exc
        except BotoCoreError as exc:
            raise MailNotSent(f"SES could not be reached ({type(exc).__name__})") from exc
        return str(answer["MessageId"])
