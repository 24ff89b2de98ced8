// minsec site: sort and filter the tables of a page, in the browser, without a network.
// Tables marked data-sortable get a button in each header; grids marked data-filterable
// get a filter box that keeps the rows containing the typed text.
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var sort = cell.getAttribute("data-sort");
    return sort !== null ? sort : cell.textContent.trim();
  }

  function compare(numeric) {
    return function (a, b) {
      if (a === b) return 0;
      if (a === "") return 1; // empty cells last
      if (b === "") return -1;
      if (numeric) return parseFloat(a) - parseFloat(b);
      return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
    };
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var order = compare(th.getAttribute("data-type") === "number");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var result = order(cellValue(a, index), cellValue(b, index));
          return ascending ? result : -result;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function makeFilterable(grid, number) {
    var table = grid.querySelector("table");
    if (!table) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var box = document.createElement("div");
    box.className = "filter";
    var id = "filter-" + number;
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "Filter rows";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.placeholder = "text in any column";
    var status = document.createElement("output");
    status.setAttribute("aria-live", "polite");
    status.textContent = rows.length + " rows";
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var keep = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      status.textContent = shown === rows.length ? rows.length + " rows" : shown + " of " + rows.length + " rows";
    });
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    grid.insertBefore(box, grid.firstChild);
  }

  document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
  document.querySelectorAll("[data-filterable]").forEach(makeFilterable);
})();
