// Unit tests of the dashboard's pure modules (no DOM): `node --test` on the tsc output.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { load } from "./load.mjs";

const decimal = await load("decimal.js");
const time = await load("time.js");
const scale = await load("chart-scale.js");
const aggregation = await load("aggregation.js");
const errors = await load("errors.js");
const api = await load("api.js");
const routes = await load("routes.js");
const bulk = await load("bulk-events.js");
const plans = await load("plan-model.js");
const labels = await load("invoice-labels.js");


// The plan page shows a price's words with its names as elements; as plain text they read the same.
const inWords = (price, currency) => plans.priceWords(price, currency, (name) => name).join("");

describe("decimal", () => {
  it("adds and subtracts exactly, beyond what a double holds", () => {
    assert.equal(decimal.sumDecimals(["0.1", "0.2"]), "0.3");
    assert.equal(decimal.sumDecimals(["12345678901234567890.01", "0.99"]), "12345678901234567891.00");
    assert.equal(decimal.subtractDecimals("8.50", "13.5"), "-5.00");
  });
  it("compares by value, not by text", () => {
    assert.equal(decimal.compareDecimals("0.10", "0.1"), 0);
    assert.equal(decimal.compareDecimals("2", "10"), -1);
    assert.equal(decimal.compareDecimals("-1", "-2"), 1);
    assert.ok(decimal.isZeroDecimal("0.000"));
  });
  it("groups digits without changing them", () => {
    assert.equal(decimal.groupDigits("1234567.505"), "1,234,567.505");
    assert.equal(decimal.groupDigits("-1000"), "-1,000");
    assert.equal(decimal.formatMoney("1000.00", "USD"), "1,000.00 USD");
    assert.equal(decimal.groupDigits("n/a"), "n/a");
  });
  it("refuses text that is not a decimal", () => {
    assert.throws(() => decimal.sumDecimals(["1e3"]));
    assert.equal(decimal.isDecimalString("1.5"), true);
    assert.equal(decimal.isDecimalString("ten"), false);
  });
});

describe("time", () => {
  it("cuts periods at the customer's midnight, DST included", () => {
    const ny = time.periodBounds("2025-09", "America/New_York");
    assert.equal(ny.start.toISOString(), "2025-09-01T04:00:00.000Z");
    assert.equal(ny.end.toISOString(), "2025-10-01T04:00:00.000Z");
    const paris = time.periodBounds("2025-10", "Europe/Paris"); // summer time ends on 26 October
    assert.equal(paris.start.toISOString(), "2025-09-30T22:00:00.000Z");
    assert.equal(paris.end.toISOString(), "2025-10-31T23:00:00.000Z");
    const kolkata = time.periodBounds("2025-12", "Asia/Kolkata");
    assert.equal(kolkata.end.toISOString(), "2025-12-31T18:30:00.000Z");
  });
  it("lists every local day of a range, 23- and 25-hour days too", () => {
    const { start, end } = time.periodBounds("2025-10", "Europe/Paris");
    const days = time.localDayStarts(start, end, "Europe/Paris");
    assert.equal(days.length, 31);
    assert.equal(days[25].toISOString(), "2025-10-25T22:00:00.000Z");
    assert.equal(days[26].toISOString(), "2025-10-26T23:00:00.000Z");
    assert.equal(time.formatLocal(days[30], "Europe/Paris", true), "2025-10-31");
  });
  it("says which period now is in a timezone, and which the billing run bills", () => {
    const now = new Date("2025-10-01T02:00:00Z");
    assert.equal(time.currentPeriod(now, "UTC"), "2025-10");
    assert.equal(time.currentPeriod(now, "America/Los_Angeles"), "2025-09");
    assert.equal(time.previousPeriod(new Date("2026-01-15T00:00:00Z")), "2025-12");
    assert.equal(time.shiftPeriod("2025-01", -1), "2024-12");
  });
  it("defaults an event inside the billed period in every timezone", () => {
    const ts = time.timestampInPeriod("2025-09");
    for (const zone of ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC", "Asia/Kolkata"]) {
      const { start, end } = time.periodBounds("2025-09", zone);
      assert.ok(start <= new Date(ts) && new Date(ts) < end, zone);
    }
  });
  it("reads typed timestamps as UTC unless they carry a zone", () => {
    assert.equal(time.toUtcIso("2025-09-01T12:00"), "2025-09-01T12:00:00Z");
    assert.equal(time.toUtcIso("2025-09-01T12:00:00+02:00"), "2025-09-01T12:00:00+02:00");
    assert.equal(time.toUtcIso("2025-09-01"), "2025-09-01T00:00:00Z");
    assert.equal(time.toUtcIso("yesterday"), null);
  });
  it("names periods with their dates and zone", () => {
    assert.equal(time.describePeriod("2025-09", "America/New_York"), "September 2025: 2025-09-01 – 2025-09-30 (America/New_York)");
    assert.equal(time.formatInZone("2025-09-01T04:00:00Z", "America/New_York"), "2025-09-01 00:00 (America/New_York)");
  });
});

describe("chart scaling", () => {
  const add = (a, b) => decimal.sumDecimals([a, b]);
  const days = time.localDayStarts(new Date("2025-09-01T04:00:00Z"), new Date("2025-09-06T04:00:00Z"), "America/New_York");
  it("fills the windows the API leaves out with zero, matching windows by instant", () => {
    const filled = scale.fillWindows(
      [
        { feature: "api_calls", window_start: "2025-09-02T00:00:00-04:00", quantity: "700" },
        { feature: "api_calls", window_start: "2025-09-05T04:00:00Z", quantity: "150" },
        { feature: "storage", window_start: "2025-09-02T00:00:00-04:00", quantity: "2.5" },
      ],
      days,
      add,
      ["seats"],
    );
    assert.deepEqual(filled.series.map((s) => s.feature), ["api_calls", "seats", "storage"]);
    assert.deepEqual(filled.series[0].values, ["0", "700", "0", "0", "150"]);
    assert.equal(filled.series[0].total, "850");
    assert.deepEqual(filled.series[1].values, ["0", "0", "0", "0", "0"]);
    assert.deepEqual(filled.series[2].heights, [0, 2.5, 0, 0, 0]);
    assert.equal(filled.unplaced, 0);
  });
  it("takes a feature's figure and aggregation from the range read whole: a max is not the sum of its days", () => {
    const filled = scale.fillWindows(
      [
        { feature: "seats", window_start: "2025-09-01T00:00:00-04:00", quantity: "9", aggregation: "max" },
        { feature: "seats", window_start: "2025-09-02T00:00:00-04:00", quantity: "6", aggregation: "max" },
        { feature: "users", window_start: "2025-09-02T00:00:00-04:00", quantity: "2", aggregation: "unique_count", property: "user_id" },
        { feature: "api", window_start: "2025-09-02T00:00:00-04:00", quantity: "5" },
      ],
      days,
      add,
      [],
      [
        { feature: "seats", quantity: "9", aggregation: "max" },
        { feature: "users", quantity: "3", aggregation: "unique_count", property: "user_id" },
      ],
    );
    assert.deepEqual(
      filled.series.map((s) => [s.feature, s.total, s.aggregation, s.property]),
      [
        ["api", "5", "sum", undefined],
        ["seats", "9", "max", undefined],
        ["users", "3", "unique_count", "user_id"],
      ],
    );
    assert.deepEqual(filled.series[1].values, ["9", "6", "0", "0", "0"]);
  });
  it("says which aggregation a figure shows", () => {
    assert.equal(aggregation.aggregationLabel("max"), "max");
    assert.equal(aggregation.aggregationLabel("unique_count", "user_id"), "unique values (user_id)");
    assert.equal(aggregation.aggregationLabel(undefined), "sum");
    assert.equal(aggregation.aggregationLabel("count"), "count of events");
  });
  it("picks nice axis steps and ticks without drift", () => {
    assert.deepEqual(scale.niceScale(1250), { max: 1500, step: 500 });
    assert.deepEqual(scale.niceScale(2.5), { max: 3, step: 1 });
    assert.deepEqual(scale.niceScale(0), { max: 1, step: 0.25 });
    assert.deepEqual(scale.tickValues(0.3, 0.1), [0, 0.1, 0.2, 0.3]);
    assert.equal(scale.formatTick(25000), "25K");
    assert.equal(scale.labelEvery(31, 580, 44), 3);
    assert.equal(scale.labelEvery(31, 580), 5);
  });
});

describe("error mapping", () => {
  it("names fields by the labels of their controls", () => {
    assert.equal(errors.fieldLabel("events[2].quantity", { quantity: "Quantity" }), "Event 3 · Quantity");
    assert.equal(errors.fieldLabel("prices[0].tiers[1].up_to", plans.PLAN_LABELS), "Price 1 · Tier 2 · Up to");
    assert.equal(errors.fieldLabel("email"), "Email");
    assert.equal(errors.fieldLabel(""), "Request");
    assert.equal(errors.fieldKey("prices[0].tiers[1].up_to"), "prices[].tiers[].up_to");
  });
  it("turns pydantic phrasing into plain words", () => {
    assert.equal(errors.plainMessage("Input should be greater than or equal to 0"), "must be greater than or equal to 0");
    assert.equal(errors.plainMessage("Field required"), "is required");
  });
  it("explains errors for an operator", () => {
    const invalid = new api.ApiError("http", "bad", {
      status: 400,
      code: "validation_error",
      fields: [{ field: "events[1].quantity", message: "Input should be greater than or equal to 0" }],
    });
    const explained = errors.explainError(invalid, { quantity: "Quantity" });
    assert.equal(explained.summary, "Nothing was saved: 1 field needs attention.");
    assert.deepEqual(explained.fields, [{ path: "events[1].quantity", label: "Event 2 · Quantity", message: "must be greater than or equal to 0" }]);
    assert.match(errors.explainError(new api.ApiError("http", "Forbidden", { status: 403 })).summary, /key was refused/);
    assert.match(errors.explainError(new api.ApiError("network", "x")).summary, /could not be reached/);
  });
  it("tells a missing route from a missing record", () => {
    const route = api.errorFromResponse(404, "Not Found", { message: "Not Found" });
    const record = api.errorFromResponse(404, "Not Found", { error: { code: "not_found", message: "invoice 'x' not found" } });
    assert.equal(errors.isMissingRoute(route), true);
    assert.equal(errors.isMissingRoute(record), false);
  });
});

describe("routes", () => {
  it("round-trips every view through its address", () => {
    const all = [
      { view: "overview" },
      { view: "customers", q: "acme corp", cursor: "after:cus_1" },
      { view: "customer", id: "cus_1/x" },
      { view: "plans", cursor: "" },
      { view: "plan-new" },
      { view: "plan", id: "plan_1" },
      { view: "invoices", status: "draft", period: "2025-09", customer: "", cursor: "" },
      { view: "invoice", id: "inv_1" },
      { view: "events", customer: "cus_1" },
      { view: "billing", run: "" },
      { view: "settings" },
    ];
    for (const route of all) assert.deepEqual(routes.parseRoute(routes.href(route)), route);
    assert.equal(routes.parseRoute("#/nowhere").view, "not-found");
    assert.equal(routes.section(routes.parseRoute("#/invoices/inv_1")), "invoices");
  });
});

describe("bulk events", () => {
  it("keeps JSON lines as typed, for the picked customer only", () => {
    const text = '{"feature": "a", "quantity": 0.10000000000000000001, "ts": "2025-09-01T00:00:00Z"}\n\n{"customer_id": "cus_2", "feature": "a", "quantity": 1, "ts": "x"}';
    const parsed = bulk.parseBulkEvents(text, "cus_1");
    assert.equal(parsed.format, "json");
    assert.equal(parsed.events.length, 1);
    assert.equal(parsed.events[0].quantity, "0.10000000000000000001");
    assert.deepEqual(parsed.problems, [{ line: 3, message: "names customer cus_2, but this batch goes to cus_1" }]);
    assert.equal(
      bulk.batchBody("cus_1", parsed.events),
      '{"customer_id": "cus_1", "events": [{"feature": "a", "quantity": 0.10000000000000000001, "ts": "2025-09-01T00:00:00Z"}]}',
    );
  });
  it("reads CSV with a header, quotes included", () => {
    const parsed = bulk.parseBulkEvents('feature,quantity,timestamp,id\napi_calls,"1,5",2025-09-01T00:00:00Z,e-1\n', "cus_1");
    assert.equal(parsed.format, "csv");
    assert.deepEqual(JSON.parse(parsed.events[0].json), { feature: "api_calls", quantity: "1,5", ts: "2025-09-01T00:00:00Z", id: "e-1" });
    assert.equal(bulk.parseBulkEvents("a,b\n1,2", "c").problems[0].message.includes("missing: feature, quantity, ts"), true);
    assert.deepEqual(bulk.splitCsvLine('a,"b ""c""",d'), ["a", 'b "c"', "d"]);
  });
});

describe("plan model", () => {
  const price = (over) => ({ feature: "api_calls", model: "per_unit", aggregation: "sum", property: "", unitAmount: "0.01", packageSize: "", packageAmount: "", tiers: [], ...over });
  it("builds the body with only the chosen model's keys", () => {
    const { body, problems } = plans.checkPlan({ name: "Growth", currency: "eur", minimum: "", graceDays: "3", prices: [price({ model: "package", packageSize: "100", packageAmount: "1.50" })] });
    assert.deepEqual(problems, []);
    assert.deepEqual(body, { name: "Growth", currency: "EUR", grace_period_days: 3, prices: [{ feature: "api_calls", model: "package", aggregation: "sum", package_size: "100", package_amount: "1.50" }] });
  });
  it("sends a plan fee as amount, and checks it as money", () => {
    const withFee = plans.checkPlan({ name: "Base", currency: "USD", fee: "12.50", minimum: "", graceDays: "0", prices: [] });
    assert.deepEqual([withFee.problems, withFee.body.amount], [[], "12.50"]);
    assert.equal("amount" in plans.checkPlan({ name: "Base", currency: "USD", fee: " ", minimum: "", graceDays: "0", prices: [] }).body, false);
    assert.deepEqual(plans.checkPlan({ name: "Base", currency: "USD", fee: "-1", minimum: "", graceDays: "0", prices: [] }).problems.map((p) => p.path), ["amount"]);
  });
  it("names problems by the API's field paths", () => {
    const { problems } = plans.checkPlan({
      name: "",
      currency: "USD",
      minimum: "ten",
      graceDays: "0",
      prices: [price({ model: "graduated", tiers: [{ upTo: "", unitAmount: "0", flatAmount: "" }, { upTo: "", unitAmount: "x", flatAmount: "" }] })],
    });
    assert.deepEqual(problems.map((p) => p.path), ["name", "minimum_amount", "prices[0].tiers[0].up_to", "prices[0].tiers[1].unit_amount"]);
  });
  it("builds percentage prices: a rate and a fee per event, or tiers with a rate", () => {
    const pct = plans.checkPlan({ name: "Pay", currency: "USD", minimum: "", graceDays: "0", prices: [price({ model: "percentage", rate: "2.9", fixedAmount: "0.30" })] });
    assert.deepEqual(pct.problems, []);
    assert.deepEqual(pct.body.prices, [{ feature: "api_calls", model: "percentage", aggregation: "sum", rate: "2.9", fixed_amount: "0.30" }]);
    const tiers = [{ upTo: "10", unitAmount: "", rate: "1", flatAmount: "200" }, { upTo: "", unitAmount: "", rate: "x", flatAmount: "" }];
    const graduated = plans.checkPlan({ name: "Pay", currency: "USD", minimum: "", graceDays: "0", prices: [price({ model: "graduated_percentage", tiers })] });
    assert.deepEqual(graduated.problems.map((p) => p.path), ["prices[0].tiers[1].rate"]);
    assert.deepEqual(graduated.body.prices[0].tiers, [{ up_to: "10", rate: "1", flat_amount: "200" }, { up_to: null, rate: "x" }]);
    assert.deepEqual(plans.checkPlan({ name: "Pay", currency: "USD", minimum: "", graceDays: "0", prices: [price({ model: "percentage" })] }).problems.map((p) => p.path), ["prices[0].rate"]);
    assert.equal(inWords({ feature: "payments", model: "percentage", aggregation: "sum", rate: "2.9", fixed_amount: "0.30" }, "USD"), "payments: 2.9 % of the value + 0.30 USD per event");
  });
  it("says prices in words", () => {
    const tiers = [{ up_to: "100", unit_amount: "0" }, { up_to: "1000", unit_amount: "0.01" }, { up_to: null, unit_amount: "0.0035", flat_amount: "2" }];
    assert.equal(
      inWords({ feature: "api_calls", model: "graduated", aggregation: "sum", tiers }, "USD"),
      "api_calls, each unit at the rate of its own tier (USD): the first 100: free; 100 to 1000: 0.01 each; above 1000: 0.0035 each + 2 flat",
    );
    assert.equal(inWords({ feature: "users", model: "per_unit", aggregation: "unique_count", property: "user_id", unit_amount: "3" }, ""), "unique user_id of users: 3 per unit");
    assert.equal(plans.describePrice({ feature: "sms", model: "package", aggregation: "sum", package_size: "100", package_amount: "1.50" }), "package · sum: 1.50 per 100");
  });
});

describe("invoice labels", () => {
  const draft = { id: "inv_1", number: null, status: "draft", issue: 0, period: "2025-09" };
  const final = { ...draft, number: "INV-000042", status: "finalized" };
  const voided = { ...final, status: "void" };
  it("names a draft by its id and anything finalized by its number", () => {
    assert.equal(labels.documentTitle(draft), "Draft invoice inv_1");
    assert.equal(labels.documentTitle(final), "Invoice INV-000042");
    assert.equal(labels.documentTitle(voided), "Void invoice INV-000042");
    assert.equal(labels.invoiceName({ id: "inv_old", number: null }), "inv_old");
  });
  it("stamps drafts and void invoices, and shows an amount due only when finalized", () => {
    assert.deepEqual([draft, final, voided].map(labels.documentStamp), ["DRAFT", null, "VOID"]);
    assert.deepEqual([draft, final, voided].map(labels.showsAmountDue), [false, true, false]);
    assert.equal(labels.totalLabel(final), "Total due");
    assert.ok(!labels.totalLabel(voided).includes("Total due") && labels.totalLabel(voided).includes("nothing is due"));
  });
  it("says which reissue an invoice is", () => {
    assert.equal(labels.reissueLabel(draft), null);
    assert.equal(labels.reissueLabel({ ...draft, issue: 2 }), "Reissue 2 of 2025-09");
  });
});
