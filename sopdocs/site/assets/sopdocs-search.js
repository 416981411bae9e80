/* sopdocs catalog site: the search box (Pagefind, loaded from this site only). The
 * catalog and Search pages load this script right after the box, so the box works while
 * a large catalog page is still loading its table; sopdocs.js loads it for a page shown
 * another way. No inline script, no request to another host. */
(function () {
  "use strict";

  /* Pagefind UI takes its filter groups from its first search that returns any, and
     keeps them. A search that ends while some filter chunks are still loading returns
     only the loaded groups: the owner filter, say, would then be missing until the page
     is reloaded. So load every filter chunk here (the same module instance as the UI's),
     and if a search has already run, run it again with the same selection: it now
     returns every group. */
  function loadAllFilters(ui, el, moduleUrl) {
    import(moduleUrl).then(function (pagefind) { return pagefind.filters(); }).then(function () {
      var input = el.querySelector(".pagefind-ui__search-input");
      if (!input || !input.value) { return; }
      var selected = {};
      el.querySelectorAll(".pagefind-ui__filter-checkbox:checked").forEach(function (box) {
        (selected[box.name] = selected[box.name] || []).push(box.value);
      });
      ui.triggerFilters(selected);
    }, function () { /* the UI reports a missing or broken index itself */ });
  }

  function setupSearch(el) {
    var container = el.closest("[data-sop-root]");
    var root = new URL(container ? container.getAttribute("data-sop-root") : "./", window.location.href);
    /* The catalog page has a filter below the box; the Search page has none. */
    var filter = container && container.classList.contains("sop-catalog") ? "The filter below" : "The catalog page's filter";
    function note(text) {
      var p = document.createElement("p");
      p.className = "sop-search-note";
      p.textContent = text;
      el.appendChild(p);
    }
    if (window.location.protocol === "file:") {
      note("Full-text search works when the site is served over HTTP. " + filter + " works everywhere.");
      return;
    }
    /* A visible label for the box (Pagefind UI gives it only a title). */
    function label(input) {
      searchBoxes += 1;
      input.id = input.id || "sop-search-input-" + searchBoxes;
      var text = document.createElement("label");
      text.className = "sop-search-label";
      text.htmlFor = input.id;
      text.textContent = "Search the SOPs";
      el.insertBefore(text, el.firstChild);
    }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("pagefind/pagefind-ui.css", root).href;
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = new URL("pagefind/pagefind-ui.js", root).href;
    script.onload = function () {
      /* global PagefindUI */
      var ui = new PagefindUI({
        element: el,
        baseUrl: root.pathname,
        showImages: false,
        showSubResults: false,
        resetStyles: false,
        debounceTimeoutMs: 100,
        translations: { placeholder: "Search SOPs: title, id, owner, tag, words in steps" }
      });
      var input = el.querySelector("input");
      if (input) { label(input); }
      if (input && container && container.hasAttribute("data-sop-autofocus")) { input.focus(); }
      loadAllFilters(ui, el, new URL("pagefind/pagefind.js", root).href);
    };
    script.onerror = function () {
      note("Search index not found: build the site with `sopdocs build`. " + filter + " still works.");
    };
    document.body.appendChild(script);
  }

  var searchBoxes = 0;

  /* Every search box of the page that is not set up yet. */
  function setupAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-sop-search]"), function (el) {
      if (el.hasAttribute("data-sop-search-ready")) { return; }
      el.setAttribute("data-sop-search-ready", "");
      setupSearch(el);
    });
  }

  window.sopdocsSearch = setupAll;
  setupAll();
})();
