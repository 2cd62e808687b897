"""A Docker-free stand-in for `sam local start-api`.

It reads the HTTP API routes of a SAM template, invokes the real handler functions
in-process with real API Gateway payload-2.0 events, and emulates the HTTP API
Lambda authorizer, CORS and the gateway's own error replies.

Modules:
- `template`: load a SAM template (short-form intrinsic tags) and extract routes,
  authorizers and CORS settings.
- `events`: build payload-2.0 integration and authorizer events (also for tests).
- `routing`: match a request to the most specific route, as API Gateway does.
- `runtime`: import handlers lazily and invoke them like warm Lambda containers.
- `server`: the HTTP server (`LocalGateway`).
"""
