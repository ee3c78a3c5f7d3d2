"""A small HTTPS client for the smoke run: cookies, CSRF, and forms filled in as a browser would send them."""

import gzip
import http.cookiejar
import ssl
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin


class Response:
    def __init__(self, status: int, url: str, headers, body: bytes):
        self.status, self.url, self.headers = status, url, headers
        raw = gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body
        self.text = raw.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"<{self.status} {self.url}>"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Follows no redirect by itself (the smoke run checks each), keeps cookies, trusts one certificate."""

    def __init__(self, base: str, cafile: str | None = None):
        self.base = base
        context = ssl.create_default_context(cafile=cafile) if cafile else None
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.cookies),
            _NoRedirect,
        )

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self._open(urllib.request.Request(urljoin(self.base, path), headers=headers or {}))

    def post(self, path: str, data: list[tuple[str, str]]) -> Response:
        url = urljoin(self.base, path)
        # A browser's form post: its Origin and Referer, which Django's CSRF check compares over HTTPS.
        headers = {
            "Origin": self.base.rstrip("/"),
            "Referer": url,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return self._open(urllib.request.Request(url, urlencode(data).encode(), headers, method="POST"))

    def follow(self, response: Response) -> Response:
        assert response.status in (301, 302, 303), f"expected a redirect, got {response}"
        return self.get(response.headers["Location"])

    def submit(self, page: Response, field: str, values: dict[str, str | list[str]]) -> Response:
        """Posts the page's form that has `field`, with its current values replaced by `values`."""
        form = next(f for f in forms(page.text) if any(name == field for name, _ in f["fields"]))
        data = [(name, value) for name, value in form["fields"] if name not in values]
        for name, value in values.items():
            data += [(name, v) for v in (value if isinstance(value, list) else [value])]
        return self.post(form["action"] or page.url, data)

    def _open(self, request) -> Response:
        try:
            with self.opener.open(request, timeout=30) as answer:
                return Response(answer.status, answer.url, answer.headers, answer.read())
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            return Response(error.code, request.full_url, error.headers, error.read())


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._multiple = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": []})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio"):
                self.forms[-1]["fields"].append((a["name"], a.get("value") or ""))
            elif "checked" in a:
                self.forms[-1]["fields"].append((a["name"], a.get("value", "on")))
        elif tag == "select":
            self._select, self._options, self._multiple = a.get("name"), [], "multiple" in a
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options and not self._multiple:  # a browser sends the first option
                chosen = [self._options[0][0]]
            self.forms[-1]["fields"] += [(self._select, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.forms[-1]["fields"].append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


def forms(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms
