// Sort the portfolio grid by a column: click a header (again: the other way). No data is read from anywhere but the page.
(function () {
  "use strict";
  var table = document.getElementById("grid");
  if (!table) { return; }
  var body = table.tBodies[0];
  var heads = table.querySelectorAll("thead th[data-col]");
  function key(row, col, type) {
    var cell = row.cells[col];
    var text = cell ? cell.getAttribute("data-sort") : "";
    if (text === null || text === "") { return null; }
    return type === "num" ? parseFloat(text) : text;
  }
  function sortBy(th) {
    var col = parseInt(th.getAttribute("data-col"), 10);
    var type = th.getAttribute("data-type");
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, col, type), y = key(b, col, type);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }   // not available: always last
      if (y === null) { return -1; }
      var c = type === "num" ? x - y : String(x).localeCompare(String(y));
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
  }
  Array.prototype.forEach.call(heads, function (th) {
    var button = th.querySelector("button");
    (button || th).addEventListener("click", function () { sortBy(th); });
  });
}());
