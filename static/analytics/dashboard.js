/* Progressive enhancement for dashboard tables: sortable headers (buttons with
   aria-sort), a "Sort by" select for narrow frames, and live search. Without
   JavaScript the table is still complete and readable. */
(() => {
  const valueOf = (row, index) => {
    const cell = row.cells[index];
    return cell ? (cell.dataset.value ?? cell.textContent.trim()) : "";
  };

  const sortTable = (table, index, direction) => {
    const th = table.tHead.rows[0].cells[index];
    const numeric = th.dataset.sort === "num";
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).filter((r) => r.cells.length > 1);
    rows.sort((a, b) => {
      const x = valueOf(a, index), y = valueOf(b, index);
      const cmp = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return direction === "ascending" ? cmp : -cmp;
    });
    rows.forEach((r) => body.appendChild(r));
    Array.from(table.tHead.rows[0].cells).forEach((c) => c.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", direction);
    const select = document.querySelector(`select[data-sort-for="${table.id}"]`);
    if (select) select.value = `${index}:${direction}`;
  };

  document.querySelectorAll("table.sortable").forEach((table) => {
    const headers = Array.from(table.tHead.rows[0].cells);
    const bar = document.createElement("div");
    bar.className = "sort-bar";
    const label = document.createElement("label");
    label.htmlFor = `${table.id}-sort`;
    label.textContent = "Sort by";
    const select = document.createElement("select");
    select.id = `${table.id}-sort`;
    select.dataset.sortFor = table.id;
    headers.forEach((th, index) => {
      if (!th.dataset.sort) return;
      const name = th.textContent.trim();
      for (const [dir, words] of [["ascending", "low to high"], ["descending", "high to low"]]) {
        const option = new Option(`${name} (${th.dataset.sort === "num" ? words : dir === "ascending" ? "A to Z" : "Z to A"})`, `${index}:${dir}`);
        select.add(option);
      }
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name;
      button.addEventListener("click", () => {
        const next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        sortTable(table, index, next);
      });
      th.textContent = "";
      th.appendChild(button);
    });
    select.addEventListener("change", () => {
      const [index, dir] = select.value.split(":");
      sortTable(table, Number(index), dir);
    });
    bar.append(label, select);
    table.closest(".table-wrap").before(bar);
  });

  document.querySelectorAll("input[data-table-search]").forEach((input) => {
    const table = document.getElementById(input.dataset.tableSearch);
    const counter = document.querySelector(`[data-count-for="${table.id}"]`);
    input.addEventListener("input", () => {
      const needle = input.value.trim().toLowerCase();
      let shown = 0;
      Array.from(table.tBodies[0].rows).forEach((row) => {
        const match = !needle || row.textContent.toLowerCase().includes(needle);
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (counter) counter.textContent = `${shown} student${shown === 1 ? "" : "s"} shown`;
    });
  });
})();
