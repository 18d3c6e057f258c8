/* drafter web pages: the figure panel, build progress, the figures filter. No external code. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function show(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function addRow(dl, label, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", null, label));
    dl.appendChild(el("dd", null, show(value)));
  }

  var STATUS = { "一致": "ok", "手工修改": "edited", "数据已变化": "stale", "已删除": "removed", "无法核对": "unchecked", "无来源数字": "unbacked" };

  /* ---------------------------------------------------------------- preview panel */
  var dataEl = document.getElementById("drafter-data");
  var data = null;
  if (dataEl) {
    try { data = JSON.parse(dataEl.textContent); } catch (e) { data = null; }
  }
  var panel = document.getElementById("panel");
  var body = document.getElementById("panel-body");

  function showFigure(id, scroll) {
    if (!data || !panel) return;
    var fig = data.figures[id];
    var spans = document.querySelectorAll(".fig.selected");
    for (var i = 0; i < spans.length; i++) spans[i].classList.remove("selected");
    var mine = document.querySelectorAll('.fig[data-fig="' + id.replace(/[^A-Za-z0-9_-]/g, "") + '"]');
    for (var j = 0; j < mine.length; j++) mine[j].classList.add("selected");
    if (scroll && mine.length) mine[0].scrollIntoView({ block: "center" });
    body.textContent = "";
    if (!fig) {
      body.appendChild(el("h3", null, id));
      body.appendChild(el("p", null, "草稿清单中没有这个数字的记录。"));
      panel.hidden = false;
      return;
    }
    body.appendChild(el("h3", null, fig.description || fig.ref || fig.id));
    if (fig.check) {
      var badge = el("span", "badge st-" + (STATUS[fig.check.status] || "other"), fig.check.status);
      badge.id = "panel-status";
      body.appendChild(badge);
    }
    var dl = el("dl");
    addRow(dl, "编号", fig.id);
    addRow(dl, "文字", fig.text);
    addRow(dl, "原始值", fig.value);
    addRow(dl, "写法", fig.filter);
    addRow(dl, "查询.列", fig.ref);
    addRow(dl, "部分", fig.part);
    if (fig.placeholder) addRow(dl, "待补充", "此处缺数据，以【待补充】占位");
    if (fig.check) {
      addRow(dl, "草稿中", fig.check.draft === null ? "（未找到）" : fig.check.draft);
      addRow(dl, "生成时", fig.check.built);
      addRow(dl, "当前数据", fig.check.current);
      addRow(dl, "说明", fig.check.note);
    }
    body.appendChild(dl);
    var seen = {};
    (fig.sources || []).forEach(function (src) {
      if (!src.query || seen[src.query]) return;
      seen[src.query] = true;
      var q = (data.queries || {})[src.query] || {};
      var box = el("div", "query");
      box.appendChild(el("h4", null, "查询 " + src.query + (q.description ? "（" + q.description + "）" : "")));
      var qd = el("dl");
      var sourceName = q.source || src.source;
      var source = (data.sources || {})[sourceName] || {};
      addRow(qd, "数据源", sourceName + (source.description ? "（" + source.description + "）" : ""));
      addRow(qd, "地址", source.url);
      addRow(qd, "列", src.column + (src.row !== null && src.row !== undefined ? "，第 " + (src.row + 1) + " 行" : ""));
      addRow(qd, "文件", q.sql_file || q.file);
      addRow(qd, "出错", q.error);
      box.appendChild(qd);
      if (q.sql) {
        box.appendChild(el("div", null, "SQL"));
        var pre = el("pre", "sql", q.sql);
        pre.setAttribute("data-query", src.query);
        box.appendChild(pre);
      }
      if (q.params && Object.keys(q.params).length) {
        var pd = el("dl", "params");
        Object.keys(q.params).forEach(function (k) { addRow(pd, ":" + k, q.params[k]); });
        box.appendChild(el("div", null, "参数"));
        box.appendChild(pd);
      }
      body.appendChild(box);
    });
    panel.hidden = false;
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    while (t && t !== document && !(t.getAttribute && t.getAttribute("data-fig"))) t = t.parentNode;
    if (!t || t === document) return;
    var fromList = !t.classList.contains("fig");
    if (fromList) ev.preventDefault();
    showFigure(t.getAttribute("data-fig"), fromList);
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if ((ev.key === "Enter" || ev.key === " ") && t.classList && t.classList.contains("fig")) {
      ev.preventDefault();
      showFigure(t.getAttribute("data-fig"), false);
    }
    if (ev.key === "Escape" && panel) panel.hidden = true;
  });
  var close = document.getElementById("panel-close");
  if (close) close.addEventListener("click", function () { panel.hidden = true; });
  if (data && location.hash.indexOf("#fig-") === 0) showFigure(location.hash.slice(5), true);

  /* ---------------------------------------------------------------- build progress */
  var job = document.getElementById("job");
  if (job && job.getAttribute("data-state") === "running") {
    var url = job.getAttribute("data-status-url");
    var started = Date.now();
    var poll = function () {
      fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
        if (s.state !== "running") { location.reload(); return; }
        var bar = document.getElementById("job-progress");
        if (bar) { bar.max = s.total || 1; bar.value = s.done; }
        var stage = document.getElementById("job-stage");
        if (stage) stage.textContent = s.stage;
        var count = document.getElementById("job-count");
        if (count) count.textContent = s.done + "/" + (s.total || "?");
        setTimeout(poll, Date.now() - started < 5000 ? 120 : 600);  /* quick at first, gently later */
      }).catch(function () { setTimeout(poll, 1500); });
    };
    setTimeout(poll, 80);
  }
  var forms = document.querySelectorAll("form[method=post]");
  for (var f = 0; f < forms.length; f++) {
    forms[f].addEventListener("submit", function (ev) {
      var b = ev.target.querySelector("button[type=submit]");
      if (b) { b.disabled = true; b.textContent = b.textContent + "中…"; }
    });
  }

  /* ---------------------------------------------------------------- figures filter */
  var filter = document.querySelector("[data-filter-table]");
  if (filter) {
    var table = document.getElementById(filter.getAttribute("data-filter-table"));
    var counter = document.getElementById("figure-count");
    var apply = function () {
      if (!table) return;
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var rows = table.tBodies[0].rows, shown = 0;
      for (var r = 0; r < rows.length; r++) {
        var text = rows[r].textContent.toLowerCase();
        var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
        rows[r].hidden = !ok;
        if (ok) shown++;
      }
      if (counter) counter.textContent = shown;
      var link = document.getElementById("csv-link");  /* the CSV holds what the table shows */
      if (link) {
        var u = new URL(link.href);
        if (filter.value.trim()) u.searchParams.set("q", filter.value.trim()); else u.searchParams.delete("q");
        link.href = u.toString();
      }
    };
    filter.addEventListener("input", apply);
  }
})();
