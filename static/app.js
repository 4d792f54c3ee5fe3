// Small progressive enhancements. The portal works without JavaScript;
// htmx (vendored under vendor/) swaps fragments when it is there.
(function () {
  "use strict";
  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box || !text) return;
    var el = document.createElement("div");
    el.className = "toast";
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.classList.add("toast-out"); }, 4500);
    setTimeout(function () { el.remove(); }, 5000);
  }
  // Servers trigger toasts with: HX-Trigger: {"toast": "text"}
  document.addEventListener("toast", function (e) {
    toast(e.detail && (e.detail.value || e.detail));
  });
  document.addEventListener("DOMContentLoaded", function () {
    var flash = document.querySelector("[data-toast]");
    if (flash) toast(flash.getAttribute("data-toast"));
  });
  // Close the account menu when clicking elsewhere.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  // Show an error toast when a request fails outright.
  document.addEventListener("htmx:responseError", function (e) {
    var s = e.detail.xhr.status;
    toast(s === 403 ? "Your session expired. Reload the page and try again." : s === 429 ? "Too many attempts. Please wait a little." : "Something went wrong. Please try again.");
  });
})();
