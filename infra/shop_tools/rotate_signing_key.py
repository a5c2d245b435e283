"""`make rotate-signing-key`: rotate the token signing key of the running local shop, as a deploy
with a raised SigningKeyGeneration does on AWS (docs/runbooks/signing-key-rotation.md): the new
key is published at once and signs after PUBLISH_AHEAD_SECONDS; the old one verifies until its
tokens have expired."""

from __future__ import annotations

import sys
import time


def main() -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from shop_local.settings import LocalSettings, SettingsError
    from shop_tools.admin import ShopNotRunning, local_environment

    try:
        local_environment(f"http://127.0.0.1:{LocalSettings.from_env().emulator_port}")
        from shop.bootstrap import build_secret_store
        from shop.config import settings
        from shop.services.signing_keys import PUBLISH_AHEAD_SECONDS, ensure_signing_keys

        config = settings()
        active = ensure_signing_keys(
            build_secret_store(),
            config.signing_key_secret,
            config.verification_keys_secret,
            int(time.time()),
            rotate=True,
            token_lifetime=config.access_token_ttl_seconds,
        )
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ShopNotRunning, ClientError, BotoCoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"new signing key published; it signs in {PUBLISH_AHEAD_SECONDS} s (kid {active} signs until then)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
