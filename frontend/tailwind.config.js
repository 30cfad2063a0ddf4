// WeServe's Tailwind CSS 3.4 configuration on top of the MYDS preset.
//
// @govtechmy/myds-style exports its preset from index.js as an ES module that Node's
// plain `require` cannot load; Tailwind loads this file through jiti, which can.
const { preset } = require("@govtechmy/myds-style");

/** @type {import('tailwindcss').Config} */
module.exports = {
  presets: [preset],
  content: [
    // Every template of every app, the shell's script, and Python files that put
    // classes on form widgets.
    "../src/weserve/**/templates/**/*.html",
    "../src/weserve/static/weserve/js/app.js",
    "../src/weserve/**/*.py",
  ],
};
