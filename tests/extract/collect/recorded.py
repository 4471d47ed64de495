"""The offline seam: an InstaloaderContext whose every HTTP request is answered from tests/cases/.

All of instaloader's own request code runs (retries, rate controller, status-code handling,
cookies, page parsing); only the transport is replaced. Each session the context uses gets a
requests adapter mounted that looks the request up by a key (method, host and path, plus the
GraphQL doc_id and the variables that identify the object) and refuses any request that has no
recorded response, so a test cannot reach the network and a request nobody expected fails it.
"""

from __future__ import annotations

import email.message
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import urllib3
from instaloader import InstaloaderContext, RateController
from requests.adapters import BaseAdapter, HTTPAdapter

CASES = Path(__file__).resolve().parents[2] / "cases" / "instagram"
_IDENTIFYING_VARIABLES = ("id", "shortcode", "username", "after")


class UnrecordedRequestError(AssertionError):
    """A request the test's recorded responses do not answer (the seam refuses it)."""


def request_key(request: requests.PreparedRequest) -> str:
    """The key a recorded response is filed under, e.g. 'GET www.instagram.com/dr.alya/'."""
    url = urlsplit(request.url or "")
    host = url.hostname or ""
    if host.endswith("cdninstagram.com"):
        return "GET cdn"
    if request.method == "POST":
        raw = request.body
        body = raw.decode() if isinstance(raw, bytes) else str(raw or "")
        params = {k: v[0] for k, v in parse_qs(body).items()}
    else:
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
    parts = [str(request.method), f"{host}{url.path}"]
    if "doc_id" in params:
        parts.append(f"doc_id={params['doc_id']}")
        variables = json.loads(params.get("variables", "{}"))
        parts += [f"{k}={variables[k]}" for k in _IDENTIFYING_VARIABLES if variables.get(k)]
    elif "query_hash" in params:
        parts.append(f"query_hash={params['query_hash']}")
    elif "username" in params:
        parts.append(f"username={params['username']}")
    return " ".join(parts)


@dataclass
class Reply:
    """One recorded HTTP response."""

    status: int
    body: bytes
    content_type: str
    set_cookie: list[str] = field(default_factory=list)
    location: str | None = None


def _reply(spec: Mapping[str, Any], logged_in: bool) -> Reply:
    status = int(spec.get("status", 200))
    if "location" in spec:
        return Reply(status, b"", "text/html; charset=utf-8", location=spec["location"])
    name = str(spec["logged_in_file"] if logged_in and "logged_in_file" in spec else spec["file"])
    raw = (CASES / name).read_text(encoding="utf-8")
    if spec.get("hex"):
        body = bytes.fromhex(raw.strip())
    elif "pick" in spec:
        body = json.dumps(json.loads(raw)[spec["pick"]]).encode()
    else:
        body = raw.encode()
    default_type = "text/html; charset=utf-8" if name.endswith(".html") else "application/json"
    content_type = spec.get("content_type", default_type)
    return Reply(status, body, content_type, list(spec.get("set_cookie", [])))


class _Original:
    """What requests reads cookies from: the http.client response's header message."""

    def __init__(self, msg: email.message.Message) -> None:
        self.msg = msg

    def isclosed(self) -> bool:
        return True


class RecordedAdapter(BaseAdapter):
    """Answers requests from recorded responses; any other request raises UnrecordedRequestError."""

    def __init__(self, routes: Mapping[str, Any], logged_in: Callable[[], bool]) -> None:
        super().__init__()
        self.routes = dict(routes)
        self.logged_in = logged_in
        self.log: list[str] = []
        self.refused: list[str] = []
        self._served: dict[str, int] = {}

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        key = request_key(request)
        spec = self.routes.get(key)
        if spec is None:
            self.refused.append(key)
            raise UnrecordedRequestError(f"no recorded response for {key}")
        self.log.append(key)
        if isinstance(spec, list):  # successive answers; the last one repeats
            n = self._served.get(key, 0)
            self._served[key] = n + 1
            spec = spec[min(n, len(spec) - 1)]
        reply = _reply(spec, self.logged_in())
        headers = urllib3.HTTPHeaderDict({"Content-Type": reply.content_type})
        msg = email.message.Message()
        msg["Content-Type"] = reply.content_type
        for cookie in reply.set_cookie:
            headers.add("Set-Cookie", cookie)
            msg["Set-Cookie"] = cookie
        if reply.location:
            headers["Location"] = reply.location
            msg["Location"] = reply.location
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(reply.body),
            headers=headers,
            status=reply.status,
            reason=HTTPStatus(reply.status).phrase,
            preload_content=False,
            decode_content=False,
            original_response=_Original(msg),  # type: ignore[arg-type]
            request_method=request.method,
            request_url=request.url,
        )
        return HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        pass


def load_routes(
    *account_versions: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The recorded responses of the common pages and the given '<username>@<version>' accounts."""
    routes: dict[str, Any] = json.loads((CASES / "common/routes.json").read_text())
    for name in account_versions:
        username, version = name.split("@")
        path = CASES / "accounts" / username / version / "routes.json"
        routes.update(json.loads(path.read_text()))
    routes.update(overrides or {})
    return routes


class RecordedContext(InstaloaderContext):
    """An InstaloaderContext that serves recorded responses and never touches the network."""

    def __init__(
        self,
        routes: Mapping[str, Any],
        *,
        rate_controller: Callable[[InstaloaderContext], RateController] | None = None,
        fatal_status_codes: list[int] | None = None,
        max_connection_attempts: int = 3,
    ) -> None:
        # Set before super().__init__, which already creates the first session.
        self.adapter = RecordedAdapter(routes, lambda: self.is_logged_in)
        super().__init__(
            sleep=False,
            quiet=True,
            max_connection_attempts=max_connection_attempts,
            rate_controller=rate_controller,
            fatal_status_codes=fatal_status_codes,
        )

    def _mount(self, session: requests.Session) -> requests.Session:
        session.mount("https://", self.adapter)
        session.mount("http://", self.adapter)
        return session

    def get_anonymous_session(self) -> requests.Session:
        return self._mount(super().get_anonymous_session())

    def load_session(self, username: Any, sessiondata: Any) -> None:
        super().load_session(username, sessiondata)
        self._mount(self._session)

    def get_json(
        self,
        path: str,
        params: dict[str, Any],
        host: str = "www.instagram.com",
        session: requests.Session | None = None,
        response_headers: dict[str, Any] | None = None,
        use_post: bool = False,
    ) -> dict[str, Any]:
        self._mount(session or self._session)
        return super().get_json(path, params, host, session, response_headers, use_post)

    def _get_page(self, session: requests.Session, path: str) -> str:
        return super()._get_page(self._mount(session), path)

    def login(self, user: Any, passwd: Any) -> None:
        raise UnrecordedRequestError("tests never log in with a password")

    @property
    def requests(self) -> list[str]:
        """The keys of the requests served so far, in order."""
        return self.adapter.log


SESSION_COOKIES = {
    "sessionid": "9001%3ARecordedSessionId%3A17",
    "ds_user_id": "9001",
    "csrftoken": "RecordedSessionCsrf00000000000000",
    "mid": "ZRecordedMid",
    "ig_did": "00000000-0000-0000-0000-000000009001",
}


def log_in(context: InstaloaderContext, username: str = "idi.monitor") -> None:
    """Logs the context in with a recorded session (what a session file would hold)."""
    context.load_session(username, dict(SESSION_COOKIES))


def count_by(keys: Iterable[str], prefix: str) -> int:
    return sum(1 for k in keys if k.startswith(prefix))
