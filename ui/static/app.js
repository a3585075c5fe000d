// Gatehouse's one script: progressive enhancement only. Every page works
// without it. Loaded from a file, so the Content-Security-Policy forbids
// inline scripts.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "Select all" per permission category: a checkbox in each category's
  // legend that ticks or clears every enabled permission of the category.
  for (const category of document.querySelectorAll("fieldset.category")) {
    // Boxes the licence disabled may come back when the licence changes;
    // the count and the ticking skip whatever is disabled at the time.
    const candidates = [...category.querySelectorAll("input[type=checkbox]:not([disabled]), input[data-licence-check]")];
    const enabled = () => candidates.filter((b) => !b.disabled);
    const boxes = candidates;
    const legend = category.querySelector("legend");
    if (!legend || boxes.length < 2) continue;
    const label = document.createElement("label");
    label.className = "select-all";
    const all = document.createElement("input");
    all.type = "checkbox";
    all.setAttribute("aria-label", "Select all " + legend.textContent.trim() + " permissions");
    const sync = () => {
      const on = enabled();
      const n = on.filter((b) => b.checked).length;
      all.checked = on.length > 0 && n === on.length;
      all.indeterminate = n > 0 && n < on.length;
    };
    all.addEventListener("change", () => {
      for (const b of enabled()) b.checked = all.checked;
      sync();
    });
    for (const b of boxes) b.addEventListener("change", sync);
    category.addEventListener("licencechange", sync);
    sync();
    label.append(all, " Select all");
    legend.append(" ", label);
  }

  // The user form's licence select: each permission the chosen licence may
  // not hold is disabled (unless the user already holds it: it can still be
  // removed) and its reason shown; each group says which of its permissions
  // the licence keeps out. The server renders the same for the saved
  // licence, and refuses a direct permission above the licence.
  const licence = document.querySelector("select#licence");
  if (licence) {
    const apply = () => {
      const rank = licence.selectedOptions[0] ? licence.selectedOptions[0].dataset.rank : "";
      for (const why of document.querySelectorAll(".licence-why > [data-rank]")) why.hidden = why.dataset.rank !== rank;
      for (const box of document.querySelectorAll("input[data-licence-check]")) {
        const stopped = box.closest(".check").querySelector('.licence-why > [data-rank="' + rank + '"]') !== null;
        box.disabled = stopped && !box.defaultChecked;
        if (box.disabled) box.checked = false;
      }
      for (const category of document.querySelectorAll("fieldset.category")) category.dispatchEvent(new Event("licencechange"));
    };
    licence.addEventListener("change", apply);
    apply();
  }

  // Full access overrides the rest of the Access section: ticking it greys
  // out the licence, groups, facilities and direct permissions and says so
  // (their values are kept and sent: they count again once full access is
  // turned off). The server renders the same state on load.
  const fullAccess = document.querySelector("input#full_access");
  const overridable = document.getElementById("overridable");
  if (fullAccess && overridable) {
    const note = document.getElementById("full-access-overrides");
    const described = [...overridable.querySelectorAll("#licence, #groups, #facilities, #direct-permissions")];
    const apply = () => {
      const on = fullAccess.checked;
      overridable.classList.toggle("overridden", on);
      note.hidden = !on;
      for (const el of described) {
        const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter((id) => id && id !== note.id);
        if (on) ids.push(note.id);
        if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
        else el.removeAttribute("aria-describedby");
      }
    };
    fullAccess.addEventListener("change", apply);
    apply();
  }

  // Times: the server writes them in UTC; they are shown in the browser's
  // time zone, the UTC kept on hover (title) and in datetime. Forms that
  // read a date and time (the audit log's range) say which zone they read
  // it in, and send it (tz), so that "From 09:00" means 09:00 here.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const local = new Intl.DateTimeFormat(undefined, {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  for (const t of document.querySelectorAll("time[datetime]")) {
    const at = new Date(t.getAttribute("datetime"));
    if (!Number.isNaN(at.getTime())) t.textContent = local.format(at);
  }
  if (zone) {
    for (const input of document.querySelectorAll("input[name=tz]")) {
      if (!input.value) input.value = zone;
    }
    for (const name of document.querySelectorAll(".tz-name")) name.textContent = zone;
  }

  // Boxes that name people (the audit log's actor and target, a group's
  // new member): as the viewer types, the server's search refills the
  // suggestions (the page starts with the first few). Without the script
  // the server resolves the typed name.
  for (const input of document.querySelectorAll("input[data-suggest]")) {
    const list = document.getElementById(input.getAttribute("list"));
    let timer = 0, asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (q === asked) return;
        asked = q;
        let found;
        try {
          const res = await fetch("/suggestions?for=" + encodeURIComponent(input.dataset.suggest) + "&q=" + encodeURIComponent(q),
            {headers: {Accept: "application/json"}, credentials: "same-origin"});
          if (!res.ok) return;
          found = await res.json();
        } catch {
          return; // the suggestions stay as they were; the server still resolves the name
        }
        if (q !== asked) return;
        const options = found.map((s) => {
          const o = document.createElement("option");
          o.value = s.value;
          o.label = s.label;
          return o;
        });
        list.replaceChildren(...options);
      }, 200);
    });
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
  // The Users tab's bulk bar: a box in the Name header ticks every user of
  // the page (the "Select all on this page" link does it without a
  // script), and the group and facility choices show only for the actions
  // that use them.
  const bulk = document.getElementById("bulk-form");
  if (bulk) {
    const picks = [...bulk.querySelectorAll("input[name=user_id]")];
    const header = bulk.querySelector("thead th");
    if (header && picks.length > 1) {
      const all = document.createElement("input");
      all.type = "checkbox";
      all.setAttribute("aria-label", "Select every user on this page");
      const sync = () => {
        const n = picks.filter((b) => b.checked).length;
        all.checked = n === picks.length;
        all.indeterminate = n > 0 && n < picks.length;
      };
      all.addEventListener("change", () => { for (const b of picks) b.checked = all.checked; sync(); });
      for (const b of picks) b.addEventListener("change", sync);
      header.prepend(all, " ");
      sync();
    }
    const action = document.getElementById("bulk-action");
    const needs = { "bulk-group": ["add_group", "remove_group"], "bulk-facility": ["assign_facility", "unassign_facility"] };
    if (action) {
      const apply = () => {
        for (const [id, actions] of Object.entries(needs)) {
          const el = document.getElementById(id);
          if (el) el.parentElement.hidden = !actions.includes(action.value);
        }
      };
      action.addEventListener("change", apply);
      apply();
    }
  }

  // Passkeys: the WebAuthn ceremony is the browser's, so it needs this
  // script. A form marked data-passkey-register (the account page) or
  // data-passkey-sign-in (the second step of sign-in) asks the server for
  // the ceremony's options, lets the browser create or use the passkey,
  // and posts the answer in the form's credential field. Without
  // WebAuthn the registration button stays hidden and sign-in keeps the
  // code form.
  const passkeyForms = [
    ["form[data-passkey-register]", "/account/mfa/passkey/options", "create", "parseCreationOptionsFromJSON"],
    ["form[data-passkey-sign-in]", "/sign-in/passkey/options", "get", "parseRequestOptionsFromJSON"],
  ];
  for (const [selector, optionsURL, call, parse] of passkeyForms) {
    const form = document.querySelector(selector);
    if (!form) continue;
    if (!window.PublicKeyCredential || !PublicKeyCredential[parse]) {
      if (call === "get") form.hidden = true;
      continue;
    }
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
      if (form.elements.credential.value !== "") return; // the answer, going to the server
      event.preventDefault();
      const body = new URLSearchParams();
      if (form.elements.step) body.set("step", form.elements.step.value);
      if (form.elements.password) body.set("password", form.elements.password.value);
      try {
        const resp = await fetch(optionsURL, { method: "POST", body, credentials: "same-origin" });
        const ceremony = await resp.json();
        if (!resp.ok) throw new Error(ceremony.error || "the server refused");
        const publicKey = PublicKeyCredential[parse](ceremony.options.publicKey);
        const credential = await navigator.credentials[call]({ publicKey });
        if (form.elements.token) form.elements.token.value = ceremony.token || "";
        form.elements.credential.value = JSON.stringify(credential.toJSON());
        if (form.elements.password) form.elements.password.value = ""; // checked with the options already
        form.submit();
      } catch (err) {
        let note = form.querySelector(".field-error");
        if (!note) {
          note = document.createElement("p");
          note.className = "field-error";
          note.setAttribute("role", "alert");
          form.append(note);
        }
        note.textContent = "The passkey did not work: " + err.message;
      }
    });
  }
});
