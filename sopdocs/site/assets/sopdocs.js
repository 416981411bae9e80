/* sopdocs catalog site: staleness in the reader's clock, checklists that keep their
 * state, catalog filters and sorting, copy buttons, and search. No inline script, no
 * request to another host. */
(function () {
  "use strict";

  var DAY = 86400000;
  /* This script's own URL: the other assets are beside it. */
  var SCRIPT_URL = document.currentScript ? document.currentScript.src : window.location.href;
  var LABELS = {
    "current": "Current",
    "due-soon": "Review due soon",
    "overdue": "Review overdue",
    "unknown": "Review date unknown"
  };
  var RANK = {
    risk: { "low": 1, "medium": 2, "high": 3, "critical": 4 },
    status: { "draft": 1, "in-review": 2, "approved": 3, "deprecated": 4, "retired": 5 },
    staleness: { "overdue": 1, "due-soon": 2, "current": 3, "unknown": 4 }
  };

  var storage = {
    get: function (key) {
      try { return window.localStorage.getItem(key); } catch (e) { return null; }
    },
    set: function (key, value) {
      try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: state lives in the page only */ }
    },
    remove: function (key) {
      try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
    }
  };

  function utcDay(text) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    return match ? Date.UTC(+match[1], +match[2] - 1, +match[3]) : null;
  }

  function today() {
    var now = new Date();
    return Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  }

  function reviewState(el) {
    var next = utcDay(el.getAttribute("data-next-review"));
    if (next === null) { return { state: "unknown", days: null }; }
    var days = Math.round((next - today()) / DAY);
    var soon = parseInt(el.getAttribute("data-due-soon-days") || "30", 10);
    return { state: days < 0 ? "overdue" : (days <= soon ? "due-soon" : "current"), days: days };
  }

  function daysText(days) {
    if (days === null) { return ""; }
    if (days < 0) { return "(" + (-days) + (days === -1 ? " day" : " days") + " overdue)"; }
    if (days === 0) { return "(due today)"; }
    return "(in " + days + (days === 1 ? " day" : " days") + ")";
  }

  /* The build computed staleness for its own date; the reader's date may be later. */
  function refreshStaleness() {
    var nodes = document.querySelectorAll("[data-sop-review]");
    Array.prototype.forEach.call(nodes, function (el) {
      var result = reviewState(el);
      var badge = el.querySelector("[data-sop-staleness]");
      /* Only what changed: rewriting thousands of unchanged badges costs a large
       * catalog seconds of style and layout work. */
      if (badge && badge.getAttribute("data-sop-staleness") !== result.state) {
        badge.className = "sop-badge sop-stale sop-stale--" + result.state;
        badge.setAttribute("data-sop-staleness", result.state);
        badge.textContent = LABELS[result.state];
      }
      var days = el.querySelector("[data-sop-days]");
      if (days) { days.textContent = daysText(result.days); }
      var row = el.closest("[data-sop-row]");
      if (row && row.getAttribute("data-staleness") !== result.state) { row.setAttribute("data-staleness", result.state); }
    });
  }

  function refreshCounts(container) {
    var rows = container.querySelectorAll("[data-sop-row]");
    var counts = { total: rows.length, "overdue": 0, "due-soon": 0, "current": 0 };
    Array.prototype.forEach.call(rows, function (row) {
      var state = row.getAttribute("data-staleness");
      if (state in counts) { counts[state] += 1; }
    });
    Array.prototype.forEach.call(container.querySelectorAll("[data-sop-count]"), function (el) {
      el.textContent = String(counts[el.getAttribute("data-sop-count")] || 0);
    });
  }

  /* --- checklists ------------------------------------------------------------ */

  function setupRun(run) {
    var sopId = run.getAttribute("data-sop-run");
    var version = run.getAttribute("data-sop-version") || "";
    var runKey = "sopdocs:run:" + sopId + ":" + version;
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-sop-item]"));
    var counted = boxes.filter(function (box) {
      return box.getAttribute("data-sop-item").indexOf("rollback-") !== 0;
    });
    var progress = run.querySelector("[data-sop-progress]");
    var runId = storage.get(runKey);
    if (!runId) { runId = newRun(); }

    function newRun() {
      var id = Date.now().toString(36) + "-" + Math.floor(Math.random() * 1e6).toString(36);
      storage.set(runKey, id);
      return id;
    }
    function checksKey() { return "sopdocs:checks:" + sopId + ":" + version + ":" + runId; }
    function load() {
      var saved = [];
      try { saved = JSON.parse(storage.get(checksKey()) || "[]"); } catch (e) { saved = []; }
      boxes.forEach(function (box) { box.checked = saved.indexOf(box.getAttribute("data-sop-item")) >= 0; });
    }
    function save() {
      var done = boxes.filter(function (box) { return box.checked; }).map(function (box) {
        return box.getAttribute("data-sop-item");
      });
      storage.set(checksKey(), JSON.stringify(done));
    }
    function update() {
      var done = counted.filter(function (box) { return box.checked; }).length;
      if (progress) { progress.textContent = done + " of " + counted.length + " done"; }
      boxes.forEach(function (box) {
        var item = box.closest("li");
        if (item) { item.classList.toggle("sop-done", box.checked); }
      });
    }
    boxes.forEach(function (box) {
      box.addEventListener("change", function () { save(); update(); });
    });
    var reset = run.querySelector("[data-sop-reset]");
    if (reset) {
      reset.addEventListener("click", function () {
        storage.remove(checksKey());
        runId = newRun();
        load();
        update();
      });
    }
    var print = run.querySelector("[data-sop-print]");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
    load();
    update();
  }

  /* --- catalog ----------------------------------------------------------------- */

  function setupCatalog(catalog) {
    var table = catalog.querySelector("[data-sop-table]");
    if (!table) { return; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var filters = Array.prototype.slice.call(catalog.querySelectorAll("[data-sop-filter]"));
    var shown = catalog.querySelector("[data-sop-shown]");
    /* A browser takes seconds to lay out thousands of rows: show the first `limit`
       matching rows, and every one only when asked. */
    var limit = parseInt(table.getAttribute("data-sop-limit"), 10) || Infinity;
    var more = catalog.querySelector("[data-sop-more]");
    var showAll = false;
    var form = catalog.querySelector("[data-sop-filters]");
    if (form) { form.addEventListener("submit", function (event) { event.preventDefault(); }); }

    var params = new URLSearchParams(window.location.search);
    filters.forEach(function (el) {
      var key = el.getAttribute("data-sop-filter");
      if (params.has(key)) { el.value = params.get(key); }
    });

    function apply() {
      var want = {};
      filters.forEach(function (el) { want[el.getAttribute("data-sop-filter")] = el.value.trim(); });
      var words = (want.text || "").toLowerCase().split(/\s+/).filter(Boolean);
      var count = 0;
      var visible = 0;
      rows.forEach(function (row) {
        var ok = words.every(function (word) { return row.getAttribute("data-text").indexOf(word) >= 0; });
        ["owner", "layer", "status", "staleness"].forEach(function (key) {
          if (ok && want[key] && row.getAttribute("data-" + key) !== want[key]) { ok = false; }
        });
        if (ok && want.tags && row.getAttribute("data-tags").split(" ").indexOf(want.tags) < 0) { ok = false; }
        var show = ok && (showAll || visible < limit);
        if (row.hidden !== !show) { row.hidden = !show; }
        if (ok) { count += 1; }
        if (show) { visible += 1; }
      });
      if (shown) {
        shown.textContent = visible === count ? "Showing " + count + " of " + rows.length
          : count === rows.length ? "Showing the first " + visible + " of " + count
            : "Showing the first " + visible + " of " + count + " matching (" + rows.length + " in all)";
      }
      if (more) {
        more.hidden = visible === count;
        more.querySelector("[data-sop-show-all]").textContent = "Show all " + count;
      }
    }
    if (more) {
      more.querySelector("[data-sop-show-all]").addEventListener("click", function () {
        showAll = true;
        apply();
      });
    }
    filters.forEach(function (el) {
      el.addEventListener("input", apply);
      el.addEventListener("change", apply);
    });

    var sortKey = null;
    var ascending = true;
    Array.prototype.forEach.call(table.querySelectorAll("[data-sop-sort]"), function (button) {
      button.addEventListener("click", function () {
        var key = button.getAttribute("data-sop-sort");
        ascending = sortKey === key ? !ascending : true;
        sortKey = key;
        Array.prototype.forEach.call(table.querySelectorAll("th"), function (th) { th.removeAttribute("aria-sort"); });
        button.closest("th").setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var attrName = key === "reviewed" ? "data-reviewed" : "data-" + key;
        var rank = RANK[key];
        rows.sort(function (a, b) {
          var x = a.getAttribute(attrName) || "";
          var y = b.getAttribute(attrName) || "";
          var result = rank ? (rank[x] || 99) - (rank[y] || 99) : x.localeCompare(y);
          if (result === 0) { result = a.getAttribute("data-title").localeCompare(b.getAttribute("data-title")); }
          return ascending ? result : -result;
        });
        apply(); /* the first rows in the new order are the ones shown */
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
    refreshCounts(catalog);
    apply();
  }

  /* --- search: sopdocs-search.js ------------------------------------------------- */

  /* The catalog and Search pages load sopdocs-search.js right after the search box, so
     the box works while a large catalog is still loading its table. A page shown another
     way (Material's instant navigation) gets it here. */
  function setupSearchBoxes() {
    var boxes = document.querySelectorAll("[data-sop-search]:not([data-sop-search-ready])");
    if (!boxes.length) { return; }
    if (window.sopdocsSearch) { window.sopdocsSearch(); return; }
    var script = document.createElement("script");
    script.src = new URL("sopdocs-search.js", SCRIPT_URL).href; /* beside this script */
    document.body.appendChild(script);
  }

  /* --- copy buttons ------------------------------------------------------------------ */

  function copyText(text, button) {
    function done(ok) {
      button.textContent = ok ? "Copied" : "Copy failed";
      window.setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      return;
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    done(ok);
  }

  function setupCopy() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-sop-copy]") : null;
      if (!button) { return; }
      var code = button.closest(".sop-code").querySelector("code");
      copyText(code ? code.textContent : "", button);
    });
  }

  /* --- print ----------------------------------------------------------------------- */

  /* A printed page shows what <details> hold: open them for printing, then close again
     those that were closed. (sopdocs.css prints their content too, for browsers that
     print without these events.) */
  function setupPrint() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (el) {
        el.setAttribute("open", "");
        return true;
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (el) { el.removeAttribute("open"); });
      opened = [];
    });
  }

  function init() {
    setupSearchBoxes();
    refreshStaleness();
    Array.prototype.forEach.call(document.querySelectorAll("[data-sop-run]"), setupRun);
    Array.prototype.forEach.call(document.querySelectorAll(".sop-catalog"), setupCatalog);
  }

  setupCopy();
  setupPrint();
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init); /* Material's instant navigation */
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
