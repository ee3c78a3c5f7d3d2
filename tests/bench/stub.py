"""A stub of Aliyun's SendBatchSms on 127.0.0.1: accepts every batch at once and counts the numbers."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsStub:
    """Started with `with`, answers like dysmsapi: {"Code": "OK", "BizId": …} for each batch."""

    def __init__(self):
        self.requests = 0
        self.numbers = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests = self.numbers = 0

    def _record(self, numbers: int) -> int:
        with self._lock:
            self.requests += 1
            self.numbers += numbers
            return self.requests

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                numbers = json.loads(form.get("PhoneNumberJson", ["[]"])[0])
                number = stub._record(len(numbers))
                answer = {"Code": "OK", "Message": "OK", "BizId": f"bench{number}", "RequestId": str(number)}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
