// The location picker (points/widgets.py): click, drag or nudge a point's marker on
// its illustration; the x and y inputs named by data-x-input and data-y-input follow,
// and typing in them moves the marker. Positions are percentages of the figure,
// clamped to 0-100 with two decimals. Only SVG attributes change (CSP: no styles).
(function () {
  "use strict";

  function clamp(value) { return Math.min(100, Math.max(0, value)); }
  function round2(value) { return Math.round(value * 100) / 100; }
  function fixed(value) { return round2(value).toFixed(2); }

  function setAttrs(element, values) {
    Object.keys(values).forEach(function (name) { element.setAttribute(name, String(round2(values[name]))); });
  }

  function init(root) {
    if (root.dataset.pickerReady) return;
    var xInput = document.getElementById(root.dataset.xInput);
    var yInput = document.getElementById(root.dataset.yInput);
    var svg = root.querySelector(".location-picker-svg");
    var marker = root.querySelector(".location-picker-marker");
    if (!xInput || !yInput || !svg || !marker || !(parseFloat(root.dataset.width) > 0)) return;
    root.dataset.pickerReady = "true";

    // Every size comes from the server (points/geometry.py), in figure units.
    var width = parseFloat(root.dataset.width);
    var height = parseFloat(root.dataset.height);
    var step = parseFloat(root.dataset.step);
    var bigStep = parseFloat(root.dataset.bigStep);
    var arm = parseFloat(root.dataset.arm);
    var labelDy = parseFloat(root.dataset.labelDy);
    var code = root.dataset.code;
    var circles = marker.querySelectorAll("circle");
    var crosses = marker.querySelectorAll(".location-picker-cross");
    var label = marker.querySelector(".location-picker-label");
    var pos = { x: clamp(parseFloat(xInput.value) || 0), y: clamp(parseFloat(yInput.value) || 0) };
    var drag = null;

    function draw() {
      var cx = pos.x * width / 100, cy = pos.y * height / 100;
      circles.forEach(function (circle) { setAttrs(circle, { cx: cx, cy: cy }); });
      if (crosses.length === 2) {
        setAttrs(crosses[0], { x1: cx - arm, x2: cx + arm, y1: cy, y2: cy });
        setAttrs(crosses[1], { x1: cx, x2: cx, y1: cy - arm, y2: cy + arm });
      }
      if (label) setAttrs(label, { x: cx, y: cy + labelDy });
      var position = "x " + fixed(pos.x) + " %, y " + fixed(pos.y) + " %";
      marker.setAttribute("aria-valuenow", fixed(pos.x));
      marker.setAttribute("aria-valuetext", position);
      marker.setAttribute("aria-label", code + " location: " + position + ". Arrow keys move it by " +
        step + " %, Shift+arrow keys by " + bigStep + " %.");
    }

    function moveTo(x, y) {
      pos.x = round2(clamp(x));
      pos.y = round2(clamp(y));
      draw();
      xInput.value = fixed(pos.x);
      yInput.value = fixed(pos.y);
      xInput.dispatchEvent(new Event("change", { bubbles: true }));
      yInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function percentAt(event) {
      var matrix = svg.getScreenCTM();
      if (!matrix) return null;
      var p = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
      return { x: p.x / width * 100, y: p.y / height * 100 };
    }

    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== 0 || drag) return;
      var p = percentAt(event);
      if (!p) return;
      event.preventDefault();
      var onMarker = marker.contains(event.target);
      // Grabbing the marker keeps it under the pointer where it was grabbed; a press
      // anywhere else places the marker there and goes on dragging it.
      drag = { id: event.pointerId, dx: onMarker ? pos.x - p.x : 0, dy: onMarker ? pos.y - p.y : 0 };
      if (!onMarker) moveTo(p.x, p.y);
      svg.setPointerCapture(event.pointerId);
      root.classList.add("is-dragging");
    });

    svg.addEventListener("pointermove", function (event) {
      if (!drag || event.pointerId !== drag.id) return;
      var p = percentAt(event);
      if (p) moveTo(p.x + drag.dx, p.y + drag.dy);
    });

    function endDrag(event) {
      if (!drag || event.pointerId !== drag.id) return;
      drag = null;
      root.classList.remove("is-dragging");
      if (event.type === "pointerup") marker.focus({ preventScroll: true });
    }
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", endDrag);

    marker.addEventListener("keydown", function (event) {
      var amount = event.shiftKey ? bigStep : step;
      var moves = {
        ArrowLeft: [-amount, 0], ArrowRight: [amount, 0], ArrowUp: [0, -amount], ArrowDown: [0, amount]
      };
      var move = moves[event.key];
      if (!move || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      moveTo(pos.x + move[0], pos.y + move[1]);
    });

    // Typing in the number fields moves the marker; the field itself is left as typed.
    function follow(axis) {
      return function (event) {
        var value = parseFloat(event.target.value);
        if (!isFinite(value)) return;
        pos[axis] = round2(clamp(value));
        draw();
      };
    }
    xInput.addEventListener("input", follow("x"));
    yInput.addEventListener("input", follow("y"));

    // Another illustration chosen: the figure shown is no longer the one being edited.
    var select = root.dataset.illustrationInput && document.getElementById(root.dataset.illustrationInput);
    var stale = root.querySelector(".location-picker-stale");
    if (select && stale) {
      select.addEventListener("change", function () {
        var other = select.value !== root.dataset.illustration;
        stale.hidden = !other;
        root.classList.toggle("is-stale", other);
      });
    }

    draw();
  }

  function initAll() { document.querySelectorAll(".location-picker").forEach(init); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
