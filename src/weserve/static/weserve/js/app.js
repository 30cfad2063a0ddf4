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

    // Forms whose submit button carries data-confirm="question" ask before they go.
    document.addEventListener("submit", function (event) {
      var button = event.submitter;
      var question = button && button.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
      }
    });
  });
})();
