"""GET /v1/invoices?status=&period=&customer_id=&limit=&cursor= — invoices across customers, a page at a time."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.domain.invoices import InvoiceStatus
from billing.domain.paging import MAX_CURSOR_LENGTH, MAX_PAGE
from billing.domain.time import BillingPeriod
from billing.http.access import access, own_customer
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.invoices import InvoicePageOut

router = ApiRouter()


@router.get("/v1/invoices")
@access(own_customer("query"))
def list_invoices(
    status: Annotated[InvoiceStatus | None, Query()] = None,
    period: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")] = None,
    customer_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> InvoicePageOut:
    page = bootstrap.services().invoices.list(
        limit=limit,
        cursor=cursor,
        status=status,
        period=BillingPeriod.parse(period).key if period else None,
        customer_id=customer_id,
    )
    return InvoicePageOut.of(page)


app = resolver_for(router)
lambda_handler = entrypoint(app)
