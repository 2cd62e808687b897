"""Build tools, run from the repo root (`make openapi`, `make events`): nothing here ships in a Lambda."""
