// Progressive enhancement only: every link also works as a plain link without this file.
// After htmx swaps a point panel in: highlight the point's markers, announce the
// change to screen readers and move focus to the panel heading.
(function () {
  // Back to an address htmx pushed (a point panel, a search) whose snapshot is no longer in
  // its history cache (it keeps ten): load that address as a whole page. By default htmx would
  // ask for it as an htmx request and put the bare panel in place of the whole page.
  if (window.htmx) window.htmx.config.refreshOnHistoryMiss = true;

  function selectMarkers(slug) {
    document.querySelectorAll(".marker").forEach(function (marker) {
      var on = marker.dataset.code === slug;
      marker.classList.toggle("is-selected", on);
      if (on) marker.setAttribute("aria-current", "true");
      else marker.removeAttribute("aria-current");
    });
  }

  function syncPanel(moveFocus) {
    var panel = document.getElementById("panel");
    if (!panel) return;
    var article = panel.querySelector("[data-point]");
    selectMarkers(article ? article.dataset.point : null);
    var status = document.getElementById("map-status");
    if (status && article) status.textContent = "Showing " + article.dataset.name;
    var heading = panel.querySelector("[tabindex='-1']");
    if (moveFocus && heading) {
      // the panel's answer (name, close-up, where, how, is it safe) starts at the top of the screen
      heading.focus({ preventScroll: true });
      var top = heading.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight / 3) panel.scrollIntoView({ block: "start" });
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "panel") syncPanel(true);
  });
  // Back and forward restore an earlier snapshot of the page: re-sync the highlight.
  document.addEventListener("htmx:historyRestore", function () { syncPanel(false); });
})();

// Printing a page prints its "Evidence and corrections" too (CSS opens it in browsers that
// support ::details-content; this covers the others), and closes it again afterwards.
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details.evidence:not([open])"), function (d) {
      d.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();

// An enlarged figure covers the screen: Tab and Shift+Tab stay inside it until Escape or
// Close (the popover itself works without this file; this keeps keyboard focus visible).
(function () {
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var open = document.querySelector(".figure-full:popover-open");
    if (!open) return;
    var items = Array.prototype.filter.call(open.querySelectorAll("a[href], button"), function (el) {
      return el.getClientRects().length > 0;
    });
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1];
    var inside = open.contains(document.activeElement);
    if (event.shiftKey && (!inside || document.activeElement === first)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
      event.preventDefault();
      first.focus();
    }
  });
})();
