// "Tap where you think it is" on a point's report form (templates/points/report.html):
// a tap on the figure places a cross there and fills the hidden x and y (percent of the
// figure, two decimals) and which of the point's markers it is about (the nearest one).
// Without this script the form works the same, without a spot. Only SVG attributes and
// classes change (CSP: no styles).
(function () {
  "use strict";

  function clamp(value) { return Math.min(100, Math.max(0, value)); }
  function fixed(value) { return (Math.round(value * 100) / 100).toFixed(2); }

  function init(root) {
    var svg = root.querySelector(".report-svg");
    var figure = root.querySelector(".report-figure");
    var x = document.getElementById("id_x");
    var y = document.getElementById("id_y");
    var placement = document.getElementById("id_placement");
    var width = parseFloat(root.dataset.width), height = parseFloat(root.dataset.height);
    var arm = parseFloat(root.dataset.arm);
    if (!svg || !figure || !x || !y || !placement || !(width > 0) || !(height > 0)) return;
    var markers = Array.prototype.slice.call(svg.querySelectorAll(".report-marker"));
    var ring = svg.querySelector(".report-tap-ring");
    var crosses = svg.querySelectorAll(".report-tap-cross");
    var status = root.querySelector(".report-tap-status");
    var clear = root.querySelector(".report-clear");
    var noJs = root.querySelector(".report-nojs"), help = root.querySelector(".report-js-help");
    if (noJs) noJs.hidden = true;
    if (help) help.hidden = false;
    root.classList.add("is-live");

    function set(element, values) {
      Object.keys(values).forEach(function (name) { element.setAttribute(name, String(values[name])); });
    }

    function nearest(cx, cy) {
      var best = null, bestDistance = Infinity;
      markers.forEach(function (m) {
        var dx = parseFloat(m.dataset.cx) - cx, dy = parseFloat(m.dataset.cy) - cy;
        var distance = dx * dx + dy * dy;
        if (distance < bestDistance) { best = m; bestDistance = distance; }
      });
      return best;
    }

    function place(px, py) {
      var cx = px * width / 100, cy = py * height / 100;
      set(ring, { cx: cx, cy: cy });
      set(crosses[0], { x1: cx - arm, x2: cx + arm, y1: cy, y2: cy });
      set(crosses[1], { x1: cx, x2: cx, y1: cy - arm, y2: cy + arm });
      x.value = fixed(px);
      y.value = fixed(py);
      var marker = nearest(cx, cy);
      placement.value = marker ? marker.dataset.placement : "";
      figure.classList.add("has-tap");
      status.textContent = "Your spot: " + fixed(px) + " % across, " + fixed(py) + " % down.";
      clear.hidden = false;
    }

    svg.addEventListener("click", function (event) {
      var matrix = svg.getScreenCTM();
      if (!matrix) return;
      var p = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
      place(clamp(p.x / width * 100), clamp(p.y / height * 100));
    });

    clear.addEventListener("click", function () {
      x.value = y.value = placement.value = "";
      figure.classList.remove("has-tap");
      status.textContent = "Your spot is removed.";
      clear.hidden = true;
    });
  }

  function initAll() { document.querySelectorAll(".report-where").forEach(init); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
