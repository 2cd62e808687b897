// Small DOM helpers: element creation without innerHTML (all data goes in as text),
// typed lookups, and the shared error / status / busy handling of the sections.
import { ApiError } from "./api.js";

export type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | number | null | undefined | false;

/** Creates an element; `class` sets className, boolean true sets an empty attribute, false/null/undefined skip it. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child === null || child === undefined || child === false) continue;
    else parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** document.getElementById with a runtime type check, so a renamed id fails loudly at start-up. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing or is not a ${type.name}`);
  return el;
}

export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Shows an error (ApiError, network error, validation message) in a section's role="alert" area. */
export function showError(area: HTMLElement, error: unknown): void {
  const parts: Node[] = [];
  if (error instanceof ApiError) {
    const meta = [error.status ? `HTTP ${error.status}` : "", error.code ?? ""].filter(Boolean).join(" · ");
    parts.push(h("p", { class: "error-message" }, error.message));
    if (meta) parts.push(h("p", { class: "error-meta" }, meta));
    if (error.fields.length > 0) {
      parts.push(
        h(
          "ul",
          { class: "error-fields" },
          error.fields.map((f) => h("li", {}, h("code", {}, f.field || "(request)"), ": ", f.message)),
        ),
      );
    }
  } else {
    const message = error instanceof Error ? error.message : String(error);
    parts.push(h("p", { class: "error-message" }, message));
  }
  replaceChildren(area, parts);
  area.hidden = false;
}

export function clearError(area: HTMLElement): void {
  area.hidden = true;
  area.replaceChildren();
}

/** Thrown for problems found before a request is sent; shown like API errors. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly inputs: HTMLElement[] = [],
  ) {
    super(message);
    this.name = "InputError";
  }
}

/**
 * Runs an async action for a form: disables its buttons, marks the section busy, clears the
 * previous error and shows any thrown error in `errorArea`. Inputs named by an InputError get aria-invalid.
 */
export async function runAction(
  section: HTMLElement,
  errorArea: HTMLElement,
  action: () => Promise<void>,
): Promise<void> {
  const buttons = Array.from(section.querySelectorAll("button")).filter((b) => !b.disabled);
  for (const b of buttons) b.disabled = true;
  section.setAttribute("aria-busy", "true");
  for (const el of section.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  clearError(errorArea);
  try {
    await action();
  } catch (error) {
    if (error instanceof InputError) {
      for (const input of error.inputs) input.setAttribute("aria-invalid", "true");
      error.inputs[0]?.focus();
    }
    showError(errorArea, error);
  } finally {
    for (const b of buttons) b.disabled = false;
    section.removeAttribute("aria-busy");
  }
}

export function requireValue(input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, what: string): string {
  const value = input.value.trim();
  if (!value) throw new InputError(`${what} is required.`, [input]);
  return value;
}

/** A simple table: headers and rows of cells (strings or nodes). */
export function table(
  attrs: Attrs,
  caption: string,
  headers: string[],
  rows: Child[][],
): HTMLTableElement {
  return h(
    "table",
    attrs,
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))),
  );
}
