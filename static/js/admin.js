// Accessibility fixes for the Django admin, loaded by templates/admin/base_site.html.
// Django's filter_horizontal widget (SelectFilter2.js, set up on window load) puts an
// aria-label on a <span> that has no role, which assistive technology may ignore (axe:
// aria-prohibited-attr). Giving it the role of an image makes the label its name. This
// listener is added after SelectFilter2's (this script is deferred), so it runs after it.
window.addEventListener("load", function () {
  document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
    icon.setAttribute("role", "img");
  });
});
