// Start the NHS.UK frontend's components on every page: the header's "More" menu (which takes
// the navigation items that do not fit on a phone), error summaries, checkboxes and the rest.
// The module is imported relative to this file, so it resolves under STATIC_URL as served.
import { initAll } from "./nhsuk/nhsuk-frontend.min.js";

initAll();
