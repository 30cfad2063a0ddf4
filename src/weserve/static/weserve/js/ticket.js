/*
 * The mobile ticket page, live. The server renders every status block; this script
 * shows the one that matches the ticket and fills in its numbers.
 *
 * It listens on /ws/tickets/<id>/, which only ever says {"type": "changed"}; on a change
 * (at most once a second) it reads GET /api/v1/tickets/<id> and redraws. A dropped
 * socket reconnects with growing pauses; while it is down, and for good when sockets do
 * not work at all, the page asks every data-poll-seconds instead.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 1000;
  var MAX_BACKOFF_MS = 30000;
  // After this many failed connections in a row, stop trying and only poll.
  var GIVE_UP_AFTER = 6;
  // Nothing changes after these; the page stops listening.
  var FINAL = { completed: true, cancelled: true };

  var root, socket, pending, pollTimer, reconnectTimer;
  var failures = 0;
  var backoff = 1000;
  var finished = false;

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function setLive(state) {
    var box = root.querySelector("[data-live]");
    if (!box) {
      return;
    }
    var label = box.getAttribute("data-label-" + state);
    if (label) {
      box.querySelector("[data-live-label]").textContent = label;
    }
    box.querySelectorAll("[data-live-dot]").forEach(function (dot) {
      dot.hidden = dot.getAttribute("data-live-dot") !== state;
    });
  }

  function fill(name, value) {
    root.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = value === null || value === undefined ? "" : String(value);
    });
  }

  function render(ticket) {
    var previous = root.getAttribute("data-status");
    root.setAttribute("data-status", ticket.status);
    root.querySelectorAll("[data-when]").forEach(function (block) {
      block.hidden = block.getAttribute("data-when") !== ticket.status;
    });
    fill("position", ticket.position === null ? 0 : ticket.position);
    var minutes = ticket.estimated_wait_minutes;
    fill("wait", minutes === null ? 0 : minutes);
    // "0 min" would puzzle a customer: a 0 (or no) estimate reads "You will be called
    // shortly"; with no open counter that may call the ticket, neither is true.
    var served = ticket.served_now !== false;
    var line = !served ? "unserved" : minutes ? "minutes" : "shortly";
    root.querySelectorAll("[data-wait]").forEach(function (el) {
      el.hidden = el.getAttribute("data-wait") !== line;
    });
    fill("counter", ticket.counter ? ticket.counter.number : "");
    var next = root.querySelector("[data-when-next]");
    if (next) {
      next.hidden = ticket.position !== 0 || !served;
    }
    if (ticket.status === "called" && previous !== "called" && navigator.vibrate) {
      navigator.vibrate([300, 150, 300]);
    }
    if (FINAL[ticket.status]) {
      finish();
    }
  }

  function refresh() {
    pending = null;
    fetch(root.getAttribute("data-api-url"), {
      headers: { Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(render)
      .catch(function () {
        // Keep what is on screen; the next change or poll tries again.
      });
  }

  function soon() {
    if (!pending) {
      pending = window.setTimeout(refresh, DEBOUNCE_MS);
    }
  }

  function startPolling() {
    if (pollTimer || finished) {
      return;
    }
    var every = parseInt(root.getAttribute("data-poll-seconds"), 10) || 15;
    pollTimer = window.setInterval(refresh, every * 1000);
  }

  function stopPolling() {
    if (pollTimer) {
      window.clearInterval(pollTimer);
      pollTimer = null;
    }
  }

  function connect() {
    if (finished) {
      return;
    }
    if (!("WebSocket" in window)) {
      setLive("polling");
      startPolling();
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + root.getAttribute("data-ws-path"));
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      failures = 0;
      backoff = 1000;
      stopPolling();
      setLive("live");
      // Whatever happened while we were away.
      refresh();
    });
    socket.addEventListener("message", function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && message.type === "changed") {
        soon();
      }
    });
    socket.addEventListener("close", function () {
      socket = null;
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (finished) {
      return;
    }
    failures += 1;
    startPolling();
    if (failures >= GIVE_UP_AFTER) {
      setLive("polling");
      return;
    }
    setLive("reconnecting");
    // Jitter, so phones do not all come back at the same instant after a restart.
    var wait = backoff + Math.floor(Math.random() * 500);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    reconnectTimer = window.setTimeout(connect, wait);
  }

  function finish() {
    finished = true;
    stopPolling();
    if (reconnectTimer) {
      window.clearTimeout(reconnectTimer);
    }
    if (socket) {
      socket.close();
      socket = null;
    }
    var box = root.querySelector("[data-live]");
    if (box) {
      box.hidden = true;
    }
  }

  onReady(function () {
    root = document.querySelector("[data-ticket]");
    if (!root) {
      return;
    }
    if (FINAL[root.getAttribute("data-status")]) {
      finish();
      return;
    }
    connect();
    // A phone that slept may have missed changes; look again when it wakes.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && !finished) {
        refresh();
        if (!socket && failures >= GIVE_UP_AFTER) {
          failures = 0;
          backoff = 1000;
          connect();
        }
      }
    });
  });
})();
