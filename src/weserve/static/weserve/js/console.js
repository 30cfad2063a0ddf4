/*
 * The counter console: keyboard shortcuts, live refresh from the office's counters
 * stream, polling when the stream is down, and in-page messages for refused actions.
 *
 * Everything the console shows comes from the server: a live event only tells this page
 * to fetch its partial again (htmx GET), so a missed or repeated event can never leave
 * the screen wrong for longer than the next refresh.
 *
 * Also defines window.WeServeCounters.stream(), which the supervisor's live view
 * (live.js) reuses.
 */
(function () {
  "use strict";

  var RECONNECT_MIN_MS = 1000;
  var RECONNECT_MAX_MS = 30000;
  var PING_MS = 25000;
  var POLL_OFFLINE_MS = 10000;
  var IN_FLIGHT_MAX_MS = 60000;
  var DEBOUNCE_MS = 400;
  // After the console re-renders, clicks and shortcuts wait this long: the second click
  // of a double click must not land on the freshly drawn button (with a fresh key) and
  // act again. While a request is in flight its button is disabled (hx-disabled-elt).
  var SWAP_QUIET_MS = 600;

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function socketUrl(path) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + path;
  }

  /*
   * A live stream of numbered events with reconnect (exponential backoff with jitter) and
   * a polling fallback. options: path, onEvent(event), refresh(reason), onState(online),
   * pollOnlineMs (refresh this often even while connected; 0 = never).
   */
  function stream(options) {
    var socket = null;
    var attempt = 0;
    var lastSeq = null;
    var everOpen = false;
    var pollTimer = null;
    var pingTimer = null;
    var online = false;

    function setOnline(value) {
      online = value;
      if (options.onState) {
        options.onState(value);
      }
      schedulePoll();
    }

    function schedulePoll() {
      window.clearTimeout(pollTimer);
      var every = online ? options.pollOnlineMs || 0 : POLL_OFFLINE_MS;
      if (!every) {
        return;
      }
      pollTimer = window.setTimeout(function () {
        options.refresh("poll");
        schedulePoll();
      }, every);
    }

    function reconnectLater() {
      var delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * Math.pow(2, attempt));
      delay = delay / 2 + Math.random() * (delay / 2);
      attempt += 1;
      window.setTimeout(connect, delay);
    }

    function connect() {
      if (!("WebSocket" in window)) {
        setOnline(false);
        return;
      }
      try {
        socket = new WebSocket(socketUrl(options.path));
      } catch (err) {
        setOnline(false);
        reconnectLater();
        return;
      }
      socket.addEventListener("open", function () {
        attempt = 0;
        lastSeq = null;
        setOnline(true);
        // Events may have been missed while away: rebuild from the server.
        if (everOpen) {
          options.refresh("reconnect");
        }
        everOpen = true;
        window.clearInterval(pingTimer);
        pingTimer = window.setInterval(function () {
          if (socket && socket.readyState === WebSocket.OPEN) {
            socket.send(JSON.stringify({ type: "ping" }));
          }
        }, PING_MS);
      });
      socket.addEventListener("message", function (message) {
        var event;
        try {
          event = JSON.parse(message.data);
        } catch (err) {
          return;
        }
        if (!event || event.type === "pong") {
          return;
        }
        if (typeof event.seq === "number") {
          var gap = lastSeq !== null && event.seq !== lastSeq + 1;
          lastSeq = event.seq;
          if (gap) {
            options.refresh("gap");
            return;
          }
        }
        options.onEvent(event);
      });
      socket.addEventListener("close", function (event) {
        window.clearInterval(pingTimer);
        socket = null;
        setOnline(false);
        // 4404: refused (signed out, or no longer allowed); polling carries on alone
        // and will show the sign-in page or the refusal.
        if (event.code !== 4404 && event.code !== 4403) {
          reconnectLater();
        }
      });
    }

    connect();
    schedulePoll();
  }

  /*
   * A refresher that waits for a quiet moment and never wipes what someone is typing.
   * An action's answer (POST) always wins over a refresh (GET) that was asked for before
   * it: such a refresh is dropped and asked for again. The last action's message stays
   * on screen across refreshes until the next action replaces it.
   */
  function refresher(container, urlOf) {
    var timer = null;
    var pending = false;
    var actions = 0; // actions sent so far
    var askedAt = -1; // `actions` when the refresh in flight was asked for
    var lastMessages = null;

    function messages() {
      return container.querySelector("[data-console-messages]");
    }

    function verbOf(event) {
      var config = event.detail.requestConfig;
      return config && config.verb ? config.verb.toLowerCase() : "";
    }

    function busy() {
      var active = document.activeElement;
      if (active && container.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
        return true;
      }
      var typed = container.querySelectorAll("input[type=text], textarea");
      for (var i = 0; i < typed.length; i++) {
        if (typed[i].value) {
          return true;
        }
      }
      return container.querySelector(".htmx-request") !== null;
    }

    // One refresh at a time. htmx queues a second htmx.ajax while one is in flight and
    // sends it later with a promise nobody holds: with the server gone, that promise's
    // rejection was an uncaught error on the page. A refresh asked for meanwhile waits
    // for the one in flight. (Should a promise never settle, a minute frees the lock.)
    var inFlight = null;

    function settled(request) {
      if (inFlight !== request) {
        return;
      }
      window.clearTimeout(request.guard);
      inFlight = null;
      if (pending) {
        refresh();
      }
    }

    function now() {
      timer = null;
      if (!window.htmx) {
        return;
      }
      if (busy() || inFlight) {
        pending = true;
        return;
      }
      pending = false;
      askedAt = actions;
      var promise = window.htmx.ajax("GET", urlOf(), { target: container, swap: "innerHTML" });
      if (!promise || typeof promise.then !== "function") {
        return;
      }
      var request = {};
      request.guard = window.setTimeout(function () {
        settled(request);
      }, IN_FLIGHT_MAX_MS);
      inFlight = request;
      // A rejection (a lost connection) is handled here: htmx:sendError has told the
      // page, and the next poll tries again.
      promise.then(
        function () {
          settled(request);
        },
        function () {
          settled(request);
        }
      );
    }

    function refresh() {
      if (timer === null) {
        timer = window.setTimeout(now, DEBOUNCE_MS);
      }
    }

    var initial = messages();
    lastMessages = initial ? initial.innerHTML : null;

    container.addEventListener("htmx:beforeRequest", function (event) {
      if (verbOf(event) && verbOf(event) !== "get") {
        actions += 1;
      }
    });
    container.addEventListener("htmx:beforeSwap", function (event) {
      // Only the console's own refresh is checked; a panel inside it (the register
      // entry, queueing/panels.py) loads its part with a GET of its own.
      if (event.detail.target !== container) {
        return;
      }
      if (verbOf(event) === "get" && askedAt !== actions) {
        // Rendered before an action we have since sent: its answer is newer.
        event.detail.shouldSwap = false;
        refresh();
      }
    });
    container.addEventListener("htmx:afterSwap", function (event) {
      var box = messages();
      if (!box) {
        return;
      }
      if (verbOf(event) === "get") {
        if (lastMessages !== null && !box.innerHTML.trim()) {
          box.innerHTML = lastMessages;
          // A kept message may hold a form (the question asked before completing).
          window.htmx.process(box);
        }
      } else {
        lastMessages = box.innerHTML;
      }
    });
    container.addEventListener("focusout", function () {
      if (pending) {
        window.setTimeout(function () {
          if (pending) {
            now();
          }
        }, 50);
      }
    });

    return refresh;
  }

  function showState(container, online) {
    var status = container.querySelector("[data-live-status]");
    if (!status) {
      return;
    }
    var dot = status.querySelector(".dot");
    var text = status.querySelector("span:last-child");
    if (dot) {
      dot.classList.toggle("bg-bg-success-600", online);
      dot.classList.toggle("bg-bg-black-500", !online);
    }
    if (text) {
      text.textContent = online ? status.getAttribute("data-online") || text.textContent : status.getAttribute("data-offline") || text.textContent;
    }
  }

  /* htmx swaps only 2xx by default: our refusals (409, 422) carry the re-rendered part. */
  function acceptRefusals(container, failed) {
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var status = event.detail.xhr.status;
      if (!container.contains(event.detail.target) && event.detail.target !== container) {
        return;
      }
      if (status === 409 || status === 422) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
    function failedRequest(event) {
      if (!container.contains(event.detail.elt) && event.detail.elt !== container) {
        return;
      }
      if (failed) {
        failed.hidden = false;
      }
    }
    document.body.addEventListener("htmx:responseError", failedRequest);
    document.body.addEventListener("htmx:sendError", failedRequest);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (failed && event.detail.target === container && event.detail.xhr.status < 400) {
        failed.hidden = true;
      }
    });
  }

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    if (target.isContentEditable) {
      return true;
    }
    if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") {
      return true;
    }
    if (target.tagName === "INPUT") {
      return !/^(button|submit|reset|checkbox|radio)$/i.test(target.type || "");
    }
    return false;
  }

  function settleGuard(container) {
    var quietUntil = 0;
    var settled = null;
    container.addEventListener("htmx:afterSwap", function (event) {
      // Only an action (a POST) guards against a second click; a live refresh (a GET)
      // must not swallow the click the person is about to make.
      var config = event.detail && event.detail.requestConfig;
      if (!config || String(config.verb).toLowerCase() !== "post") {
        return;
      }
      quietUntil = Date.now() + SWAP_QUIET_MS;
      // Marked while clicks are ignored, so people (and tests) can tell when it ends.
      container.setAttribute("data-settling", "");
      window.clearTimeout(settled);
      settled = window.setTimeout(function () {
        container.removeAttribute("data-settling");
      }, SWAP_QUIET_MS);
    });
    container.addEventListener(
      "click",
      function (event) {
        if (Date.now() < quietUntil && event.target.closest && event.target.closest("button")) {
          event.preventDefault();
          event.stopPropagation();
        }
      },
      true
    );
    return function quiet() {
      return Date.now() < quietUntil;
    };
  }

  function shortcuts(container, quiet) {
    var lastKey = "";
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.repeat || event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      // The same key twice in a row right after the screen changed is a slip, not a
      // second request (C then N, complete then call next, goes straight through).
      var again = event.key && event.key.toLowerCase() === lastKey && quiet();
      lastKey = event.key ? event.key.toLowerCase() : "";
      if (again) {
        return;
      }
      if (isTyping(event.target) || !event.key || event.key.length !== 1) {
        return;
      }
      var key = event.key.toLowerCase();
      var target = container.querySelector('[data-shortcut="' + key + '"]');
      if (!target || target.disabled) {
        return;
      }
      event.preventDefault();
      if (/^(SELECT|INPUT|TEXTAREA)$/.test(target.tagName)) {
        target.focus();
      } else if (target.form && target.form.requestSubmit) {
        // A submit, not a synthetic click: the double-click guard is for the mouse.
        target.form.requestSubmit(target);
      } else {
        target.click();
      }
    });
  }

  function servesChanged(root, event) {
    var codes = (root.getAttribute("data-services") || "").split(",");
    var service = event.ticket && event.ticket.service;
    return !!service && codes.indexOf(service) !== -1;
  }

  function concernsConsole(container, event) {
    var root = container.querySelector("[data-console-root]");
    if (!root) {
      return true;
    }
    var id = parseInt(root.getAttribute("data-counter-id") || "", 10);
    if (!id) {
      // The list of counters: any counter opening, closing or changing state matters.
      return true;
    }
    var ids = [
      event.counter && event.counter.id,
      event.ticket && event.ticket.counter && event.ticket.counter.id,
      event.from_counter && event.from_counter.id,
    ];
    if (ids.indexOf(id) !== -1) {
      return true;
    }
    // Waiting counts of the services this counter serves.
    return ["issued", "called", "transferred", "reinstated", "cancelled"].indexOf(event.type) !== -1 && servesChanged(root, event);
  }

  function startConsole(container) {
    var failed = document.querySelector("[data-console-failed]");
    var refresh = refresher(container, function () {
      var root = container.querySelector("[data-console-root]");
      return (root && root.getAttribute("data-refresh-url")) || window.location.pathname;
    });
    acceptRefusals(container, failed);
    shortcuts(container, settleGuard(container));
    document.body.addEventListener("htmx:responseError", function (event) {
      if (container.contains(event.detail.elt)) {
        refresh();
      }
    });
    var online = false;
    container.addEventListener("htmx:afterSwap", function () {
      showState(container, online);
    });
    stream({
      path: container.getAttribute("data-ws-path"),
      pollOnlineMs: 60000,
      onEvent: function (event) {
        if (concernsConsole(container, event)) {
          refresh();
        }
      },
      refresh: refresh,
      onState: function (value) {
        online = value;
        showState(container, value);
      },
    });
  }

  window.WeServeCounters = {
    stream: stream,
    refresher: refresher,
    acceptRefusals: acceptRefusals,
    settleGuard: settleGuard,
    showState: showState,
  };

  onReady(function () {
    var container = document.querySelector("[data-console]");
    if (container) {
      startConsole(container);
    }
  });
})();
