"""`python -m shop_tools.console_upload --stack NAME`: put the built console into the stack's bucket.

`make deploy` runs it after `sam deploy`. The files go under `console/` (CloudFront serves the
bucket at the site's root, so /console/... is console/... in the bucket), each with its content
type; the hashed assets are cached for good and index.html never, and CloudFront is told to drop
what it holds under /console/ so that the new index.html is seen at once. Old hashed assets stay,
for pages still open on the previous version.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from shop_local.api_gateway.console_files import CONTENT_TYPES, console_dist

KEY_PREFIX = "console/"


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def upload(s3: Any, bucket: str, dist: Path) -> list[str]:
    """Every file of `dist`, assets first so that no index.html ever names a missing file."""
    files = sorted((p for p in dist.rglob("*") if p.is_file()), key=lambda p: p.name == "index.html")
    keys = []
    for path in files:
        relative = path.relative_to(dist).as_posix()
        immutable = relative.startswith("assets/")
        s3.put_object(
            Bucket=bucket,
            Key=KEY_PREFIX + relative,
            Body=path.read_bytes(),
            ContentType=CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"),
            CacheControl="public, max-age=31536000, immutable" if immutable else "no-cache",
        )
        keys.append(KEY_PREFIX + relative)
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shop_tools.console_upload", description=__doc__)
    parser.add_argument("--stack", required=True, help="the deployed CloudFormation stack")
    args = parser.parse_args(argv)
    dist = console_dist()
    if not (dist / "index.html").is_file():
        print("error: the console is not built: run `make console`", file=sys.stderr)
        return 1
    import boto3

    outputs = stack_outputs(boto3.client("cloudformation"), args.stack)
    bucket, distribution = outputs["ConsoleBucketName"], outputs["ConsoleDistributionId"]
    keys = upload(boto3.client("s3"), bucket, dist)
    boto3.client("cloudfront").create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/console/*"]},
            "CallerReference": f"console-{int(time.time())}",
        },
    )
    print(
        f"{len(keys)} files in s3://{bucket}/{KEY_PREFIX}; the console is at {outputs.get('ConsoleUrl', '?')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
