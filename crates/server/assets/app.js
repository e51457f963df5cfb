// keyward's dashboard script: progressive enhancements only. Every page works without it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Destructive forms ask first, in a dialog that says what will happen.
  const dialog = document.getElementById("confirm-dialog");
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const confirmField = form.querySelector("input[name=confirm]");
      if (!dialog || !confirmField || confirmField.value === "yes") return;
      event.preventDefault();
      document.getElementById("confirm-text").textContent = form.dataset.confirm;
      const ok = document.getElementById("confirm-ok");
      const button = form.querySelector("button[type=submit]");
      ok.textContent = button ? button.textContent.trim() : "Confirm";
      dialog.returnValue = "";
      dialog.showModal();
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        if (dialog.returnValue === "ok") {
          confirmField.value = "yes";
          form.submit();
        }
      });
    });
  });

  // Multi-selects show their choices as chips with a remove button, and a hint for several.
  document.querySelectorAll("select[multiple][data-chips]").forEach((select) => {
    const chips = document.getElementById(select.dataset.chips);
    const hint = select.dataset.hint ? document.getElementById(select.dataset.hint) : null;
    const render = () => {
      chips.replaceChildren();
      const chosen = Array.from(select.selectedOptions);
      chosen.forEach((option) => {
        const chip = document.createElement("span");
        chip.className = "chip";
        chip.textContent = option.textContent;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove " + option.textContent);
        remove.addEventListener("click", () => {
          option.selected = false;
          render();
        });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
      if (hint) hint.hidden = chosen.length < 2;
    };
    select.addEventListener("change", render);
    render();
  });

  // An expiry list shows its date field only for "a specific date".
  document.querySelectorAll("select[data-date]").forEach((select) => {
    const row = document.getElementById(select.dataset.date);
    const sync = () => { row.hidden = select.value !== "date"; };
    select.addEventListener("change", sync);
    sync();
  });

  // A list that reveals more fields for one of its choices ("create a new group…").
  document.querySelectorAll("select[data-reveal]").forEach((select) => {
    const target = document.getElementById(select.dataset.reveal);
    const sync = () => { target.hidden = select.value !== select.dataset.revealWhen; };
    select.addEventListener("change", sync);
    sync();
  });

  // Password now or later; a new username or an existing member.
  const toggles = [
    ["set_password", "[data-password]", "now"],
    ["mode", "[data-mode=member]", "member"],
    ["mode", "[data-mode=new]", "new"],
  ];
  toggles.forEach(([name, selector, value]) => {
    const radios = document.querySelectorAll(`input[name=${name}]`);
    const target = document.querySelector(selector);
    if (!radios.length || !target) return;
    const sync = () => {
      const checked = document.querySelector(`input[name=${name}]:checked`);
      target.hidden = !checked || checked.value !== value;
    };
    radios.forEach((r) => r.addEventListener("change", sync));
    sync();
  });

  // Copy buttons.
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
      } catch (_) {
        document.execCommand("copy");
      }
      button.textContent = "Copied";
    });
  });
});
