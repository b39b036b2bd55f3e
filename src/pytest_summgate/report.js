// pytest-summgate's HTML report: filters by outcome, metric and node id, and keys to move
// between cases (j / k, / to search). Inline in the page; its hash is in the page's
// Content-Security-Policy, so no other script runs. It reads the page's data-* attributes
// and sets textContent and hidden only: nothing it touches is parsed as HTML.
(function () {
  "use strict";
  var cases = Array.prototype.slice.call(document.querySelectorAll("[data-outcome]"));
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=outcome]"));
  var metric = document.getElementById("metric");
  var find = document.getElementById("find");
  var shown = document.getElementById("shown");

  function apply() {
    var wanted = {};
    boxes.forEach(function (box) { wanted[box.value] = box.checked; });
    var name = metric.value;
    var query = find.value.trim().toLowerCase();
    var count = 0;
    cases.forEach(function (element) {
      var metrics = " " + element.getAttribute("data-metrics") + " ";
      var visible = wanted[element.getAttribute("data-outcome")] !== false &&
        (!name || metrics.indexOf(" " + name + " ") >= 0) &&
        (!query || element.getAttribute("data-find").indexOf(query) >= 0);
      element.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + " of " + cases.length + " cases shown";
  }

  function move(step) {
    var sections = cases.filter(function (element) {
      return element.tagName === "SECTION" && !element.hidden;
    });
    if (!sections.length) { return; }
    var at = sections.indexOf(document.activeElement);
    if (at < 0) {
      at = sections.findIndex(function (element) {
        return element.getBoundingClientRect().top >= 0;
      });
      at = at < 0 ? 0 : at - (step > 0 ? 1 : 0);
    }
    var next = sections[Math.min(Math.max(at + step, 0), sections.length - 1)];
    next.focus();
    next.scrollIntoView({ block: "start" });
  }

  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  metric.addEventListener("change", apply);
  find.addEventListener("input", apply);
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      move(event.key === "j" ? 1 : -1);
    } else if (event.key === "/") {
      event.preventDefault();
      find.focus();
    }
  });
  document.body.classList.add("scripted");
  apply();
})();
