"""S3 target against moto's server mode, through boto3, with dummy credentials.

The test bucket keeps object versions, so "uploaded nothing" is checked by the store
itself: an object uploaded twice has two versions.
"""

from __future__ import annotations

import gzip
import io
import itertools
from collections import Counter
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from sitekit.publish import PublishError, publish
from sitekit.publish import s3 as s3_target
from sitekit.publish.s3 import publish_to_s3
from tests.publish.conftest import (
    EDITED_POST_PAGE,
    EDITED_POST_PATH,
    EDITED_POST_URL,
    changed_files,
    site_files,
    site_overrides,
    small_content,
)

pytestmark = pytest.mark.server
_buckets = itertools.count()


@pytest.fixture
def s3(aws_env):
    return boto3.client("s3", endpoint_url=aws_env, region_name="us-east-1")


@pytest.fixture
def bucket(s3) -> str:
    name = f"site-{next(_buckets)}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def deploy(site: Path, bucket: str, endpoint: str, **options):
    return publish_to_s3(site, bucket, endpoint_url=endpoint, region="us-east-1", **options)


def small_site(root: Path, **changes: str) -> Path:
    """A few pages, feeds and assets: enough for rules that need no real build."""
    files = {
        "index.html": "<!doctype html><title>Home</title>",
        "about/index.html": "<!doctype html><title>About</title>",
        "posts/one/index.html": "<!doctype html><title>One</title>",
        "posts/two/index.html": "<!doctype html><title>Two</title>",
        "feeds/all.atom.xml": "<feed/>",
        "theme/css/site.css": "body { color: black }",
        "images/logo.svg": "<svg/>",
    } | {name.replace("__", "/").replace("_", "."): text for name, text in changes.items()}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def keys(s3, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def versions(s3, bucket: str) -> Counter:
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
    return Counter(item["Key"] for page in pages for item in page.get("Versions", []))


def test_first_publish_uploads_everything_and_a_rebuild_uploads_nothing(
    s3, bucket, aws_env, published_site, rebuilt_site
):
    first = deploy(published_site.output, bucket, aws_env)
    files = site_files(published_site.output)
    assert sorted(first.uploaded) == sorted(files)
    assert keys(s3, bucket) == sorted(files)
    body = s3.get_object(Bucket=bucket, Key="index.html")["Body"].read()
    assert body == files["index.html"]
    assert first.line().startswith(f"Published to s3://{bucket}/: {len(files)} uploaded, 0 ")

    again = deploy(rebuilt_site.output, bucket, aws_env)
    assert again.uploaded == [] and again.deleted == [] and again.bytes == 0
    assert again.unchanged == len(files)
    assert set(versions(s3, bucket).values()) == {1}


def test_editing_one_post_uploads_only_that_post_and_the_pages_that_list_it(
    s3, bucket, aws_env, published_site, edited_site
):
    deploy(published_site.output, bucket, aws_env)
    summary = deploy(edited_site.output, bucket, aws_env)

    changed = changed_files(published_site.output, edited_site.output)
    assert sorted(summary.uploaded) == sorted(changed)
    assert EDITED_POST_PAGE in changed
    edited = site_files(edited_site.output)
    search_index = {name for name in changed if name.startswith("pagefind/")}
    for name in changed - {EDITED_POST_PAGE} - search_index:
        assert EDITED_POST_URL.encode() in edited[name], f"{name} does not list the post"
    # The search index changes where the post's words are: its new fragment names it,
    # and most of the index is left alone.
    fragments = [name for name in search_index if name.startswith("pagefind/fragment/")]
    assert [name for name in fragments if EDITED_POST_PATH in gzip.decompress(edited[name])]
    assert len(search_index) < len([name for name in edited if name.startswith("pagefind/")]) / 2
    assert len(changed) < len(edited) / 3
    reuploaded = {key for key, count in versions(s3, bucket).items() if count > 1}
    assert reuploaded == changed & set(site_files(published_site.output))  # new names: once


def test_stale_objects_are_deleted_only_under_the_prefix(s3, bucket, aws_env, tmp_path):
    s3.put_object(Bucket=bucket, Key="www/old-post/index.html", Body=b"old")
    s3.put_object(Bucket=bucket, Key="backups/keep-me.txt", Body=b"not the site")
    summary = deploy(small_site(tmp_path / "site"), bucket, aws_env, prefix="/www/")

    assert summary.deleted == ["old-post/index.html"]
    remaining = keys(s3, bucket)
    assert "www/old-post/index.html" not in remaining
    assert "backups/keep-me.txt" in remaining
    assert "www/index.html" in remaining


def test_content_type_and_cache_control_fit_each_file(s3, bucket, aws_env, tmp_path):
    site = tmp_path / "site"
    files = {
        "index.html": ("text/html; charset=utf-8", "short"),
        "feeds/all.atom.xml": ("application/atom+xml; charset=utf-8", "short"),
        "feeds/all.rss.xml": ("application/rss+xml; charset=utf-8", "short"),
        "sitemap.xml": ("application/xml; charset=utf-8", "short"),
        "robots.txt": ("text/plain; charset=utf-8", "short"),
        "theme/css/site.css": ("text/css; charset=utf-8", "long"),
        "theme/js/site.js": ("text/javascript; charset=utf-8", "long"),
        "images/logo.svg": ("image/svg+xml; charset=utf-8", "long"),
        "images/pixel.png": ("image/png", "long"),
        "theme/fonts/body.woff2": ("font/woff2", "long"),
    }
    for number, name in enumerate(files):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(f"file {number}\n".encode())

    deploy(site, bucket, aws_env)
    cache = {"short": s3_target.SHORT_CACHE, "long": s3_target.LONG_CACHE}
    for name, (content_type, lifetime) in files.items():
        head = s3.head_object(Bucket=bucket, Key=name)
        assert head["ContentType"] == content_type, name
        assert head["CacheControl"] == cache[lifetime], name
    assert "max-age=300" in s3_target.SHORT_CACHE
    assert "max-age=604800" in s3_target.LONG_CACHE


def test_assets_go_up_before_html_and_a_failed_upload_deletes_nothing(
    s3, bucket, aws_env, tmp_path, monkeypatch
):
    s3.put_object(Bucket=bucket, Key="stale.html", Body=b"stale")
    order = []
    real_upload = s3_target._upload

    def upload_then_fail_on_the_third_page(client, bucket_name, key, path, digest):
        order.append(key)
        if sum(name.endswith(".html") for name in order) == 3:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Reduce rate"}}, "Put")
        real_upload(client, bucket_name, key, path, digest)

    monkeypatch.setattr(s3_target, "_upload", upload_then_fail_on_the_third_page)
    with pytest.raises(PublishError) as failure:
        deploy(small_site(tmp_path / "site"), bucket, aws_env)

    assert str(failure.value).startswith("s3: upload of ")
    assert "SlowDown Reduce rate" in str(failure.value)
    assert str(failure.value).endswith("nothing deleted")
    first_page = next(i for i, key in enumerate(order) if key.endswith(".html"))
    assert all(not key.endswith((".html", ".xml")) for key in order[:first_page])
    assert all(key.endswith(".html") for key in order[first_page:])
    assert "stale.html" in keys(s3, bucket)


def test_dry_run_lists_changes_and_uploads_nothing(s3, bucket, aws_env, published_site):
    summary = deploy(published_site.output, bucket, aws_env, dry_run=True)
    assert summary.dry_run
    assert len(summary.uploaded) == len(site_files(published_site.output))
    assert summary.plan_lines()[0].startswith("upload ")
    assert keys(s3, bucket) == []


def test_changed_paths_are_invalidated_in_cloudfront(s3, bucket, aws_env, tmp_path):
    cloudfront = boto3.client("cloudfront", endpoint_url=aws_env, region_name="us-east-1")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": bucket,
            "Comment": "test site",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": f"{bucket}.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all"},
        }
    )["Distribution"]["Id"]
    site = small_site(tmp_path / "site")
    deploy(site, bucket, aws_env, distribution_id=distribution)
    small_site(site, posts__one__index_html="<!doctype html><title>One, edited</title>")
    (site / "images" / "logo.svg").unlink()
    summary = deploy(site, bucket, aws_env, distribution_id=distribution)

    invalidations = cloudfront.list_invalidations(DistributionId=distribution)
    assert invalidations["InvalidationList"]["Quantity"] == 2  # first publish, then the edit
    [note] = summary.notes
    latest = note.split()[2]
    batch = cloudfront.get_invalidation(DistributionId=distribution, Id=latest)["Invalidation"][
        "InvalidationBatch"
    ]
    assert sorted(batch["Paths"]["Items"]) == [
        "/images/logo.svg",
        "/posts/one/",
        "/posts/one/index.html",
    ]


def test_publish_reads_the_s3_target_from_the_environment(
    s3, bucket, aws_env, tmp_path, monkeypatch
):
    monkeypatch.setenv("PUBLISH_TARGET", "s3")
    monkeypatch.setenv("S3_BUCKET", bucket)
    monkeypatch.setenv("S3_ENDPOINT_URL", aws_env)
    monkeypatch.setenv("S3_REGION", "us-east-1")
    monkeypatch.setenv("S3_PREFIX", "live")
    summary = publish(
        overrides=site_overrides(tmp_path, small_content(tmp_path)), err=io.StringIO()
    )
    assert summary.destination == f"s3://{bucket}/live"
    assert "live/index.html" in keys(s3, bucket)
    assert len(keys(s3, bucket)) == len(summary.uploaded)


def test_a_missing_bucket_is_one_line_and_nothing_else(aws_env, published_site):
    with pytest.raises(PublishError) as failure:
        deploy(published_site.output, "no-such-bucket", aws_env)
    assert str(failure.value) == (
        "s3: cannot list s3://no-such-bucket/: NoSuchBucket The specified bucket does not exist"
    )
    assert "testing" not in str(failure.value)  # the dummy credentials never show
