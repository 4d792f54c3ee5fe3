// Small progressive enhancements. The portal works without JavaScript;
// htmx (vendored under vendor/) swaps fragments when it is there.
(function () {
  "use strict";
  // A toast stays long enough to read (6 s, and more for a long message),
  // pauses while the pointer is over the toasts or focus is in them, and
  // can be dismissed with its button or Escape (WCAG 2.2.1: a message
  // that goes away by itself must let the reader take their time).
  function toastTime(text) { return Math.max(6000, 2500 + 60 * text.length); }
  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box || !text) return;
    var el = document.createElement("div");
    el.className = "toast";
    var msg = document.createElement("span");
    msg.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", box.getAttribute("data-dismiss") || "Dismiss");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { dismiss(el); });
    el.appendChild(msg);
    el.appendChild(close);
    el.remaining = toastTime(text);
    box.appendChild(el);
    if (!paused(box)) run(el);
  }
  function paused(box) { return box.matches(":hover") || box.contains(document.activeElement); }
  function run(el) {
    el.started = Date.now();
    el.timer = setTimeout(function () { dismiss(el); }, el.remaining);
  }
  function hold(el) {
    if (!el.timer) return;
    clearTimeout(el.timer);
    el.timer = null;
    el.remaining = Math.max(1500, el.remaining - (Date.now() - el.started));
  }
  function dismiss(el) {
    if (el.leaving) return;
    el.leaving = true;
    clearTimeout(el.timer);
    var box = el.parentNode;
    if (box && box.contains(document.activeElement)) {
      // Focus was on the toast: give it back to the page, not to <body>.
      var main = document.getElementById("main");
      if (main) main.focus({preventScroll: true});
    }
    el.classList.add("toast-out");
    setTimeout(function () { el.remove(); }, 400);
  }
  function eachToast(f) { document.querySelectorAll("#toasts .toast").forEach(function (el) { if (!el.leaving) f(el); }); }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("toasts");
    if (!box) return;
    box.addEventListener("mouseenter", function () { eachToast(hold); });
    box.addEventListener("focusin", function () { eachToast(hold); });
    box.addEventListener("mouseleave", function () { if (!paused(box)) eachToast(run); });
    box.addEventListener("focusout", function (e) { if (!box.contains(e.relatedTarget) && !box.matches(":hover")) eachToast(run); });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") eachToast(dismiss);
  });
  // Servers trigger toasts with: HX-Trigger: {"toast": "text"}
  document.addEventListener("toast", function (e) {
    toast(e.detail && (e.detail.value || e.detail));
  });
  document.addEventListener("DOMContentLoaded", function () {
    var flash = document.querySelector("[data-toast]");
    if (flash) toast(flash.getAttribute("data-toast"));
  });
  // Close the account and language menus when clicking elsewhere, and
  // any open menu with Escape (focus back on its button).
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.usermenu[open], details.langmenu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var d = e.target.closest && e.target.closest("details[open]");
    if (!d || !d.matches(".usermenu, .langmenu, .navmenu")) return;
    d.removeAttribute("open");
    d.querySelector("summary").focus();
  });
  // The language menu comes back to the page as it is now: htmx may have
  // moved on (hx-push-url) from the one the server drew. A page drawn by
  // a form's POST goes home ("/"), as the server said.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.matches("form[data-lang-menu]") || f.closest(".player-lang")) return;
    var back = f.querySelector("input[name=back]");
    if (back && back.value !== "/") back.value = location.pathname + location.search;
  });
  // A fragment swapped in under a pressed mouse button or finger loses the
  // click: press and release land on different elements. Such a swap waits
  // until the press ends and its click has run; the latest answer wins.
  // A refusal (422) from a form marked data-swap-refusal carries the
  // fragment as it now stands (My Team's row, its button disabled and
  // saying why): swap it like a success; its toast says the reason.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var d = e.detail;
    if (d.xhr.status === 422 && d.requestConfig.elt.closest("[data-swap-refusal]")) {
      d.shouldSwap = true;
      d.isError = false;
    }
  });
  var pressedIn = null, held = null;
  function released() {
    pressedIn = null;
    var swap = held;
    held = null;
    if (swap) setTimeout(swap, 0);
  }
  document.addEventListener("pointerdown", function (e) { pressedIn = e.target; }, true);
  document.addEventListener("pointerup", released, true);
  document.addEventListener("pointercancel", released, true);
  document.addEventListener("htmx:beforeSwap", function (e) {
    var d = e.detail;
    if (!d.shouldSwap || !pressedIn || !d.target.contains(pressedIn)) return;
    d.shouldSwap = false;
    var target = d.target, html = d.serverResponse;
    var from = d.requestConfig.elt.closest("[hx-swap]");
    var style = ((from && from.getAttribute("hx-swap")) || htmx.config.defaultSwapStyle).split(" ")[0];
    held = function () {
      if (document.body.contains(target)) htmx.swap(target, html, { swapStyle: style });
    };
  });
  // A swap that replaces the element a person was on (a Next button, a
  // quiz's Submit, a form) would drop keyboard focus to the top of the
  // page. Unless htmx kept it (an element with the same id) or the new
  // content asks for it (autofocus), focus moves to the new content's
  // heading, or the content itself: the person carries on from there.
  var refocus = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var a = document.activeElement, t = e.detail.target;
    refocus = a && a !== document.body && t && t.id && t.contains(a) ? t.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var id = refocus, a = document.activeElement;
    refocus = null;
    if (!id || (a && a !== document.body && document.body.contains(a))) return;
    var root = document.getElementById(id);
    if (!root) return;
    var to = root.querySelector("h1, h2") || root;
    if (!to.matches("a[href], button, input, select, textarea, [tabindex]")) to.setAttribute("tabindex", "-1");
    to.focus();
  });
  // Onboarding video: Next waits until the video has played to the end (or
  // its remaining length has passed); the server checks the same.
  function lockVideoNext(root) {
    (root || document).querySelectorAll("video[data-unlocks]").forEach(function (v) {
      var btn = document.getElementById(v.getAttribute("data-unlocks"));
      var left = parseInt(v.getAttribute("data-left-ms"), 10) || 0;
      if (!btn || left <= 0) return;
      btn.disabled = true;
      var unlock = function () { btn.disabled = false; };
      v.addEventListener("ended", unlock);
      setTimeout(unlock, left);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { lockVideoNext(); });
  document.addEventListener("htmx:afterSwap", function () { lockVideoNext(); });
  // Show an error toast when a request fails outright.
  document.addEventListener("htmx:responseError", function (e) {
    var s = e.detail.xhr.status;
    // The server said what was wrong in a toast of its own (HX-Trigger).
    if (s < 500 && /"toast"/.test(e.detail.xhr.getResponseHeader("HX-Trigger") || "")) return;
    // In the page's language: the layout carries the words (#toasts).
    var box = document.getElementById("toasts"), say = function (k, en) { return (box && box.getAttribute("data-" + k)) || en; };
    toast(s === 403 ? say("expired", "Your session expired. Reload the page and try again.") : s === 429 ? say("slow", "Too many attempts. Please wait a little.") : say("failed", "Something went wrong. Please try again."));
  });
})();
