// app.js is loaded same-origin with a Subresource Integrity hash.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("sri-status");
  if (el) {
    el.textContent = "external script ran";
  }
});
