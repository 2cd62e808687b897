// A confirmation for irreversible actions: a modal <dialog> that says what will happen; Cancel
// (or Escape) is the default, so nothing happens by accident.
import { h } from "./dom.js";

export function confirmAction(title: string, body: string[], confirmLabel: string, danger = false): Promise<boolean> {
  const titleId = "confirm-title";
  const bodyId = "confirm-body";
  const cancel = h("button", { type: "button", class: "secondary", value: "cancel" }, "Cancel");
  const confirm = h("button", { type: "button", class: danger ? "danger" : "", value: "confirm" }, confirmLabel);
  const dialog = h(
    "dialog",
    { class: "confirm", "aria-labelledby": titleId, "aria-describedby": bodyId },
    h("h2", { id: titleId }, title),
    h("div", { id: bodyId }, body.map((line) => h("p", {}, line))),
    h("div", { class: "actions" }, cancel, confirm),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    let answer = false;
    cancel.addEventListener("click", () => dialog.close());
    confirm.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
    cancel.focus();
  });
}
