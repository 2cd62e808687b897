// Form building blocks and the one way errors are shown: each field problem (found before sending,
// or named in the API's 4xx body) appears under the control that caused it, and the summary in the
// form's own alert beside its submit button.
import { explainError, fieldLabel, type FieldProblem } from "./errors.js";
import { h, type Attrs, type Child } from "./dom.js";

/** Problems found before a request is sent, named by the API's field paths. */
export class ProblemsError extends Error {
  constructor(
    readonly problems: { path: string; message: string }[],
    summary?: string,
  ) {
    const n = problems.length;
    super(summary ?? `Nothing was sent: ${n} field${n === 1 ? " needs" : "s need"} attention.`);
    this.name = "ProblemsError";
  }
}

export interface Field<T extends HTMLElement> {
  wrap: HTMLDivElement;
  label: HTMLLabelElement;
  control: T;
}

/** A labelled control with an optional hint (tied by aria-describedby). */
export function field<T extends HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
  id: string,
  labelText: string,
  control: T,
  hint?: Child | Child[],
): Field<T> {
  control.id = id;
  const label = h("label", { for: id }, labelText);
  const wrap = h("div", { class: "field" }, label);
  if (hint !== undefined && hint !== null && hint !== false) {
    const hintId = `${id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    wrap.append(control, h("p", { class: "hint", id: hintId }, hint));
  } else wrap.append(control);
  return { wrap, label, control };
}

export function input(attrs: Attrs = {}): HTMLInputElement {
  return h("input", { type: "text", autocomplete: "off", spellcheck: "false", ...attrs });
}

export function select(options: readonly (string | [string, string])[], selected = "", attrs: Attrs = {}): HTMLSelectElement {
  const el = h(
    "select",
    attrs,
    options.map((o) => (Array.isArray(o) ? h("option", { value: o[0] }, o[1]) : h("option", { value: o }, o))),
  );
  el.value = selected;
  return el;
}

/** The alert of a form (hidden while empty) and its status line. */
export function feedback(id: string): { alert: HTMLDivElement; status: HTMLParagraphElement } {
  return {
    alert: h("div", { class: "form-alert", id: `${id}-error`, role: "alert", hidden: true }),
    status: h("p", { class: "form-status", id: `${id}-status`, role: "status" }),
  };
}

export function clearErrors(scope: HTMLElement, alert: HTMLElement): void {
  for (const el of scope.querySelectorAll(".field-error")) el.remove();
  for (const el of scope.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const described = (el.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && !id.endsWith("-error"));
    if (described.length) el.setAttribute("aria-describedby", described.join(" "));
    else el.removeAttribute("aria-describedby");
  }
  alert.hidden = true;
  alert.replaceChildren();
}

function markField(control: HTMLElement, problem: FieldProblem): void {
  const id = `${control.id || "field"}-error`;
  control.setAttribute("aria-invalid", "true");
  const described = (control.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean);
  if (!described.includes(id)) control.setAttribute("aria-describedby", [...described, id].join(" "));
  const text = `${problem.label} ${problem.message}`;
  const existing = document.getElementById(id);
  if (existing) existing.textContent = `${existing.textContent ?? ""} ${text}`;
  else (control.closest(".field") ?? control.parentElement)?.append(h("p", { class: "field-error", id }, text));
}

export interface ErrorTarget {
  /** Field labels by name or key (errors.ts fieldLabel). */
  labels?: Readonly<Record<string, string>>;
  /** The control of a field path, when the form has it. */
  resolve?: (path: string) => HTMLElement | null | undefined;
}

/** Shows an error: field problems under their controls, the rest and a summary in `alert`. */
export function showError(scope: HTMLElement, alert: HTMLElement, error: unknown, target: ErrorTarget = {}): void {
  clearErrors(scope, alert);
  const labels = target.labels ?? {};
  const explained =
    error instanceof ProblemsError
      ? {
          summary: error.message,
          fields: error.problems.map((p) => ({ path: p.path, label: fieldLabel(p.path, labels), message: p.message })),
        }
      : explainError(error, labels);
  const unplaced: FieldProblem[] = [];
  let first: HTMLElement | null = null;
  for (const problem of explained.fields) {
    const control = target.resolve?.(problem.path);
    if (control) {
      markField(control, problem);
      first ??= control;
    } else unplaced.push(problem);
  }
  alert.append(h("p", {}, explained.summary));
  if (unplaced.length) alert.append(h("ul", {}, unplaced.map((p) => h("li", {}, `${p.label} ${p.message}`))));
  alert.hidden = false;
  if (first && error instanceof ProblemsError) first.focus();
}

/**
 * Runs a form's action: its buttons disabled and the form marked busy meanwhile, earlier errors
 * cleared, a thrown error shown next to its controls.
 */
export async function submitting(
  form: HTMLElement,
  alert: HTMLElement,
  action: () => Promise<void>,
  target: ErrorTarget = {},
): Promise<boolean> {
  const buttons = Array.from(form.querySelectorAll("button")).filter((b) => !b.disabled);
  for (const b of buttons) b.disabled = true;
  form.setAttribute("aria-busy", "true");
  clearErrors(form, alert);
  try {
    await action();
    return true;
  } catch (error) {
    showError(form, alert, error, target);
    return false;
  } finally {
    for (const b of buttons) b.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

export interface SubmitOptions extends ErrorTarget {
  /** The form's status line, emptied when it is sent again. */
  status?: HTMLElement;
  /** What is marked busy and cleared of earlier errors while the action runs (default: the form). */
  scope?: HTMLElement;
}

/** Binds a form to its action: submitting it (button or Enter) runs `action` as `submitting` does, in place. */
export function onSubmit(form: HTMLFormElement, alert: HTMLElement, action: () => Promise<void>, options: SubmitOptions = {}): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (options.status) options.status.textContent = "";
    void submitting(options.scope ?? form, alert, action, options);
  });
}

export function actions(...children: (Child | Child[])[]): HTMLDivElement {
  return h("div", { class: "actions" }, ...children);
}
