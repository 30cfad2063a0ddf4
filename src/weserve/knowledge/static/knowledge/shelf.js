/*
 * The reference shelf's keyboard shortcut: "/" on any staff page (when not typing in a
 * field) opens the shelf's search with the cursor in its box (documented on the search
 * page). Also the article page's Print button. Loaded by base.html for signed-in people;
 * the search address comes from this script's data-search-url.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var searchUrl = script && script.getAttribute("data-search-url");

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (isTyping(event.target) || !searchUrl) {
      return;
    }
    event.preventDefault();
    var box = document.getElementById("shelf-q");
    if (box) {
      box.focus();
      box.select();
    } else {
      window.location.assign(searchUrl);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
})();
