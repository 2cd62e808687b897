// Small DOM helpers: element creation from text only (no HTML parsing of data), and tables that
// turn into labelled cards on a phone (each cell carries its column name in data-label).

export type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | number | null | undefined | false;

/** Creates an element; boolean true sets an empty attribute, false/null/undefined skip it. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child === null || child === undefined || child === false) continue;
    else parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

// Text someone typed (a customer, plan or feature name, an email, a description) is shown through one of the
// two helpers below. Bidi embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) are dropped:
// "Acme<U+202E>gnp.exe" would show as "Acmeexe.png" and reverse whatever follows it on the line. The API refuses
// them in names; names stored before are shown without them. What remains is isolated, so right-to-left
// letters in a name cannot move the text around it either.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
const FIRST_STRONG_ISOLATE = "\u2068";
const POP_DIRECTIONAL_ISOLATE = "\u2069";

/** Someone's text as an element: <bdi class="user-text"> (isolated; long unbroken text wraps, see styles.css). */
export function userText(text: string): HTMLElement {
  return h("bdi", { class: "user-text" }, withoutBidiControls(text));
}

/** Someone's text where only a plain string fits and the string is theirs alone (an attribute, a label part). */
export function withoutBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, "");
}

/** A list of someone's texts ("a, b, c"), each isolated. */
export function userTexts(texts: string[], separator = ", "): Child[] {
  return texts.flatMap((text, i) => (i === 0 ? [userText(text)] : [separator, userText(text)]));
}

/** Someone's text inside a string that cannot hold elements (an <option>, a label, a sentence built as one string). */
export function isolated(text: string): string {
  return FIRST_STRONG_ISOLATE + withoutBidiControls(text) + POP_DIRECTIONAL_ISOLATE;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
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

export interface Column {
  label: string;
  /** The header's content when it is not just the label (someone's text in it: a feature's name). */
  heading?: Child | Child[];
  /** "num": right-aligned figures; "key": kept first and prominent on a phone. */
  kind?: "num" | "key" | "text";
}

/**
 * A table of rows of cells. On a narrow screen (CSS) each row becomes a card whose cells show their
 * column names (data-label), so nothing needs sideways scrolling.
 */
export function dataTable(attrs: Attrs, caption: string, columns: Column[], rows: Child[][], captionHidden = false): HTMLTableElement {
  return h(
    "table",
    { ...attrs, class: `data-table ${String(attrs["class"] ?? "")}`.trim() },
    h("caption", { class: captionHidden ? "visually-hidden" : null }, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c) => h("th", { scope: "col", class: c.kind === "num" ? "num" : null }, c.heading ?? c.label)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((cells) =>
        h(
          "tr",
          {},
          cells.map((cell, i) => {
            const column = columns[i];
            return h("td", { "data-label": column?.label ?? "", class: column?.kind ?? null }, cell);
          }),
        ),
      ),
    ),
  );
}

/** A definition list of facts ("Timezone: Europe/Paris"). */
export function facts(pairs: [string, Child | Child[]][], attrs: Attrs = {}): HTMLDListElement {
  return h(
    "dl",
    { class: "facts", ...attrs },
    pairs.map(([term, value]) => h("div", { class: "fact" }, h("dt", {}, term), h("dd", {}, value))),
  );
}

export function link(href: string, text: Child | Child[], attrs: Attrs = {}): HTMLAnchorElement {
  return h("a", { href, ...attrs }, text);
}

export function badge(status: string): HTMLSpanElement {
  return h("span", { class: `badge badge-${status.replace(/[^a-z_-]/gi, "")}` }, status);
}

/** A visually hidden live region's text, or a visible note. */
export function note(text: Child | Child[], kind: "info" | "warning" | "empty" = "info", attrs: Attrs = {}): HTMLParagraphElement {
  return h("p", { class: `note note-${kind}`, ...attrs }, text);
}
