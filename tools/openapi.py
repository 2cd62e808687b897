"""Write the API's OpenAPI 3.1 document (`make openapi`): every function's route declaration, as the
`openapi` function ships it in functions/openapi/openapi.json (billing.http.all_routes builds it).

    PYTHONPATH=shared python -m tools.openapi functions functions/openapi/openapi.json
"""

from __future__ import annotations

import argparse
import json
from functools import cache
from pathlib import Path
from typing import Any

from billing.http.all_routes import combined_resolver, discover_routers


@cache
def document(functions_dir: Path) -> dict[str, Any]:
    """The OpenAPI document as a JSON-able dict (built once per process)."""
    app = combined_resolver(discover_routers(functions_dir))
    return app.get_openapi_schema().model_dump(mode="json", by_alias=True, exclude_none=True)


def to_json(spec: dict[str, Any]) -> str:
    """The document as the `openapi` function ships it (functions/openapi/openapi.json)."""
    return json.dumps(spec, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the OpenAPI document of every function's route.")
    parser.add_argument("functions", type=Path, help="the functions/ folder")
    parser.add_argument("out", type=Path, help="where to write it, e.g. functions/openapi/openapi.json")
    arguments = parser.parse_args(argv)
    arguments.out.write_text(to_json(document(arguments.functions.resolve())), encoding="utf-8")


if __name__ == "__main__":
    main()
