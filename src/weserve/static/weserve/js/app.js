/*
 * WeServe's small page behaviours. The Content-Security-Policy allows scripts from this
 * site only: no inline <script>, no on* attributes, no hx-on. Behaviours hook onto data-*
 * attributes instead, and every page still works without JavaScript.
 */
(function () {
  "use strict";

  // Loaded synchronously in <head>, so the class is set before the first paint: CSS folds
  // the phone menu only when this script can unfold it again.
  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function openDropdowns() {
    return document.querySelectorAll("details[data-dropdown][open]");
  }

  onReady(function () {
    // The phone menu button: <button data-menu-toggle aria-controls="id" aria-expanded>.
    document.querySelectorAll("[data-menu-toggle]").forEach(function (button) {
      var panel = document.getElementById(button.getAttribute("aria-controls"));
      if (!panel) {
        return;
      }
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        button.setAttribute("aria-expanded", open ? "false" : "true");
        panel.classList.toggle("is-open", !open);
      });
    });

    // <details data-dropdown> menus close on a click elsewhere and on Escape.
    document.addEventListener("click", function (event) {
      openDropdowns().forEach(function (details) {
        if (!details.contains(event.target)) {
          details.removeAttribute("open");
        }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      openDropdowns().forEach(function (details) {
        var hadFocus = details.contains(document.activeElement);
        details.removeAttribute("open");
        if (hadFocus) {
          details.querySelector("summary").focus();
        }
      });
    });

    // A button with data-fill-<field>="value" copies each value into that field of its
    // form (the register's returning customer: "Use"), then focuses data-fill-focus.
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-fill-focus]");
      var form = button && button.closest("form");
      if (!form) {
        return;
      }
      Object.keys(button.dataset).forEach(function (key) {
        var field = key.indexOf("fill") === 0 && key !== "fillFocus" && form.elements[key.slice(4).toLowerCase()];
        if (field) {
          field.value = button.dataset[key];
        }
      });
      var next = form.elements[button.dataset.fillFocus];
      if (next && next.focus) {
        next.focus();
      }
    });

    // Forms whose submit button carries data-confirm="question" ask before they go.
    document.addEventListener("submit", function (event) {
      var button = event.submitter;
      var question = button && button.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
      }
    });

    // Inside an element marked data-swap-refusals, a refusal (409, 422) is a page to
    // show (its message, what was typed), not a failed request.
    document.addEventListener("htmx:beforeSwap", function (event) {
      var status = event.detail.xhr.status;
      var target = event.detail.target;
      if ((status === 409 || status === 422) && target && target.closest("[data-swap-refusals]")) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });

    liveHints(document);
    document.addEventListener("htmx:load", function (event) {
      liveHints(event.target);
      if (event.target.closest && event.target.closest("#site-menu")) {
        menuBadges();
      }
    });
  });

  /*
   * The phone menu button sums up the menu's badges (base.html, data-menu-badges). A badge
   * in the menu that redraws itself (a live badge) redraws the summary too, as the page
   * would draw it afresh: one badge per menu entry with a count above zero.
   */
  function menuBadges() {
    var summary = document.querySelector("[data-menu-toggle] [data-menu-badges]");
    if (!summary) {
      return;
    }
    summary.textContent = "";
    document.querySelectorAll("#site-menu [data-menu-label]").forEach(function (link) {
      var badge = link.querySelector("[data-count]");
      var count = badge ? parseInt(badge.getAttribute("data-count"), 10) : 0;
      if (!(count > 0)) {
        return;
      }
      var shown = document.createElement("span");
      shown.className = "badge badge-danger";
      shown.setAttribute("data-testid", "menu-badge");
      shown.textContent = String(count);
      var label = document.createElement("span");
      label.className = "sr-only";
      label.textContent = " " + link.getAttribute("data-menu-label");
      shown.appendChild(label);
      summary.appendChild(document.createTextNode(" "));
      summary.appendChild(shown);
    });
  }

  /*
   * Live hints: an element with data-live-hint="/ws/..." and data-live-event="name" asks
   * for that live stream. One socket per path serves every such element; each message
   * (an event) and each reconnect (events may have been missed) fires `name` on <body>,
   * and htmx elements refresh themselves from the server on it
   * (hx-trigger="name from:body"), so nothing depends on what a message says.
   */
  var hintSockets = {};
  var HINT_RECONNECT_MIN_MS = 1000;
  var HINT_RECONNECT_MAX_MS = 30000;
  var HINT_PING_MS = 25000;

  function liveHints(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-live-hint]"));
    if (root.hasAttribute && root.hasAttribute("data-live-hint")) {
      found.push(root);
    }
    found.forEach(function (element) {
      var path = element.getAttribute("data-live-hint");
      var name = element.getAttribute("data-live-event");
      if (path && name && !hintSockets[path + " " + name]) {
        hintSockets[path + " " + name] = true;
        followHint(path, name);
      }
    });
  }

  function followHint(path, name) {
    if (!("WebSocket" in window)) {
      return;
    }
    var attempt = 0;
    var everOpen = false;
    var ping = null;

    function fire() {
      document.body.dispatchEvent(new CustomEvent(name, { bubbles: true }));
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket;
      try {
        socket = new WebSocket(scheme + window.location.host + path);
      } catch (err) {
        return;
      }
      socket.addEventListener("open", function () {
        attempt = 0;
        if (everOpen) {
          fire();
        }
        everOpen = true;
        window.clearInterval(ping);
        ping = window.setInterval(function () {
          if (socket.readyState === WebSocket.OPEN) {
            socket.send(JSON.stringify({ type: "ping" }));
          }
        }, HINT_PING_MS);
      });
      socket.addEventListener("message", function (message) {
        if (message.data.indexOf('"pong"') === -1) {
          fire();
        }
      });
      socket.addEventListener("close", function (event) {
        window.clearInterval(ping);
        // 4404 / 4401: refused or signed out; the element's own polling carries on.
        if (event.code === 4404 || event.code === 4401) {
          return;
        }
        var delay = Math.min(HINT_RECONNECT_MAX_MS, HINT_RECONNECT_MIN_MS * Math.pow(2, attempt));
        attempt += 1;
        window.setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
      });
    }

    connect();
  }
})();
