"""GET /v1/customers — customers a page at a time (?limit=&cursor=), or found by name or email (?q=)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.domain.paging import MAX_CURSOR_LENGTH, MAX_PAGE, Page
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.customers import CustomerPageOut

router = ApiRouter()


@router.get("/v1/customers")
@access(ADMIN)
def list_customers(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=254)] = None,
) -> CustomerPageOut:
    customers = bootstrap.services().customers
    if q is not None:
        return CustomerPageOut.of(Page(customers.search(q, limit=limit)))
    return CustomerPageOut.of(customers.list(limit=limit, cursor=cursor))


app = resolver_for(router)
lambda_handler = entrypoint(app)
