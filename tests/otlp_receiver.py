"""A local OTLP/HTTP trace receiver for the tests: what an OpenTelemetry collector would get.

``with otlp_receiver() as receiver:`` listens on a free loopback port; point a process at it with
``OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint``; ``receiver.spans()`` decodes every exported
span (protobuf ExportTraceServiceRequest) into plain dicts: name, kind, ids, attributes, events,
status, and the resource's attributes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


@dataclass
class Receiver:
    endpoint: str
    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def spans(self) -> list[dict[str, Any]]:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        out = []
        for body in list(self.bodies):
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            for rs in request.resource_spans:
                resource = {a.key: _value(a.value) for a in rs.resource.attributes}
                for ss in rs.scope_spans:
                    for s in ss.spans:
                        out.append({
                            "name": s.name, "kind": s.kind, "trace_id": s.trace_id.hex(), "span_id": s.span_id.hex(),
                            "parent": s.parent_span_id.hex() or None, "scope": ss.scope.name,
                            "attributes": {a.key: _value(a.value) for a in s.attributes},
                            "events": [{"name": e.name, "attributes": {a.key: _value(a.value) for a in e.attributes}}
                                       for e in s.events],
                            "status": {"code": s.status.code, "message": s.status.message},
                            "resource": resource,
                        })
        return out


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    received: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            received.paths.append(self.path)
            if self.path == "/v1/traces":
                received.bodies.append(body)
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()
