// Starts GOV.UK Frontend's components. Loaded as a module, so browsers too old for it
// get the plain HTML, which works without JavaScript.
import { initAll } from "../build/govuk-frontend.min.js";

initAll();

// "Copy" buttons are hidden until JavaScript can make them work.
for (const button of document.querySelectorAll("[data-copy-from]")) {
  const source = document.getElementById(button.dataset.copyFrom);
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(source.value || source.textContent);
    button.textContent = "Copied";
  });
}

// The register's outcome radios (templates/programme/includes/register_member.html) reveal
// the questions that follow an outcome as GOV.UK Frontend's radios do, but without the
// aria-expanded that those put on each radio: ARIA 1.2 does not allow it on a radio, so the
// page would fail axe's aria-allowed-attr. aria-controls (allowed) still ties each radio to
// what it reveals, which follows it in the reading order.
for (const group of document.querySelectorAll('[data-module="app-radios"]')) {
  const radios = [...group.querySelectorAll('input[type="radio"]')];
  for (const radio of radios) {
    const target = radio.dataset.ariaControls;
    if (target && document.getElementById(target)) {
      radio.setAttribute("aria-controls", target);
      radio.removeAttribute("data-aria-controls");
    }
  }
  // On click too, as GOV.UK Frontend does: choosing the radio already chosen (by "Mark all
  // attended") shows its questions.
  const sync = () => {
    for (const radio of radios) {
      const target = radio.getAttribute("aria-controls");
      if (target) {
        document
          .getElementById(target)
          .classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
      }
    }
  };
  group.addEventListener("click", sync);
  group.addEventListener("change", sync);
}

// "Mark all attended", first on the register: chooses "Attended and complied" for every man
// given no outcome (not for a man whose catch-up is still to do), in place. Nothing is
// reloaded or saved, the focus stays on the button, nothing is unfolded, and the status line
// says how many were marked. Without JavaScript the button at the end asks the server.
const markAll = document.querySelector("[data-mark-all]");
if (markAll) {
  const form = markAll.closest("form");
  const status = document.getElementById("mark-all-status");
  form.querySelector("[data-mark-all-panel]").hidden = false;
  for (const fallback of form.querySelectorAll("[data-mark-all-fallback]")) {
    fallback.hidden = true;
  }
  markAll.addEventListener("click", () => {
    let marked = 0;
    for (const member of form.querySelectorAll(".app-register-member:not([data-blocked])")) {
      const radios = [...member.querySelectorAll('input[type="radio"]')];
      const attended = radios.find((radio) => radio.value === "attended");
      if (attended && !radios.some((radio) => radio.checked)) {
        attended.checked = true;
        marked += 1;
      }
    }
    status.textContent = marked
      ? `${marked} ${marked === 1 ? "man" : "men"} marked “Attended and complied”. ` +
        "Nothing is saved yet: change anyone who was not there, then save the register."
      : "Everyone already has an outcome.";
  });
}
