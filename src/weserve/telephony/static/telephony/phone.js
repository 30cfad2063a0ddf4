/*
 * The operator console's clock: every second, each ringing call's "Ringing N s" counts on
 * from its ring time (data-ring-at) and turns red at the answer target (10 s); a call on
 * hold shows its prompt again every 20 s (data-hold-since, data-hold-every). The server
 * decides the same on every refresh (the list re-renders on each live event and every
 * 5 s); this only keeps the seconds moving in between. Texts come from the page.
 */
(function () {
  "use strict";

  function seconds(since) {
    var start = Date.parse(since);
    return isNaN(start) ? null : Math.max(0, Math.floor((Date.now() - start) / 1000));
  }

  function tick() {
    document.querySelectorAll("[data-ring-at]").forEach(function (badge) {
      var rung = seconds(badge.getAttribute("data-ring-at"));
      if (rung === null) {
        return;
      }
      var target = parseInt(badge.getAttribute("data-ring-target"), 10) || 10;
      badge.textContent = badge.textContent.replace(/\d+/, String(rung));
      if (rung >= target) {
        badge.classList.remove("badge-warning");
        badge.classList.add("badge-danger");
        var row = badge.closest("[data-call]");
        if (row) {
          row.setAttribute("data-late", "");
        }
      }
    });
    document.querySelectorAll("[data-hold-since]").forEach(function (box) {
      var held = seconds(box.getAttribute("data-hold-since"));
      var every = parseInt(box.getAttribute("data-hold-every"), 10) || 20;
      var prompt = box.querySelector("[data-hold-prompt]");
      if (prompt && held !== null && held >= every) {
        prompt.hidden = false;
      }
    });
  }

  window.setInterval(tick, 1000);
})();
