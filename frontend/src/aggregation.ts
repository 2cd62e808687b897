// What a usage figure is, in words: the dashboard shows each feature as the customer's plan bills it (the usage
// route's `aggregation=billed`), so a chart of seats says it shows their max, not a sum no invoice bills. Pure
// (no DOM): unit-tested with `node --test`.
import type { Aggregation } from "./api-types.js";

/** The aggregation as a short label: "sum", "max", "unique values (user_id)". */
export function aggregationLabel(aggregation: Aggregation | undefined, property?: string): string {
  switch (aggregation) {
    case "count":
      return "count of events";
    case "max":
      return "max";
    case "latest":
      return "latest";
    case "unique_count":
      return property ? `unique values (${property})` : "unique values";
    default:
      return "sum";
  }
}
