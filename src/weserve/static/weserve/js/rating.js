/*
 * The counter's rating tablet. Everything it shows comes from the server: its socket
 * (/ws/feedback/<office>/counter/<n>/) only says {"type": "changed"} when a ticket is
 * completed or rated at its counter, and the page then fetches its screen again (htmx),
 * unless the customer is choosing reasons or typing a comment. It also fetches its
 * screen when a ticket's time to be rated runs out (data-expires-in) and a few seconds
 * after the thanks (data-reset-seconds), which brings the welcome screen back in Malay.
 * The page's lang follows the screen's (data-language).
 *
 * Needs console.js (window.WeServeCounters: the stream with reconnect and polling, and
 * the refresher that waits while someone types), loaded before this file.
 */
(function () {
  "use strict";

  var POLL_ONLINE_MS = 60000;

  function start() {
    var container = document.querySelector("[data-rating-tablet]");
    var tools = window.WeServeCounters;
    if (!container || !tools) {
      return;
    }
    var failed = document.querySelector("[data-tablet-error]");
    var timer = null;

    function screen() {
      return container.querySelector("[data-screen]");
    }

    function choosing() {
      var form = container.querySelector("[data-testid=rating-form]");
      if (!form) {
        return false;
      }
      var comment = form.querySelector("textarea");
      return !!form.querySelector("input[type=checkbox]:checked") || !!(comment && comment.value);
    }

    var refreshNow = tools.refresher(container, function () {
      var current = screen();
      return (current && current.getAttribute("data-screen-url")) || window.location.pathname;
    });

    function refresh() {
      // A customer half-way through a rating keeps it until its time runs out.
      if (!choosing()) {
        refreshNow();
      }
    }

    function goHome() {
      if (window.htmx) {
        window.htmx.ajax("GET", container.getAttribute("data-home-url"), {
          target: container,
          swap: "innerHTML",
        });
      }
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = null;
      var current = screen();
      if (!current) {
        return;
      }
      var reset = parseInt(current.getAttribute("data-reset-seconds") || "", 10);
      if (reset > 0) {
        var left = reset;
        var countdown = current.querySelector("[data-countdown]");
        var tick = function () {
          left -= 1;
          if (countdown) {
            countdown.textContent = String(Math.max(left, 0));
          }
          if (left <= 0) {
            goHome();
          } else {
            timer = window.setTimeout(tick, 1000);
          }
        };
        timer = window.setTimeout(tick, 1000);
        return;
      }
      var expires = parseInt(current.getAttribute("data-expires-in") || "", 10);
      if (expires > 0) {
        timer = window.setTimeout(refreshNow, expires * 1000);
      }
    }

    function followLanguage() {
      // The screen carries its language; the page's lang follows it (screen readers).
      var current = screen();
      var language = current && current.getAttribute("data-language");
      if (language) {
        document.documentElement.setAttribute("lang", language);
      }
    }

    tools.acceptRefusals(container, failed);
    tools.settleGuard(container);
    container.addEventListener("htmx:afterSwap", followLanguage);
    container.addEventListener("htmx:afterSwap", schedule);
    schedule();
    tools.stream({
      path: container.getAttribute("data-ws-path"),
      pollOnlineMs: POLL_ONLINE_MS,
      onEvent: refresh,
      refresh: refresh,
      onState: function () {},
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
