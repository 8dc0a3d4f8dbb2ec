"""Copy the web client (web/) to ``s3://<bucket>/web/`` for CloudFront, pointing it at the deployed API.

Usage: ``python infra/web_deploy.py BUCKET API_URL`` (``make web-deploy``). Every file goes up with its
content type and ``Cache-Control: no-cache`` (the files carry no content hash, so CloudFront revalidates);
``config.js`` is rewritten so the page calls ``API_URL`` instead of its own origin.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
from pathlib import Path

import boto3

WEB_ROOT = Path(__file__).resolve().parents[1] / "web"
PREFIX = "web/"
CONFIG = "config.js"


def config_for(api_url: str) -> bytes:
    return f"export const API_BASE = {json.dumps(api_url.rstrip('/'))};\n".encode()


def web_files(root: Path = WEB_ROOT) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file() and not any(p.startswith(".") for p in path.parts))


def deploy(bucket: str, api_url: str, s3=None, root: Path = WEB_ROOT) -> list[str]:
    """Upload every file of ``root``; returns the keys written."""
    s3 = s3 or boto3.client("s3")
    keys = []
    for path in web_files(root):
        relative = path.relative_to(root).as_posix()
        body = config_for(api_url) if relative == CONFIG else path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type == "application/javascript":
            content_type += "; charset=utf-8"
        key = PREFIX + relative
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, CacheControl="no-cache")
        keys.append(key)
    return keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bucket")
    parser.add_argument("api_url")
    args = parser.parse_args()
    keys = deploy(args.bucket, args.api_url)
    print(f"web-deploy: {len(keys)} files to s3://{args.bucket}/{PREFIX} (API {args.api_url})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
