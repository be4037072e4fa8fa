"""Shared pieces of the household page's tests: a page over the test's database, browsers
signed in as the owner or a member, and the CSRF token a page carries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient

from giftbalance.household import signin
from giftbalance.storage.db import Database
from giftbalance.web.app import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the page has no form with a csrf_token"
    return found.group(1)


@dataclass
class Site:
    """The household page over one database, and ways to sign browsers in."""

    db: Database
    app: Any

    def browser(self) -> TestClient:
        """A browser that is not signed in."""
        return TestClient(self.app, follow_redirects=False)

    def owner_secret(self) -> str:
        with self.db.write() as session:
            return signin.owner_link(session)

    def member_secret(self, name: str, *, for_anyone: bool = False) -> str:
        with self.db.write() as session:
            return signin.member_link(session, name, for_anyone=for_anyone)[1]

    def signed_in(self, secret: str) -> TestClient:
        client = self.browser()
        response = client.get(f"/signin?token={secret}")
        assert response.status_code == 200, response.text
        return client

    def owner(self) -> TestClient:
        return self.signed_in(self.owner_secret())

    def member(self, name: str, *, for_anyone: bool = False) -> TestClient:
        return self.signed_in(self.member_secret(name, for_anyone=for_anyone))


def post(client: TestClient, path: str, data: dict[str, str], *, page: str | None = None) -> Any:
    """POST a form the way the page does: with the CSRF token of the page it is on."""
    token = csrf_of(client.get(page or path.rsplit("/", 1)[0] or "/").text)
    return client.post(path, data={**data, "csrf_token": token})


def site_for(url: str) -> Iterator[Site]:
    db = Database(url, pooled=True)
    try:
        yield Site(db, create_app(db))
    finally:
        db.dispose()
