"""Cursors for the common shapes of ERP APIs, and a pull that keeps memory bounded (the same as
the Rust SDK's `weft_sdk::cursor`; the README's "Cursors" says which to pick).

- `paged(cursor, limit, fetch)`: the API pages on its own terms (an `after` token, an offset);
  one weft page of at most `limit` records is filled from as many API pages as needed and may end
  in the middle of one: at most one API page plus `limit` records are held.
- `page_numbers(cursor, limit, per_page, fetch)`: `?page=N&per_page=M` APIs, on top of `paged`.
- `UpdatedSince`: `?updated_since=T` APIs; the cursor is the last record's change time and id.
- `snapshot(cursor, limit, records)`: APIs that return everything every time; the cursor is the
  snapshot's content hash: the same snapshot again gives an empty page.

Every cursor is text the host stores; none needs plugin kv.
"""
import hashlib
import json
from typing import Callable, List, Optional, Tuple

from .build import page as _page
from .errors import permanent


def paged(cursor: Optional[str], limit: int, fetch: Callable[[Optional[str]], Tuple[list, Optional[str]]]):
    """One weft page from an API paged by its own cursor. `fetch(api_cursor)` reads one API page
    (None: the first) and returns `(records, next_api_cursor or None)`. Resuming from the last
    page's cursor re-reads that API page and returns only what was added to it since."""
    limit = max(1, int(limit))
    if cursor is None:
        api, skip = None, 0
    else:
        try:
            state = json.loads(cursor)
            api, skip = state["api"], int(state["skip"])
        except (ValueError, KeyError, TypeError):
            raise permanent(f"cursor `{cursor}` was not written by weft_sdk.cursor.paged") from None
    out: list = []
    while True:
        items, nxt = fetch(api)
        items = list(items)
        room = limit - len(out)
        fresh = items[skip:]
        if len(fresh) > room:
            out.extend(fresh[:room])
            return _page(out, _state(api, skip + room), True)
        out.extend(fresh)
        if nxt is None:
            return _page(out, _state(api, len(items)), False)
        api, skip = nxt, 0
        if len(out) == limit:
            return _page(out, _state(api, 0), True)


def _state(api, skip) -> str:
    return json.dumps({"api": api, "skip": skip}, separators=(",", ":"))


def page_numbers(cursor: Optional[str], limit: int, per_page: int, fetch: Callable[[int], list]):
    """`paged` over numbered API pages (`fetch(n)` reads page n, 1-based); a page shorter than
    `per_page` is the last."""
    def one(api):
        number = int(api) if api else 1
        items = list(fetch(number))
        return items, (str(number + 1) if len(items) >= max(1, per_page) else None)
    return paged(cursor, limit, one)


class UpdatedSince:
    """The cursor of an `updated_since` API: the change time and id of the last record delivered.
    Ask for records changed at or after `since` sorted by (time, id), drop those `seen()` says were
    delivered, call `after()` for each record returned, and return `cursor()`. Timestamps compare
    as text: use one format (RFC 3339 UTC)."""

    def __init__(self, cursor: Optional[str] = None):
        self.since: Optional[str] = None
        self.last_id: Optional[str] = None
        if cursor:
            since, sep, last = cursor.partition("|")
            self.since, self.last_id = since, (last if sep else None)

    def seen(self, updated: str, external_id: str) -> bool:
        if self.since is None:
            return False
        if self.last_id is None:
            return updated < self.since
        return (updated, external_id) <= (self.since, self.last_id)

    def after(self, updated: str, external_id: str) -> None:
        self.since, self.last_id = updated, external_id

    def cursor(self) -> Optional[str]:
        if self.since is None:
            return None
        return self.since if self.last_id is None else f"{self.since}|{self.last_id}"


def content_hash(value) -> str:
    """A stable hash of records or any value (its repr): a change detector, not a security measure."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def snapshot(cursor: Optional[str], limit: int, records: List):
    """One page of an API that returns the whole set every time. The cursor holds the snapshot's
    content hash and how many of its records were delivered: the same snapshot again gives an empty
    page; a changed one is delivered from the start (the host skips records it already wrote)."""
    records = list(records)
    digest = content_hash(records)
    offset = 0
    if cursor:
        seen_hash, _, n = cursor.partition(":")
        if seen_hash == digest and n.isdigit():
            offset = min(int(n), len(records))
    end = min(offset + max(1, int(limit)), len(records))
    return _page(records[offset:end], f"{digest}:{end}", end < len(records))
