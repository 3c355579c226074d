// Starts GOV.UK Frontend's components. Loaded as a module, so browsers too old for it
// get the plain HTML, which works without JavaScript.
import { initAll } from "../build/govuk-frontend.min.js";

initAll();
