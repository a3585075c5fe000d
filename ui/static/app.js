// Gatehouse's one script: progressive enhancement only. Every page works
// without it. Loaded from a file, so the Content-Security-Policy forbids
// inline scripts.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "Select all" per permission category: a checkbox in each category's
  // legend that ticks or clears every enabled permission of the category.
  for (const category of document.querySelectorAll("fieldset.category")) {
    const boxes = [...category.querySelectorAll("input[type=checkbox]:not([disabled])")];
    const legend = category.querySelector("legend");
    if (!legend || boxes.length < 2) continue;
    const label = document.createElement("label");
    label.className = "select-all";
    const all = document.createElement("input");
    all.type = "checkbox";
    all.setAttribute("aria-label", "Select all " + legend.textContent.trim() + " permissions");
    const sync = () => {
      const n = boxes.filter((b) => b.checked).length;
      all.checked = n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    };
    all.addEventListener("change", () => {
      for (const b of boxes) b.checked = all.checked;
      sync();
    });
    for (const b of boxes) b.addEventListener("change", sync);
    sync();
    label.append(all, " Select all");
    legend.append(" ", label);
  }

  // A filter box above long lists of checkboxes (groups, facilities).
  for (const picker of document.querySelectorAll("fieldset.picker:not(.permissions)")) {
    const checks = [...picker.querySelectorAll(":scope > .check")];
    if (checks.length < 12) continue;
    const input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Filter…";
    input.setAttribute("aria-label", "Filter " + picker.querySelector("legend").textContent.trim());
    input.addEventListener("input", () => {
      const q = input.value.trim().toLowerCase();
      for (const c of checks) c.hidden = q !== "" && !c.textContent.toLowerCase().includes(q);
    });
    picker.querySelector("legend").after(input);
  }
});
