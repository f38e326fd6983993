// Sharing: a permalink with the whole state in the URL and an embeddable map URL.
import { h } from "./dom.js";
import { t } from "./i18n.js";

function copyField(id, label, valueOf) {
  const input = h("input", { type: "text", id, readOnly: true, "aria-label": label });
  const button = h("button.secondary", { type: "button", on: { click: async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      document.execCommand("copy");
    }
    button.textContent = t("copied");
    setTimeout(() => (button.textContent = t("copy")), 1500);
  } } }, t("copy"));
  return { el: h("div.field", {}, h("label", { for: id }, label), h("div.copy-row", {}, input, button)), update: () => (input.value = valueOf()) };
}

/** A menu with the permalink and the embed code, filled with the current URL when opened. */
export function shareMenu(currentUrl) {
  const permalink = copyField("permalink", t("permalink"), () => currentUrl());
  const embed = copyField("embed-code", t("embed"), () => {
    const url = new URL(currentUrl());
    url.searchParams.set("embed", "1");
    return `<iframe src="${url.href}" title="${t("embedTitle")}" width="800" height="600" style="border:0"></iframe>`;
  });
  const refresh = () => {
    permalink.update();
    embed.update();
  };
  // filled as the menu is clicked open (the toggle event comes a task later) and on toggle
  const summary = h("summary", { on: { click: refresh } }, t("share"));
  const menu = h("details.menu", { id: "share" }, summary, h("div.menu-body.wide", {}, permalink.el, embed.el));
  menu.addEventListener("toggle", () => menu.open && refresh());
  return menu;
}
