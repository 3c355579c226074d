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
