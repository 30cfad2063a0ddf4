/*
 * The supervisor's live view: re-render from the server on every counters event
 * (debounced), every 30 s while connected (waits grow without any event, and the
 * charter alert must appear on time), and every 10 s while the stream is down.
 * Needs console.js (window.WeServeCounters), loaded before this file.
 */
(function () {
  "use strict";

  var POLL_ONLINE_MS = 30000;

  function start() {
    var container = document.querySelector("[data-live-view]");
    var tools = window.WeServeCounters;
    if (!container || !tools) {
      return;
    }
    var online = false;
    var refresh = tools.refresher(container, function () {
      return container.getAttribute("data-refresh-url");
    });
    tools.acceptRefusals(container, document.querySelector("[data-console-failed]"));
    tools.settleGuard(container);
    document.body.addEventListener("htmx:responseError", function (event) {
      if (container.contains(event.detail.elt)) {
        refresh();
      }
    });
    container.addEventListener("htmx:afterSwap", function () {
      tools.showState(container, online);
    });
    tools.stream({
      path: container.getAttribute("data-ws-path"),
      pollOnlineMs: POLL_ONLINE_MS,
      onEvent: refresh,
      refresh: refresh,
      onState: function (value) {
        online = value;
        tools.showState(container, value);
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
