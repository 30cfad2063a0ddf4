/*
 * Django's admin, as WeServe serves it (templates/admin/base_site.html).
 * The two-box selector (filter_horizontal) names its search icons with aria-label on a
 * plain <span>, which has no role to carry a name (axe: aria-prohibited-attr): they are
 * images. The selector is built on the window's load event, so this runs just after.
 */
(function () {
  "use strict";
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      var icons = document.querySelectorAll(".help-tooltip[aria-label]:not([role])");
      for (var i = 0; i < icons.length; i++) {
        icons[i].setAttribute("role", "img");
      }
    }, 0);
  });
})();
