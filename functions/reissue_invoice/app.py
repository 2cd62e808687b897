"""POST /v1/invoices/{invoice_id}/reissue — the draft replacing a void invoice: 201 when made now, 200 when it
existed (a second call, or a billing run reissued the period first); 409 when the invoice is not void."""

from http import HTTPStatus

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint, metrics
from billing.http.routes import ApiRouter, json_reply, resolver_for, written_reply
from billing.http.schemas import InvoiceOut

router = ApiRouter()


@router.post(
    "/v1/invoices/<invoice_id>/reissue",
    status_code=HTTPStatus.CREATED,
    responses={**written_reply(InvoiceOut, HTTPStatus.CREATED), **written_reply(InvoiceOut, HTTPStatus.OK)},
)
@access(ADMIN)
def reissue_invoice(invoice_id: str):  # no return annotation: two statuses (billing.http.routes.written_reply)
    reissue = bootstrap.services().invoices.reissue(invoice_id)
    if not reissue.created:
        return json_reply(InvoiceOut.of(reissue.invoice).model_dump(mode="json"), HTTPStatus.OK)
    metrics.add_metric(name="InvoicesReissued", unit="Count", value=1)
    return json_reply(InvoiceOut.of(reissue.invoice).model_dump(mode="json"), HTTPStatus.CREATED)


app = resolver_for(router)
lambda_handler = entrypoint(app)
