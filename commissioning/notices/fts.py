"""The Find a Tender REST API client: off unless FTS_API_KEY is set.

Find a Tender takes a notice as a form field ``notice`` holding the document in Base64, posted to
``/notice/submission/submit`` with the organisation's ``CDP-Api-Key``; it answers with a
NoticeInformation object (``submission_id``, ``status``, later the publication's ``ocids``).
``payload`` is exactly what is sent, so that the page can show it and the row can keep it.
The standard library's HTTP client is enough for one POST; no dependency is added.
"""
import base64
import json
import urllib.error
import urllib.parse
import urllib.request


class FindATenderError(Exception):
    """Find a Tender refused the notice (4xx): sending it again would be refused too."""

    def __init__(self, status, body):
        super().__init__(f"Find a Tender answered {status}")
        self.status, self.body = status, body


def document(release):
    """The notice document: the OCDS release as compact, key-sorted UTF-8 JSON."""
    return json.dumps(release, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def payload(release):
    """The exact request body: ``notice=<Base64 of the document>``, form-encoded."""
    return urllib.parse.urlencode({"notice": base64.b64encode(document(release)).decode()})


def submit_url(api_url):
    return api_url.rstrip("/") + "/notice/submission/submit"


def submit(api_url, api_key, body, timeout=20):
    """POST ``body``; returns the parsed answer. 4xx raise FindATenderError; network and 5xx errors
    raise ConnectionError, which the task retries."""
    request = urllib.request.Request(submit_url(api_url), data=body.encode(), method="POST", headers={
        "CDP-Api-Key": api_key, "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            text = answer.read().decode("utf-8", "replace")
            status = answer.status
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        if exc.code >= 500:
            raise ConnectionError(f"Find a Tender answered {exc.code}") from exc
        raise FindATenderError(exc.code, _parsed(text)) from exc
    except (urllib.error.URLError, TimeoutError) as exc:
        raise ConnectionError(f"Find a Tender could not be reached: {getattr(exc, 'reason', exc)}") from exc
    return {"http_status": status, **_parsed(text)}


def _parsed(text):
    try:
        found = json.loads(text)
        return found if isinstance(found, dict) else {"body": found}
    except ValueError:
        return {"body": text[:2000]}
