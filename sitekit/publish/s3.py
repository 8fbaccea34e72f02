"""Deploy to S3 or any S3-compatible store: changed files only, assets before pages.

A file is uploaded when its MD5 differs from the object's ETag (single-part
uploads, so the ETag is the MD5). Assets go first, then HTML, then feeds and the
sitemap, so a page never links to an asset that is not there yet. Objects no
longer in the site are deleted only after every upload succeeded. Credentials come
from boto3's usual chain (environment, ~/.aws, instance roles), never from here.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import mimetypes
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from .report import Progress, Summary
from .staging import PublishError, staged_files

SHORT_CACHE = "public, max-age=300, must-revalidate"  # pages and feeds: fresh within minutes
LONG_CACHE = "public, max-age=604800"  # assets: a week (their names do not change)
SHORT_CACHE_SUFFIXES = (".html", ".htm", ".xml", ".txt", ".json", ".webmanifest")
CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".map": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
}
FEED_TYPES = {".atom.xml": "application/atom+xml", ".rss.xml": "application/rss+xml"}
# Above this many changed paths one wildcard invalidation is cheaper than a list.
MAX_INVALIDATION_PATHS = 100
DELETE_BATCH = 1000
UPLOAD_THREADS = 8  # within a stage; boto3 clients are thread-safe


def content_type_for(path: str) -> str:
    """The Content-Type header for a site file, with charset=utf-8 for text."""
    name = path.lower()
    kind = next((t for suffix, t in FEED_TYPES.items() if name.endswith(suffix)), None)
    kind = kind or CONTENT_TYPES.get(Path(name).suffix)
    kind = kind or mimetypes.guess_type(name)[0] or "application/octet-stream"
    textual = (
        kind.startswith("text/")
        or kind.endswith(("+xml", "+json"))
        or kind in ("application/xml", "application/json")
    )
    return f"{kind}; charset=utf-8" if textual else kind


def cache_control_for(path: str) -> str:
    return SHORT_CACHE if path.lower().endswith(SHORT_CACHE_SUFFIXES) else LONG_CACHE


def upload_order(path: str) -> tuple[int, str]:
    """Assets first, then HTML pages, then the feeds and sitemap that point at pages."""
    name = path.lower()
    if name.endswith((".html", ".htm")):
        return (1, path)
    if name.endswith(".xml"):
        return (2, path)
    return (0, path)


def publish_to_s3(
    site_dir: str | Path,
    bucket: str,
    *,
    prefix: str = "",
    endpoint_url: str | None = None,
    region: str | None = None,
    distribution_id: str | None = None,
    dry_run: bool = False,
    err: TextIO | None = None,
) -> Summary:
    """Make ``bucket``/``prefix`` hold exactly the files of ``site_dir``."""
    started = time.perf_counter()
    if not bucket:
        raise PublishError("S3_BUCKET is not set")
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    prefix = prefix.strip("/")
    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url or None, region_name=region or None
    )
    files = staged_files(site_dir)
    try:
        remote = _remote_etags(client, bucket, prefix)
    except (BotoCoreError, ClientError) as error:
        raise PublishError(f"s3: cannot list s3://{bucket}/{prefix}: {_describe(error)}") from None

    digests = {name: _md5(path) for name, path in files.items()}
    uploads = sorted(
        (name for name in files if remote.get(name) != digests[name].hex()), key=upload_order
    )
    deletes = sorted(name for name in remote if name not in files)
    summary = Summary(
        destination=f"s3://{bucket}/{prefix}",
        uploaded=uploads,
        unchanged=len(files) - len(uploads),
        deleted=deletes,
        bytes=sum(files[name].stat().st_size for name in uploads),
        dry_run=dry_run,
    )
    if dry_run:
        return summary

    progress = Progress(len(uploads), summary.bytes, stream=err)
    done = 0
    try:
        for _stage, group in itertools.groupby(uploads, key=lambda name: upload_order(name)[0]):
            done += _upload_group(client, bucket, prefix, list(group), files, digests, progress)
    except _UploadFailed as failure:
        raise PublishError(
            f"s3: upload of {failure.name} failed: {_describe(failure.error)}; "
            f"{done + failure.done} of {len(uploads)} uploaded, nothing deleted"
        ) from None
    finally:
        progress.close()
    try:
        _delete(client, bucket, [_key(prefix, name) for name in deletes])
    except (BotoCoreError, ClientError) as error:
        raise PublishError(f"s3: deleting stale objects failed: {_describe(error)}") from None

    if distribution_id and (uploads or deletes):
        paths = invalidation_paths(uploads + deletes)
        try:
            invalidation = _invalidate(distribution_id, paths)
        except (BotoCoreError, ClientError) as error:
            raise PublishError(
                f"cloudfront: invalidation failed: {_describe(error)}; files are uploaded"
            ) from None
        summary.notes.append(f"CloudFront invalidation {invalidation} for {len(paths)} path(s)")
    summary.seconds = time.perf_counter() - started
    return summary


class _UploadFailed(Exception):
    def __init__(self, name: str, error: Exception, done: int):
        super().__init__(name)
        self.name, self.error, self.done = name, error, done


def _upload_group(
    client,
    bucket: str,
    prefix: str,
    names: list[str],
    files: dict[str, Path],
    digests: dict[str, bytes],
    progress: Progress,
) -> int:
    """Upload one stage (assets, pages or feeds) in parallel; all of it before the next."""
    from botocore.exceptions import BotoCoreError, ClientError

    done = 0
    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        futures = {
            pool.submit(
                _upload, client, bucket, _key(prefix, name), files[name], digests[name]
            ): name
            for name in names
        }
        try:
            for future in as_completed(futures):
                name = futures[future]
                try:
                    future.result()
                except (BotoCoreError, ClientError) as error:
                    raise _UploadFailed(name, error, done) from None
                done += 1
                progress.advance(name, files[name].stat().st_size)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return done


def invalidation_paths(changed: list[str]) -> list[str]:
    """CloudFront paths for changed files, with /dir/ for each dir/index.html."""
    paths: set[str] = set()
    for name in changed:
        paths.add("/" + quote(name, safe="/~-._"))
        if name == "index.html" or name.endswith("/index.html"):
            paths.add("/" + quote(name[: -len("index.html")], safe="/~-._"))
    if len(paths) > MAX_INVALIDATION_PATHS:
        return ["/*"]
    return sorted(paths)


def _key(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def _md5(path: Path) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def _remote_etags(client, bucket: str, prefix: str) -> dict[str, str]:
    """ETags of the objects under ``prefix``, by path relative to it."""
    etags = {}
    start = f"{prefix}/" if prefix else ""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=start):
        for item in page.get("Contents", []):
            etags[item["Key"][len(start) :]] = item["ETag"].strip('"')
    return etags


def _upload(client, bucket: str, key: str, path: Path, digest: bytes) -> None:
    client.put_object(
        Bucket=bucket,
        Key=key,
        Body=path.read_bytes(),
        ContentType=content_type_for(path.name),
        CacheControl=cache_control_for(path.name),
        ContentMD5=base64.b64encode(digest).decode("ascii"),
    )


def _delete(client, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), DELETE_BATCH):
        batch = keys[start : start + DELETE_BATCH]
        response = client.delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
        )
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise PublishError(
                f"s3: could not delete {len(errors)} object(s), "
                f"e.g. {first.get('Key')}: {first.get('Code')} {first.get('Message')}"
            )


def _invalidate(distribution_id: str, paths: list[str]) -> str:
    import boto3

    cloudfront = boto3.session.Session().client("cloudfront")
    response = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"sitekit-{uuid.uuid4().hex}",
        },
    )
    return response["Invalidation"]["Id"]


def _describe(error: Exception) -> str:
    """One line for a boto error, without request ids or credentials."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code = response["Error"].get("Code", "")
        message = response["Error"].get("Message", "")
        return f"{code} {message}".strip() or type(error).__name__
    text = str(error).replace("\n", " ").strip()
    if type(error).__name__ == "NoCredentialsError":
        text += " (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
    return text or type(error).__name__
