"""A local stand-in for the Anthropic Messages API, on 127.0.0.1 only.

Answers POST /v1/messages (streamed as text/event-stream when the request
asks for it, plain JSON otherwise) with one short text reply, answers any
other path with an empty JSON object, and records every request (method,
path, headers, body) so a test can see what the client sent: the system
prompt, the tools, the skills, agents and commands it loaded.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = "Hello from the mock Messages API."


class MockMessages:
    def __init__(self, reply=REPLY):
        self.reply = reply
        self.requests = []
        self.lock = threading.Lock()
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def record(self, raw):
                with mock.lock:
                    mock.requests.append({"method": self.command, "path": self.path,
                                          "headers": dict(self.headers),
                                          "body": raw.decode("utf-8", "replace")})

            def send_json(self, obj, status=200):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.record(b"")
                self.send_json({})

            def do_HEAD(self):
                self.record(b"")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                raw = self.body()
                self.record(raw)
                path = self.path.split("?", 1)[0]
                if path.endswith("/v1/messages/count_tokens"):
                    return self.send_json({"input_tokens": 10})
                if not path.endswith("/v1/messages"):
                    return self.send_json({})
                try:
                    req = json.loads(raw or b"{}")
                except ValueError:
                    return self.send_json({"type": "error"}, 400)
                model = req.get("model", "claude-mock")
                if req.get("stream"):
                    self.stream(model)
                else:
                    self.send_json(message(model, mock.reply))

            def stream(self, model):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                start = message(model, "")
                start["content"] = []
                start["stop_reason"] = None
                events = [
                    ("message_start", {"type": "message_start", "message": start}),
                    ("content_block_start", {"type": "content_block_start", "index": 0,
                                             "content_block": {"type": "text", "text": ""}}),
                    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                             "delta": {"type": "text_delta",
                                                       "text": mock.reply}}),
                    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                    ("message_delta", {"type": "message_delta",
                                       "delta": {"stop_reason": "end_turn",
                                                 "stop_sequence": None},
                                       "usage": {"output_tokens": 8}}),
                    ("message_stop", {"type": "message_stop"}),
                ]
                for name, data in events:
                    self.wfile.write(("event: %s\ndata: %s\n\n" % (name, json.dumps(data))).encode())
                    self.wfile.flush()
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def message_bodies(self):
        with self.lock:
            return [r["body"] for r in self.requests
                    if r["method"] == "POST" and r["path"].split("?")[0].endswith("/v1/messages")]


def message(model, text):
    return {"id": "msg_mock01", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 8,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}
