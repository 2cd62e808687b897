"""A client's key for one request: what makes a create safe to run again.

The HTTP glue turns an Idempotency-Key header into a RequestKey (a digest of the caller's key id, the route,
the path and the header's value: the same for every retry of one request, another for anything else). A
create given one derives the new object's id from it, so when the request runs again (its first attempt
wrote the object but its reply, or the record of it, was lost), the service finds that object instead of
writing a second one, and says so (`replayed`) for the glue to answer as a replay.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass
class RequestKey:
    digest: str  # hex, at least 32 digits
    replayed: bool = False  # set by a service that found what an earlier attempt made

    def object_id(self, prefix: str) -> str:
        return f"{prefix}_{self.digest[:32]}"


def new_id(prefix: str, request_key: RequestKey | None) -> str:
    """The id of a new object: derived from the request's key when it has one, random otherwise."""
    return request_key.object_id(prefix) if request_key is not None else f"{prefix}_{uuid.uuid4().hex}"
