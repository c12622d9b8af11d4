"""What the media objects adapter does that the emulator cannot show cheaply: deleting more
keys than one DeleteObjects takes, and S3 refusing some of them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

from videoshare.adapters.media_objects import DELETE_BATCH, DeleteRefused, MediaObjects

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client


class RecordingS3:
    """The one S3 call `delete` makes, recorded; answers with `errors` when given some."""

    def __init__(self, errors: list[dict[str, str]] | None = None) -> None:
        self.requests: list[list[str]] = []
        self._errors = errors

    async def delete_objects(self, *, Bucket: str, Delete: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 - S3's names
        self.requests.append([o["Key"] for o in Delete["Objects"]])
        return {"Errors": self._errors} if self._errors else {}


def media_objects(s3: RecordingS3) -> MediaObjects:
    return MediaObjects(cast("S3Client", s3), "bucket")


async def test_keys_are_deleted_in_requests_of_at_most_a_thousand() -> None:
    s3 = RecordingS3()
    keys = [f"media/v/hls/240p_{n:04d}.ts" for n in range(2 * DELETE_BATCH + 500)]

    await media_objects(s3).delete(keys)

    assert [len(batch) for batch in s3.requests] == [1000, 1000, 500]
    assert [key for batch in s3.requests for key in batch] == keys


async def test_no_keys_make_no_request() -> None:
    s3 = RecordingS3()
    await media_objects(s3).delete([])
    assert s3.requests == []


async def test_keys_s3_refuses_to_delete_are_an_error() -> None:
    s3 = RecordingS3(errors=[{"Key": "media/v/a", "Code": "AccessDenied"}])
    with pytest.raises(DeleteRefused, match="refused to delete 1 objects"):
        await media_objects(s3).delete(["media/v/a", "media/v/b"])
