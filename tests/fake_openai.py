"""A scripted OpenAI-compatible chat endpoint over real HTTP, for tests: POST
/v1/chat/completions answers with the next scripted reply, streamed (SSE) or not. A reply of
``None`` makes the endpoint hang, like an overloaded server."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self, replies: list[str | None]) -> None:
        self.replies = list(replies)
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                reply = server.replies.pop(0) if server.replies else "报告中没有找到相关内容。"
                if reply is None:
                    time.sleep(30)
                    return
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for i in range(0, len(reply), 8):
                        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0,
                                 "model": body["model"], "choices": [
                                     {"index": 0, "delta": {"content": reply[i:i + 8]}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                payload = json.dumps({"id": "c1", "object": "chat.completion", "created": 0,
                                      "model": body["model"], "choices": [{
                                          "index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": reply}}],
                                      "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                                "total_tokens": 2}}, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
