// The words of an invoice document that depend on its state: drafts have no number and owe nothing yet,
// void invoices say VOID and show no amount due, reissues say which invoice they replace. Pure: no DOM.
import type { Invoice } from "./api-types.js";

type Named = Pick<Invoice, "id" | "number">;
type Stated = Pick<Invoice, "id" | "number" | "status">;

/** How a document names an invoice: its number once it has one, else its id. */
export function invoiceName(invoice: Named): string {
  return invoice.number ?? invoice.id;
}

export function documentTitle(invoice: Stated): string {
  if (invoice.status === "draft") return `Draft invoice ${invoice.id}`;
  if (invoice.status === "void") return `Void invoice ${invoiceName(invoice)}`;
  return `Invoice ${invoiceName(invoice)}`;
}

/** The stamp across the document: DRAFT (no number yet) or VOID (nothing is due); none once finalized. */
export function documentStamp(invoice: Pick<Invoice, "status">): string | null {
  if (invoice.status === "draft") return "DRAFT";
  if (invoice.status === "void") return "VOID";
  return null;
}

/** Whether the document shows an amount as due: only a finalized invoice is owed. */
export function showsAmountDue(invoice: Pick<Invoice, "status">): boolean {
  return invoice.status === "finalized";
}

/** The label of the document's last line. */
export function totalLabel(invoice: Pick<Invoice, "status">): string {
  if (invoice.status === "void") return "Total (void: nothing is due)";
  if (invoice.status === "draft") return "Total (draft: not due yet)";
  return "Total due";
}

/** "Reissue 1 of 2025-09", or null for a period's first invoice. */
export function reissueLabel(invoice: Pick<Invoice, "issue" | "period">): string | null {
  return invoice.issue ? `Reissue ${invoice.issue} of ${invoice.period}` : null;
}
