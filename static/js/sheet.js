// "My sheet": remember the selection in this browser so the tray survives page loads.
// The sheet itself lives in its URL (/sheet/?points=...): nothing is stored on the server.
// Public pages are the same for everyone (and cached), so the header tray is always filled
// in here, from the stored selection: on load, whenever the page is shown again (Back and
// Forward, from the back/forward cache or the HTTP cache), after htmx restores a history
// snapshot, and when another tab changes the sheet.
(function () {
  var KEY = "acuguide-sheet";
  function read() { try { return localStorage.getItem(KEY) || ""; } catch (e) { return ""; } }
  function write(value) { try { localStorage.setItem(KEY, value); } catch (e) { /* private mode */ } }

  function showTray(value) {
    var input = document.getElementById("sheet-points");
    var link = document.getElementById("sheet-link");
    var count = document.getElementById("sheet-count");
    if (!input || !link) return;
    input.value = value;
    var n = value ? value.split(",").filter(Boolean).length : 0;
    // pregnancy mode lives in the address (points/modes.py): the sheet link keeps it
    var pregnant = new URLSearchParams(window.location.search).get("pregnant") === "1";
    link.href = "/sheet/?points=" + encodeURIComponent(value).replace(/%2C/g, ",") + (pregnant ? "&pregnant=1" : "");
    link.hidden = n === 0;
    if (count) count.textContent = String(n);
  }

  // A page shown again: the tray from the stored selection, and no stale "Added" beside a button
  // (it told of an earlier press; the tray has the count now).
  function reshow() {
    showTray(read());
    document.querySelectorAll(".sheet-add-status").forEach(function (status) { status.textContent = ""; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var sheet = document.querySelector("[data-custom-sheet]");
    if (sheet) write(sheet.dataset.selection || "");  // the sheet page is the truth
    showTray(read());
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) reshow();  // restored from the back/forward cache: no DOMContentLoaded
    else showTray(read());
  });
  document.addEventListener("htmx:historyRestore", reshow);
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) showTray(read());
  });

  // "Add to my sheet" answered: the new tray arrives out of band; remember its selection.
  function remember(event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "sheet-tray") {
      var input = document.getElementById("sheet-points");
      if (input) { write(input.value); showTray(input.value); }
    }
  }
  document.addEventListener("htmx:oobAfterSwap", remember);
  document.addEventListener("htmx:afterSwap", remember);
})();
