/*
 * The ticket kiosk's behaviour (the page itself works by htmx and plain links):
 * - after a slip appears, print it (unless data-auto-print="false") and go back to the
 *   start screen after data-reset-seconds, counting down on screen;
 * - on any other screen, go back to the start after data-idle-seconds without a touch,
 *   and reload an idle start screen now and then (waiting counts, closing time);
 * - show refusals (4xx pages the server renders for the kiosk) instead of dropping them,
 *   and a notice when the network or server fails.
 * No inline script, no hx-on: the Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  var START_REFRESH_SECONDS = 120;
  var CLOSED_REFRESH_SECONDS = 60;

  var root = null;
  var timers = [];
  var idleTimer = null;

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function seconds(name, fallback) {
    var value = parseInt(root.getAttribute(name), 10);
    return isNaN(value) || value <= 0 ? fallback : value;
  }

  function clearTimers() {
    timers.forEach(function (id) {
      window.clearTimeout(id);
      window.clearInterval(id);
    });
    timers = [];
    if (idleTimer !== null) {
      window.clearTimeout(idleTimer);
      idleTimer = null;
    }
  }

  function goStart() {
    window.location.assign(root.getAttribute("data-start-url"));
  }

  function currentScreen() {
    return root.querySelector("[data-screen]");
  }

  // After `limit` seconds without a touch, run `action`; every touch starts it over.
  function armIdle(limit, action) {
    if (idleTimer !== null) {
      window.clearTimeout(idleTimer);
    }
    idleTimer = window.setTimeout(action, limit * 1000);
  }

  function onTouch() {
    var screen = currentScreen();
    if (!screen) {
      return;
    }
    var kind = screen.getAttribute("data-screen");
    if (kind !== "issued" && kind !== "closed") {
      setIdle(screen);
    }
  }

  function setIdle(screen) {
    if (screen.hasAttribute("data-start")) {
      // The untouched start screen: refresh it so its counts stay fresh.
      armIdle(START_REFRESH_SECONDS, function () {
        window.location.reload();
      });
    } else {
      armIdle(seconds("data-idle-seconds", 60), goStart);
    }
  }

  function showSlip() {
    var left = seconds("data-reset-seconds", 20);
    var counter = root.querySelector("[data-countdown]");
    if (root.getAttribute("data-auto-print") === "true") {
      // Let the slip lay out (fonts, QR) before the printer gets it. With Chromium's
      // --kiosk-printing this prints silently; elsewhere the print dialog opens.
      timers.push(
        window.setTimeout(function () {
          window.print();
        }, 300)
      );
    }
    timers.push(
      window.setInterval(function () {
        left -= 1;
        if (counter) {
          counter.textContent = String(Math.max(left, 0));
        }
        if (left <= 0) {
          goStart();
        }
      }, 1000)
    );
  }

  function setupScreen() {
    clearTimers();
    hideError();
    var screen = currentScreen();
    if (!screen) {
      return;
    }
    var kind = screen.getAttribute("data-screen");
    if (kind === "issued") {
      showSlip();
    } else if (kind === "closed") {
      // The kiosk opens by itself when the office does.
      timers.push(
        window.setTimeout(function () {
          goStart();
        }, CLOSED_REFRESH_SECONDS * 1000)
      );
    } else {
      setIdle(screen);
    }
  }

  function showError() {
    var box = root.querySelector("[data-kiosk-error]");
    if (box) {
      box.hidden = false;
    }
    timers.push(window.setTimeout(hideError, 8000));
  }

  function hideError() {
    var box = root.querySelector("[data-kiosk-error]");
    if (box) {
      box.hidden = true;
    }
  }

  onReady(function () {
    root = document.querySelector("[data-kiosk]");
    if (!root) {
      return;
    }
    setupScreen();

    document.body.addEventListener("htmx:afterSettle", function (event) {
      if (event.target && event.target.id === "kiosk-screen") {
        setupScreen();
      }
    });

    // The server answers a refusal (office closed, bad choice) with a kiosk screen and a
    // 4xx status: show it. A JSON answer (a double tap still running) is not a screen.
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var xhr = event.detail.xhr;
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (xhr.status >= 400 && xhr.status < 500) {
        var isScreen = type.indexOf("text/html") === 0;
        event.detail.shouldSwap = isScreen;
        event.detail.isError = !isScreen;
      }
    });
    document.body.addEventListener("htmx:responseError", function (event) {
      if (event.detail.xhr.status >= 500) {
        showError();
      }
    });
    document.body.addEventListener("htmx:sendError", showError);

    ["pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, onTouch, { passive: true });
    });
  });
})();
