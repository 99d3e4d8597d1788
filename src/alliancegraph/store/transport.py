"""The one HTTP client: remote queries (SPARQL 1.1 Protocol) and publishing (Graph Store
Protocol) both go through :class:`Transport`, with one :class:`RetryPolicy`.

Built on the standard library (``urllib.request``, loaded on the first request, so that a
plain embedded query never imports it). A request that the server answers, whatever the
status, gives a :class:`Response`; statuses worth another try (429 and 5xx) are retried
with exponential backoff, honouring ``Retry-After``; a server that cannot be reached
raises :class:`Unreachable`, a socket that waits past the timeout :class:`TimeoutError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import EndpointError

#: Statuses worth another try: too many requests, and the server's own failures.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Up to ``retries`` more tries on a status in ``statuses``, waiting ``Retry-After``
    seconds when the server says (at most ``max_wait``), else ``backoff * 2**attempt``."""

    retries: int = 3
    backoff: float = 0.5
    max_wait: float = 30.0
    statuses: frozenset[int] = RETRY_STATUS

    def should_retry(self, status: int, attempt: int) -> bool:
        """Whether to try again after ``attempt`` (0-based) was answered with ``status``."""
        return status in self.statuses and attempt < self.retries

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before the try after ``attempt``."""
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.max_wait)
        return min(self.backoff * 2**attempt, self.max_wait)


@dataclass(frozen=True)
class Response:
    """What the server answered to the last try: status, media type and body."""

    status: int
    content_type: str
    body: bytes
    #: how many requests were sent (1 + retries used)
    tries: int = 1
    retry_after: str | None = None
    #: the response's headers, names in lower case
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def summary(self, lines: int = 3, width: int = 300) -> str:
        """The first lines of the body joined into one line (for error messages)."""
        return summarise(self.body, lines, width)

    def error(self, who: str) -> EndpointError:
        """The one-line error for a refused request: who answered, status, tries, body."""
        tries = f" after {self.tries} tries" if self.tries > 1 else ""
        return EndpointError(f"{who} answered HTTP {self.status}{tries}: {self.summary()}")


class Unreachable(EndpointError):
    """No HTTP answer at all: refused connection, unknown host, broken connection."""

    def __init__(self, url: str, reason: object):
        self.url, self.reason = url, reason
        super().__init__(f"cannot reach {url}: {reason}")


def summarise(raw: bytes | str | None, lines: int = 3, width: int = 300) -> str:
    """The first ``lines`` non-blank lines of an error body, joined into one line."""
    if raw is None:
        return "(no body)"
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    kept = [" ".join(x.split()) for x in text.strip().splitlines() if x.strip()][:lines]
    out = " | ".join(kept) or "(empty body)"
    return out if len(out) <= width else out[: width - 1] + "…"


class Transport:
    """HTTP requests with one retry policy. ``sleep`` is replaceable for tests."""

    def __init__(
        self,
        retry: RetryPolicy | None = None,
        user_agent: str = "alliancegraph",
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.retry = retry or RetryPolicy()
        self.user_agent = user_agent
        self.sleep = sleep

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        """Send one request, retried per the policy; the last response, whatever its status.

        ``timeout`` (seconds, None for none) bounds each wait on the socket. Raises
        :class:`Unreachable` when no answer comes, :class:`TimeoutError` on the timeout.
        """
        attempt = 0
        while True:
            response = self._once(method, url, body, headers or {}, timeout, attempt + 1)
            if response.ok or not self.retry.should_retry(response.status, attempt):
                return response
            self.sleep(self.retry.delay(attempt, response.retry_after))
            attempt += 1

    def _once(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout: float | None,
        tries: int,
    ) -> Response:
        import http.client
        import urllib.error
        import urllib.request

        req = urllib.request.Request(
            url, data=body, method=method, headers={"User-Agent": self.user_agent, **headers}
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return Response(
                    resp.status,
                    resp.headers.get("Content-Type", ""),
                    resp.read(),
                    tries,
                    resp.headers.get("Retry-After"),
                    {k.lower(): v for k, v in resp.headers.items()},
                )
        except urllib.error.HTTPError as e:
            data = b""
            if e.fp is not None:
                try:
                    data = e.read()
                finally:
                    e.close()
            got = e.headers
            return Response(
                e.code,
                got.get("Content-Type", "") if got else "",
                data,
                tries,
                got.get("Retry-After") if got else None,
            )
        except urllib.error.URLError as e:
            if isinstance(e.reason, TimeoutError):
                raise TimeoutError(str(e.reason)) from None
            raise Unreachable(url, e.reason) from None
        except TimeoutError:
            raise
        except (OSError, http.client.HTTPException) as e:
            raise Unreachable(url, e) from None
