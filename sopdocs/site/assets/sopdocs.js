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

  /* --- checklists: the run ------------------------------------------------------ */

  var KINDS = { "pre": "Precondition", "step": "Step", "verify": "Check", "rollback": "Rollback step" };

  /* A value as one shell word that is only ever data: single quotes, with each quote
     written as '\'' (close, escaped quote, reopen). */
  function shellQuote(value) {
    return "'" + String(value).replace(/'/g, "'\\''") + "'";
  }

  function itemLabel(box) {
    var id = box.getAttribute("data-sop-item");
    var text = document.getElementById(id + "-text");
    var words = (text ? text.textContent : box.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim();
    var match = /^([a-z]+)-(\d+)$/.exec(id) || [null, id, ""];
    return { kind: (KINDS[match[1]] || match[1]) + " " + match[2], text: words };
  }

  function setupRun(run) {
    var sopId = run.getAttribute("data-sop-run");
    var version = run.getAttribute("data-sop-version") || "";
    var base = sopId + ":" + version;
    var runKey = "sopdocs:run:" + base;
    var previousKey = "sopdocs:previous-run:" + base;
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-sop-item]"));
    var counted = boxes.filter(function (box) {
      return box.getAttribute("data-sop-item").indexOf("rollback-") !== 0;
    });
    var progress = run.querySelector("[data-sop-progress]");
    var bar = run.querySelector("[data-sop-progress-bar]");
    var note = run.querySelector("[data-sop-note]");
    var params = document.querySelector("[data-sop-params]");
    var fields = params ? Array.prototype.slice.call(params.querySelectorAll("[data-sop-param]")) : [];
    var runBy = params ? params.querySelector("[data-sop-run-by]") : null;
    var commands = Array.prototype.slice.call(document.querySelectorAll(".sop-code--command pre > code"));
    var ticks = {};
    var runId = storage.get(runKey) || newRun();

    function newRun() {
      var id = Date.now().toString(36) + "-" + Math.floor(Math.random() * 1e6).toString(36);
      storage.set(runKey, id);
      return id;
    }
    function checksKey() { return "sopdocs:checks:" + base + ":" + runId; }
    function valuesKey() { return "sopdocs:values:" + base + ":" + runId; }
    function readJSON(key, fallback) {
      try { return JSON.parse(storage.get(key) || "null") || fallback; } catch (e) { return fallback; }
    }
    function load() {
      var saved = readJSON(checksKey(), {});
      ticks = {};
      if (Array.isArray(saved)) { saved.forEach(function (id) { ticks[id] = ""; }); } /* before times were kept */
      else { Object.keys(saved).forEach(function (id) { ticks[id] = String(saved[id] || ""); }); }
      boxes.forEach(function (box) { box.checked = ticks.hasOwnProperty(box.getAttribute("data-sop-item")); });
      var values = readJSON(valuesKey(), {});
      fields.forEach(function (field) {
        var name = field.getAttribute("data-sop-param");
        field.value = values.hasOwnProperty(name) ? values[name] : field.getAttribute("data-sop-default");
      });
      if (runBy) { runBy.value = values.hasOwnProperty("__run_by") ? values.__run_by : (storage.get("sopdocs:run-by") || ""); }
    }
    function saveTicks() { storage.set(checksKey(), JSON.stringify(ticks)); }
    function saveValues() {
      var values = {};
      fields.forEach(function (field) { values[field.getAttribute("data-sop-param")] = field.value; });
      if (runBy) {
        values.__run_by = runBy.value;
        if (runBy.value) { storage.set("sopdocs:run-by", runBy.value); }
      }
      storage.set(valuesKey(), JSON.stringify(values));
    }
    function currentValues() {
      var values = [];
      fields.forEach(function (field) {
        if (field.value !== "") { values.push({ name: field.getAttribute("data-sop-param"), value: field.value }); }
      });
      return values;
    }
    /* Each command that uses a parameter starts with `export NAME='value'` lines, shown
       and copied with it; the value is data, never code. */
    function applyValues() {
      var values = currentValues();
      commands.forEach(function (code) {
        var prefix = code.querySelector("[data-sop-env]");
        if (!prefix) {
          prefix = document.createElement("span");
          prefix.className = "sop-env";
          prefix.setAttribute("data-sop-env", "");
          code.insertBefore(prefix, code.firstChild);
        }
        var source = Array.prototype.slice.call(code.childNodes, 1).map(function (n) { return n.textContent; }).join("");
        var lines = values.filter(function (v) {
          return new RegExp("\\$(\\{" + v.name + "[}:]|" + v.name + "(?![A-Za-z0-9_]))").test(source);
        }).map(function (v) { return "export " + v.name + "=" + shellQuote(v.value) + "\n"; });
        prefix.textContent = lines.join("");
      });
      if (params) {
        var state = params.querySelector("[data-sop-params-state]");
        if (state) { state.textContent = "(" + values.length + " of " + fields.length + " filled in)"; }
      }
    }
    function update() {
      var done = counted.filter(function (box) { return box.checked; }).length;
      if (progress) { progress.textContent = done + " of " + counted.length + " done"; }
      if (bar) { bar.value = done; }
      boxes.forEach(function (box) {
        var item = box.closest("li");
        if (item) { item.classList.toggle("sop-done", box.checked); }
      });
    }
    function say(text) {
      if (note) { note.textContent = text; window.setTimeout(function () { if (note.textContent === text) { note.textContent = ""; } }, 4000); }
    }

    function runLog() {
      var title = run.getAttribute("data-sop-title") || sopId;
      var lines = ["### Run log: " + title, "", "- SOP: `" + sopId + "` version " + version];
      if (runBy && runBy.value.trim()) { lines.push("- Run by: " + runBy.value.trim()); }
      lines.push("- Page: " + window.location.href.split("#")[0]);
      var values = currentValues();
      if (values.length) {
        lines.push("- Parameters: " + values.map(function (v) { return v.name + "=" + shellQuote(v.value); }).join(", "));
      }
      if (params) {
        var secrets = Array.prototype.map.call(params.querySelectorAll(".sop-param-secrets code"), function (c) { return c.textContent; });
        if (secrets.length) { lines.push("- Secrets (not recorded): " + secrets.join(", ")); }
      }
      var last = -1;
      counted.forEach(function (box, i) { if (box.checked) { last = i; } });
      var skipped = 0;
      var entries = [];
      boxes.forEach(function (box) {
        var label = itemLabel(box);
        var index = counted.indexOf(box);
        var text = label.kind + (label.text ? ": " + label.text : "");
        if (box.checked) {
          var when = ticks[box.getAttribute("data-sop-item")];
          entries.push("- [x] " + (when ? when.replace("T", " ").replace(/\.\d+Z$/, "Z") : "(time not recorded)") + " " + text);
        } else if (index >= 0 && index < last) {
          skipped += 1;
          entries.push("- [ ] SKIPPED " + text);
        }
      });
      var done = counted.filter(function (box) { return box.checked; }).length;
      lines.push("- Progress: " + done + " of " + counted.length + " done" + (skipped ? ", " + skipped + " skipped" : "") +
        ", " + (counted.length - last - 1) + " not reached", "");
      return lines.concat(entries.length ? entries : ["- Nothing ticked yet."]).join("\n") + "\n";
    }

    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        var id = box.getAttribute("data-sop-item");
        if (box.checked) { ticks[id] = new Date().toISOString(); } else { delete ticks[id]; }
        saveTicks();
        update();
      });
    });
    fields.concat(runBy ? [runBy] : []).forEach(function (field) {
      field.addEventListener("input", function () { saveValues(); applyValues(); });
      field.addEventListener("change", function () { saveValues(); applyValues(); });
    });
    if (params) { params.hidden = false; }

    var log = run.querySelector("[data-sop-log]");
    if (log) {
      log.addEventListener("click", function () {
        var text = runLog();
        run.setAttribute("data-sop-last-log", text); /* what was copied, for a reader without a clipboard */
        copyText(text, function (ok) { say(ok ? "Run log copied (Markdown)." : "Copy failed: select the text of the page instead."); });
      });
    }

    var confirm = run.querySelector("[data-sop-confirm]");
    var undoBar = run.querySelector("[data-sop-undo-bar]");
    var reset = run.querySelector("[data-sop-reset]");
    function startNewRun() {
      storage.set(previousKey, runId);
      runId = newRun();
      load(); update(); applyValues();
      if (confirm) { confirm.hidden = true; }
      if (undoBar) {
        undoBar.hidden = false;
        undoBar.querySelector("[data-sop-undo]").focus();
      }
    }
    if (reset) {
      reset.addEventListener("click", function () {
        var ticked = Object.keys(ticks).length;
        if (!ticked || !confirm) { startNewRun(); return; }
        run.querySelector("[data-sop-confirm-text]").textContent = "Start a new run? The " + ticked +
          (ticked === 1 ? " tick" : " ticks") + " of this run are cleared (you can undo).";
        if (undoBar) { undoBar.hidden = true; }
        confirm.hidden = false;
        confirm.querySelector("[data-sop-confirm-yes]").focus();
      });
    }
    if (confirm) {
      confirm.querySelector("[data-sop-confirm-yes]").addEventListener("click", startNewRun);
      var cancel = function () { confirm.hidden = true; if (reset) { reset.focus(); } };
      confirm.querySelector("[data-sop-confirm-no]").addEventListener("click", cancel);
      confirm.addEventListener("keydown", function (event) { if (event.key === "Escape") { cancel(); } });
    }
    if (undoBar) {
      undoBar.querySelector("[data-sop-undo]").addEventListener("click", function () {
        var previous = storage.get(previousKey);
        if (previous) {
          storage.remove(checksKey());
          storage.remove(valuesKey());
          runId = previous;
          storage.set(runKey, runId);
          storage.remove(previousKey);
          load(); update(); applyValues();
        }
        undoBar.hidden = true;
        say("The previous run is back.");
        if (reset) { reset.focus(); }
      });
    }
    var print = run.querySelector("[data-sop-print]");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
    load();
    update();
    applyValues();
  }

  /* On a phone the introduction shows its first lines (sopdocs.css), so the checklist
     starts on the first screen; a button shows the rest. */
  function setupIntro(intro) {
    if (intro.querySelector(".sop-intro-more")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sop-intro-more";
    button.textContent = "Read the whole introduction";
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function () {
      var open = intro.classList.toggle("sop-intro--clamped");
      button.setAttribute("aria-expanded", open ? "false" : "true");
      button.textContent = open ? "Read the whole introduction" : "Show less";
    });
    intro.appendChild(button);
    intro.classList.add("sop-intro--clamped");
    /* Only a button that hides something: a short introduction has none. */
    var first = intro.firstElementChild;
    var hidesMore = intro.children.length > 2 || (first && first.scrollHeight > first.clientHeight + 1);
    button.hidden = !hidesMore || window.matchMedia("(min-width: 45em)").matches;
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

  /* The header's search box is on every page. The catalog and Search pages load
     sopdocs-search.js early, so search works while a large catalog is still loading its
     table; other pages (and pages shown by Material's instant navigation) get it here. */
  function setupSearch() {
    if (window.sopdocsSearch) { window.sopdocsSearch(); return; }
    if (document.querySelector("script[data-sop-search-script]")) { return; }
    var script = document.createElement("script");
    script.src = new URL("sopdocs-search.js", SCRIPT_URL).href; /* beside this script */
    script.setAttribute("data-sop-search-script", "");
    document.body.appendChild(script);
  }

  /* --- copy buttons ------------------------------------------------------------------ */

  /* Copies text; tells `done` whether it worked. The clipboard API needs a secure
     context (HTTPS, localhost); a copy opened from disk falls back to execCommand. */
  function copyText(text, done) {
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
      copyText(code ? code.textContent : "", function (ok) {
        button.textContent = ok ? "Copied" : "Copy failed";
        window.setTimeout(function () { button.textContent = "Copy"; }, 1500);
      });
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
    setupSearch();
    refreshStaleness();
    Array.prototype.forEach.call(document.querySelectorAll("[data-sop-run]"), setupRun);
    Array.prototype.forEach.call(document.querySelectorAll(".sop-intro"), setupIntro);
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
