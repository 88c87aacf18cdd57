namespace MetaLora.Reporting.Page;

/// <summary>The page's style sheet and script, inlined into it (the page loads nothing from elsewhere).</summary>
internal static class PageAssets
{
    public const string Css = """
        :root { --ink: #1d2433; --muted: #5b6475; --line: #d8dde6; --best: #e07b39; --up: #2a7a3b; --down: #b03a2e; --blue: #08306b; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
        header { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); }
        h1 { font-size: 22px; margin: 0 0 6px; }
        h2 { font-size: 18px; margin: 28px 0 8px; }
        h3 { font-size: 15px; margin: 20px 0 6px; }
        h4 { font-size: 13px; margin: 14px 0 4px; color: var(--muted); }
        main { padding: 0 24px 40px; max-width: 1400px; }
        nav a { color: var(--blue); }
        p { max-width: 75em; }
        .claim { background: #f4f6fa; border-left: 4px solid var(--best); padding: 8px 12px; }
        table { border-collapse: collapse; margin: 8px 0; }
        .wide { overflow-x: auto; }
        th, td { padding: 3px 7px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        .wide table { font-size: 13px; }
        .numbers td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        thead th { background: #f4f6fa; font-weight: 600; }
        .sortable thead th { cursor: pointer; user-select: none; }
        .sortable thead th[aria-sort="ascending"]::after { content: " ▲"; }
        .sortable thead th[aria-sort="descending"]::after { content: " ▼"; }
        tr.best th { color: var(--best); }
        small { color: var(--muted); }
        .sig { color: var(--up); font-weight: 700; }
        td.significant { background: #eef7ef; }
        .grid { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
        figure { margin: 8px 0; }
        figcaption { font-size: 12px; color: var(--muted); max-width: 420px; }
        figure.scatter, figure.heatmap { width: 300px; }
        figure.scatter { width: 250px; }
        .heatmap img { image-rendering: pixelated; border: 1px solid var(--line); display: block; }
        .scale { display: flex; align-items: center; gap: 6px; font-size: 11px; color: var(--muted); width: 300px; }
        .scale .bar { flex: 1; height: 8px; background: linear-gradient(to right, #fff, var(--blue)); border: 1px solid var(--line); }
        svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
        svg .grid, svg .frame { stroke: var(--line); fill: none; }
        svg .reference { stroke: #888; stroke-dasharray: 4 3; }
        svg .interval { stroke: var(--ink); stroke-width: 2; }
        svg .mean { fill: #5b7fa8; }
        svg .best .mean { fill: var(--best); }
        svg .best .label { font-weight: 700; fill: var(--best); }
        svg .tick { fill: var(--muted); }
        svg circle.up { fill: var(--up); fill-opacity: .7; }
        svg circle.down { fill: var(--down); fill-opacity: .7; }
        svg circle.same { fill: #888; fill-opacity: .7; }
        details.task { border-bottom: 1px solid var(--line); padding: 4px 0; }
        details.task > summary { cursor: pointer; font-family: ui-monospace, monospace; }
        details.task .body { padding: 4px 0 12px 18px; }
        .contrib caption { text-align: left; font-weight: 600; font-size: 12px; }
        .contrib th { font-family: ui-monospace, monospace; font-weight: 400; font-size: 12px; }
        .sample { border: 1px solid var(--line); border-radius: 4px; padding: 6px 10px; margin: 8px 0; display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 8px; }
        .sample pre { white-space: pre-wrap; word-break: break-word; margin: 2px 0; font-size: 12px; background: #fafbfc; padding: 4px 6px; max-height: 16em; overflow: auto; }
        .clip { color: var(--muted); font-style: italic; }
        .sources code { font-size: 12px; }
        """;

    /// <summary>Sorting by a clicked header and the task filter; the page reads fully without them.</summary>
    public const string Script = """
        "use strict";
        (function () {
          function key(row, col) {
            var cell = row.children[col];
            var v = cell.getAttribute("data-value");
            return v === null ? cell.textContent : v;
          }
          function compare(a, b, ascending) {
            if (a === "" || b === "") return a === b ? 0 : a === "" ? 1 : -1;
            var x = Number(a), y = Number(b);
            var c = isNaN(x) || isNaN(y) ? (a < b ? -1 : a > b ? 1 : 0) : x - y;
            return ascending ? c : -c;
          }
          document.querySelectorAll("table.sortable").forEach(function (table) {
            var headers = table.tHead.rows[0].cells;
            Array.prototype.forEach.call(headers, function (th, col) {
              th.tabIndex = 0;
              function sort() {
                var ascending = th.getAttribute("aria-sort") !== "ascending";
                Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
                th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
                var body = table.tBodies[0];
                var rows = Array.prototype.slice.call(body.rows);
                rows.sort(function (r, s) { return compare(key(r, col), key(s, col), ascending) || (r.rowIndex - s.rowIndex); });
                rows.forEach(function (r) { body.appendChild(r); });
              }
              th.addEventListener("click", sort);
              th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
            });
          });
          var filter = document.getElementById("task-filter");
          if (!filter) return;
          document.getElementById("task-filter-label").hidden = false;
          var tasks = document.querySelectorAll("details.task");
          var count = document.getElementById("task-count");
          filter.addEventListener("input", function () {
            var q = filter.value.trim().toLowerCase();
            var shown = 0;
            tasks.forEach(function (d) {
              var hit = d.getAttribute("data-task").toLowerCase().indexOf(q) >= 0;
              d.hidden = !hit;
              if (hit) shown++;
            });
            count.textContent = q === "" ? tasks.length + " tasks" : shown + " of " + tasks.length + " tasks";
          });
        })();
        """;
}
