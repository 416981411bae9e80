/* sopdocs catalog site: search. A search box in the header of every page (`/` focuses
 * it) and the Search page's box with filters, over Pagefind's JavaScript API when the
 * site is served over HTTP, and over the offline index (sopdocs-offline.js) when a copy
 * built with `sopdocs build --offline` is opened from disk. Results are sopdocs' own:
 * title, owner, a staleness badge worked out in the reader's browser, status and risk,
 * and the excerpt that matched (text and <mark> only). No inline script, no request to
 * another host. */
(function () {
  "use strict";

  if (window.sopdocsSearch) { window.sopdocsSearch(); return; }

  var SCRIPT_URL = document.currentScript ? document.currentScript.src : window.location.href;
  var PRELOAD = !!(document.currentScript && document.currentScript.hasAttribute("data-sop-search-preload"));
  var ROOT = new URL("../../", SCRIPT_URL); /* this script is assets/sopdocs/sopdocs-search.js */
  var PAGE_SIZE = 10;
  /* A search starts once the keys pause this long: fast typing (or a paste replayed key
     by key) makes one search, not one per key, while a reader's usual 100-200 ms between
     keys gets results after every key. (It was 80 ms: 40 ms more after every last key.) */
  var TYPING_PAUSE_MS = 40;
  var DAY = 86400000;
  var STALE = {
    "current": "Current",
    "due-soon": "Review due soon",
    "overdue": "Review overdue",
    "unknown": "Review date unknown"
  };
  var STATUS = { "draft": "Draft", "in-review": "In review", "approved": "Approved", "deprecated": "Deprecated", "retired": "Retired" };
  var FILTERS = [["owner", "Owner"], ["tag", "Tag"], ["status", "Status"], ["layer", "Layer"]];

  /* --- the engine: Pagefind over HTTP, the offline index from disk ---------------- */

  var enginePromise = null;

  function engine() {
    if (enginePromise) { return enginePromise; }
    if (window.location.protocol === "file:") {
      /* An offline build links sopdocs-offline.js on every page; it loads its index on
         the first search. Other copies opened from disk have no search. */
      /* This script may run before the page's last scripts: decide once they have run. */
      enginePromise = new Promise(function (resolve) {
        if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", resolve); } else { resolve(); }
      }).then(function () {
        if (window.sopdocsOfflineEngine) { return window.sopdocsOfflineEngine; }
        throw new Error("Search from disk needs a copy built with `sopdocs build --offline`. The catalog's filter works in any copy.");
      });
    } else {
      /* noWorker: Pagefind on the page's own thread, not in its web worker. The worker's
         script is 41 KiB more to fetch before the first search, and with it the first
         result came no sooner (site_bench at 5,000 SOPs: bench/README.md); a search takes
         some tens of milliseconds. */
      enginePromise = import(new URL("pagefind/pagefind.js", ROOT).href).then(function (pagefind) {
        return Promise.resolve(pagefind.options({ baseUrl: ROOT.pathname, noWorker: true })).then(function () { return pagefind; });
      }).catch(function () {
        throw new Error("The search index was not found: build the site with `sopdocs build`. The catalog's filter still works.");
      });
    }
    return enginePromise;
  }

  /* Get the engine ready for a first search: Pagefind's WebAssembly and metadata, or the
     whole offline index from disk. */
  function warm() {
    return engine().then(function (pf) {
      if (pf === window.sopdocsOfflineEngine && pf.preload) { pf.preload(); }
      else if (pf.init) { pf.init(); }
      return pf;
    });
  }

  /* --- results ------------------------------------------------------------------------ */

  function utcDay(text) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    return match ? Date.UTC(+match[1], +match[2] - 1, +match[3]) : null;
  }

  /* The review state on the reader's date, not the build's. */
  function staleness(meta) {
    var next = utcDay(meta.next_review);
    if (next === null) { return "unknown"; }
    var now = new Date();
    var today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    if (today > next) { return "overdue"; }
    var soon = utcDay(meta.due_soon_from);
    return soon !== null && today >= soon ? "due-soon" : "current";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function badge(kind, value, label) {
    return el("span", "sop-badge sop-" + kind + " sop-" + kind + "--" + value, label);
  }

  /* The excerpt as text with its <mark>s, and nothing else: whatever markup an index
     holds never becomes markup on the page. */
  function excerptNode(html) {
    var p = el("p", "sop-result-excerpt");
    var doc = new DOMParser().parseFromString("<body>" + (html || ""), "text/html");
    Array.prototype.forEach.call(doc.body.childNodes, function (node) {
      if (node.nodeType === 1 && node.tagName === "MARK") { p.appendChild(el("mark", "", node.textContent)); }
      else { p.appendChild(document.createTextNode(node.textContent)); }
    });
    return p;
  }

  /* Pagefind's URLs start with the site's path (its baseUrl); the offline index's are
     relative to the site's root. */
  function resultUrl(url) {
    return /^[a-z]+:|^\//i.test(url) ? url : new URL(url, ROOT).href;
  }

  function resultNode(data) {
    var meta = data.meta || {};
    var item = el("li", "sop-result");
    var title = el("a", "sop-result-link");
    title.setAttribute("href", resultUrl(data.url));
    title.appendChild(el("span", "sop-result-title", meta.title || data.url));
    item.appendChild(title);
    var line = el("div", "sop-result-meta");
    var state = staleness(meta);
    line.appendChild(badge("stale", state, STALE[state]));
    if (meta.status) { line.appendChild(badge("status", meta.status, STATUS[meta.status] || meta.status)); }
    if (meta.risk) { line.appendChild(badge("risk", meta.risk, meta.risk.charAt(0).toUpperCase() + meta.risk.slice(1) + " risk")); }
    if (meta.owner) { line.appendChild(el("span", "sop-result-owner", "Owner: " + meta.owner)); }
    if (meta.id) { line.appendChild(el("code", "sop-result-id", meta.id)); }
    item.appendChild(line);
    item.appendChild(excerptNode(data.excerpt));
    return item;
  }

  /* --- one search box ------------------------------------------------------------------- */

  function SearchBox(input, panel, options) {
    var list = el("ol", "sop-results");
    var message = el("p", "sop-search-message");
    message.setAttribute("role", "status");
    var more = el("button", "sop-show-all sop-results-more", "More results");
    more.type = "button";
    more.hidden = true;
    var filterBox = options.filters ? el("div", "sop-search-filters") : null;
    if (filterBox) { panel.appendChild(filterBox); }
    panel.appendChild(message);
    panel.appendChild(list);
    panel.appendChild(more);
    var timer = null;
    var sequence = 0;
    var results = [];
    var shown = 0;
    var selects = {};

    function selected() {
      var filters = {};
      Object.keys(selects).forEach(function (key) {
        if (selects[key].value) { filters[key] = [selects[key].value]; }
      });
      return filters;
    }

    var filtersShown = false;
    function showFilters(available) {
      if (!filterBox || filtersShown) { return; }
      filtersShown = true;
      FILTERS.forEach(function (pair) {
        var values = Object.keys(available[pair[0]] || {}).sort(function (a, b) { return a.localeCompare(b); });
        if (!values.length) { return; }
        var label = el("label", "sop-filter");
        label.appendChild(document.createTextNode(pair[1] + " "));
        var select = el("select");
        select.setAttribute("data-sop-search-filter", pair[0]);
        select.appendChild(el("option", "", "All")).value = "";
        values.forEach(function (value) {
          var option = el("option", "", (pair[0] === "status" ? STATUS[value] || value : value) + " (" + available[pair[0]][value] + ")");
          option.value = value;
          select.appendChild(option);
        });
        select.addEventListener("change", function () { search(); });
        selects[pair[0]] = select;
        label.appendChild(select);
        filterBox.appendChild(label);
      });
    }

    /* The Search page carries its filters' values and counts (written when the site is
       built): they show at once, and no filter chunk of the index is fetched until a
       reader picks a value. Without them, ask the engine (every filter chunk). */
    if (options.filterValues) { showFilters(options.filterValues); }
    var filtersAsked = false;
    function setupFilters(pf) {
      if (!filterBox || filtersShown || filtersAsked) { return; }
      filtersAsked = true;
      Promise.resolve(pf.filters()).then(showFilters);
    }

    function showMore() {
      var page = results.slice(shown, shown + PAGE_SIZE);
      var mine = sequence;
      /* Each result shows as soon as its data arrives, in the order of the ranking: a
         slot per result, filled when its fragment has loaded. */
      var slots = page.map(function () {
        var slot = el("li", "sop-result-slot");
        slot.hidden = true;
        list.appendChild(slot);
        return slot;
      });
      shown += page.length;
      more.hidden = shown >= results.length;
      return Promise.all(page.map(function (r, i) {
        return Promise.resolve(r.data()).then(function (data) {
          if (mine === sequence) { list.replaceChild(resultNode(data), slots[i]); }
        });
      }));
    }

    function search() {
      var query = input.value.trim();
      var filters = selected();
      var mine = ++sequence;
      if (!query && !Object.keys(filters).length) {
        list.textContent = "";
        message.textContent = "";
        more.hidden = true;
        if (options.onEmpty) { options.onEmpty(); }
        return;
      }
      if (options.onOpen) { options.onOpen(); }
      engine().then(function (pf) {
        setupFilters(pf);
        return pf.search(query || null, { filters: filters });
      }).then(function (found) {
        if (mine !== sequence || !found) { return; }
        /* Keys pressed since this search started: the search of the longer query is on
           its way; fetching this one's results would only be thrown away. */
        if (input.value.trim() !== query) { return; }
        results = found.results || [];
        shown = 0;
        list.textContent = "";
        var what = query ? " for \u201c" + query + "\u201d" : " with these filters";
        message.textContent = results.length ? results.length + (results.length === 1 ? " SOP" : " SOPs") + what
          : "No SOP" + what + ".";
        return showMore().then(function () {
          if (mine === sequence) { input.setAttribute("data-sop-searched", query); } /* for tests and tools */
        });
      }).catch(function (error) {
        if (mine !== sequence) { return; }
        list.textContent = "";
        /* The Search page says it once, above the box (setupPageBox). */
        var said = panel.parentNode && panel.parentNode.querySelector(".sop-search-note");
        message.textContent = said && said.textContent === error.message ? "" : error.message;
        input.setAttribute("data-sop-searched", query);
      });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, TYPING_PAUSE_MS);
      /* Meanwhile, fetch the index chunks the query needs (Pagefind's preload). */
      var query = input.value.trim();
      if (query && enginePromise) {
        enginePromise.then(function (pf) { if (pf.preload && pf !== window.sopdocsOfflineEngine) { pf.preload(query); } }, function () {});
      }
    });
    input.addEventListener("focus", function () {
      warm().then(setupFilters, function () { /* reported on search */ });
    });
    more.addEventListener("click", function () {
      var next = shown;
      showMore().then(function () {
        var link = list.children[next] && list.children[next].querySelector("a");
        if (link) { link.focus(); }
      });
    });
    this.search = search;
    this.first = function () { return list.querySelector("a.sop-result-link"); };
  }

  function searchInput(id, className) {
    var input = el("input", className);
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.spellcheck = false;
    return input;
  }

  /* --- the header box on every page -------------------------------------------------- */

  function setupHeader() {
    var header = document.querySelector(".md-header__inner");
    if (!header || header.querySelector(".sop-hsearch")) { return; }
    var form = el("form", "sop-hsearch");
    form.setAttribute("role", "search");
    var label = el("label", "sop-visually-hidden", "Search SOPs");
    label.htmlFor = "sop-hsearch-input";
    var input = searchInput("sop-hsearch-input", "sop-search-input sop-hsearch-input");
    input.placeholder = "Search SOPs  ( / )";
    input.setAttribute("aria-controls", "sop-hsearch-panel");
    input.setAttribute("aria-keyshortcuts", "/");
    var panel = el("div", "sop-hsearch-panel");
    panel.id = "sop-hsearch-panel";
    panel.hidden = true;
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(panel);
    header.insertBefore(form, header.querySelector(".md-header__option, .md-header__source") || null);
    function close() { panel.hidden = true; }
    var box = new SearchBox(input, panel, {
      filters: false,
      onOpen: function () { panel.hidden = false; },
      onEmpty: close
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var first = box.first();
      if (first) { window.location.href = first.href; } else { box.search(); }
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) {
        event.preventDefault();
        close();
        input.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) { close(); }
    });
    input.addEventListener("focus", function () { if (input.value.trim() && panel.querySelector(".sop-result, .sop-search-message:not(:empty)")) { panel.hidden = false; } });
  }

  /* `/` focuses search, as on GitHub or MDN, unless the reader is typing somewhere. */
  function setupShortcut() {
    if (document.documentElement.hasAttribute("data-sop-slash")) { return; }
    document.documentElement.setAttribute("data-sop-slash", "");
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var target = event.target;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
      var input = document.querySelector("[data-sop-search] .sop-search-input") || document.getElementById("sop-hsearch-input");
      if (input) {
        event.preventDefault();
        input.focus();
        input.select();
      }
    });
  }

  /* --- the Search page's box, with filters -------------------------------------------- */

  function setupPageBox(container) {
    container.setAttribute("data-sop-search-ready", "");
    var label = el("label", "sop-search-label", "Search SOPs: title, id, owner, tag, words in steps");
    label.htmlFor = "sop-search-page-input";
    var input = searchInput("sop-search-page-input", "sop-search-input");
    var panel = el("div", "sop-search-panel");
    container.appendChild(label);
    container.appendChild(input);
    container.appendChild(panel);
    var values = null;
    try { values = JSON.parse(container.getAttribute("data-sop-filters") || "null"); } catch (error) { values = null; }
    var box = new SearchBox(input, panel, { filters: true, filterValues: values });
    engine().catch(function (error) {
      var note = el("p", "sop-search-note", error.message);
      container.insertBefore(note, panel);
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { input.value = query; box.search(); }
    if (container.closest("[data-sop-autofocus]")) { input.focus(); }
  }

  function setupAll() {
    setupHeader();
    setupShortcut();
    Array.prototype.forEach.call(document.querySelectorAll("[data-sop-search]:not([data-sop-search-ready])"), setupPageBox);
  }

  window.sopdocsSearch = setupAll;
  setupAll();
  /* The catalog page loads Pagefind at once (a copy from disk loads its whole offline
     index only when a box is used). */
  if (PRELOAD && window.location.protocol !== "file:") { warm().catch(function () { /* reported on search */ }); }
})();
