/* sopdocs offline search: Pagefind's API over the index an offline build ships as a
 * script (offline-index.js, beside this file), for a copy of the site opened from disk,
 * where a page can neither fetch() files nor load Pagefind's WebAssembly.
 *
 *   var engine = window.sopdocsOfflineEngine;
 *   var search = await engine.search("drain node", {filters: {owner: ["team-a"]}});
 *   var data = await search.results[0].data();  // {url, meta, excerpt, filters, ...}
 *   var counts = await engine.filters();        // {owner: {"team-a": 3}, tag: {...}, ...}
 *
 * Every word of the query must start a word of the SOP (its title or text); title
 * matches weigh more; ties keep the catalog's order (by title). URLs are relative to the
 * site root. An excerpt is HTML: the text escaped, matched words in <mark>. A filter
 * value list means every value (as in Pagefind); {any: [...]}, {all: [...]},
 * {none: [...]} say so explicitly. No request leaves the copy on disk. */
(function () {
  "use strict";

  var SCRIPT_URL = document.currentScript ? document.currentScript.src : window.location.href;
  var WORD = /[\p{L}\p{N}]+/gu;
  var EXCERPT_WORDS = 30;
  var TITLE_WEIGHT = 10;
  var TEXT_HITS_COUNTED = 5;
  var loading = null;

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function words(text) {
    return (String(text || "").toLowerCase().match(WORD) || []);
  }

  /* The index as records the search reads. */
  function prepare(raw) {
    if (!raw || raw.version !== 1) { throw new Error("sopdocs: unknown offline index format"); }
    var keys = Object.keys(raw.filters);
    var records = raw.records.map(function (row, position) {
      var meta = { title: row[1] };
      raw.meta.forEach(function (key, i) { if (row[2][i]) { meta[key] = row[2][i]; } });
      var filters = {};
      keys.forEach(function (key, i) {
        var values = row[3][i].map(function (n) { return raw.filters[key][n]; });
        if (values.length) { filters[key] = values; }
      });
      return {
        position: position, url: row[0], title: row[1], meta: meta, filters: filters, text: row[4],
        lowerTitle: row[1].toLowerCase(),
        lowerText: null /* made on first search */
      };
    });
    return { keys: keys, values: raw.filters, records: records };
  }

  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        if (window.sopdocsOfflineIndex) { resolve(prepare(window.sopdocsOfflineIndex)); return; }
        var script = document.createElement("script");
        script.src = new URL("offline-index.js", SCRIPT_URL).href;
        script.onload = function () {
          try { resolve(prepare(window.sopdocsOfflineIndex)); } catch (e) { reject(e); }
        };
        script.onerror = function () {
          reject(new Error("sopdocs: offline search index not found (build the site with `sopdocs build --offline`)"));
        };
        document.head.appendChild(script);
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function lowerText(record) {
    if (record.lowerText === null) { record.lowerText = record.text.toLowerCase(); }
    return record.lowerText;
  }

  var WORD_CHAR = /[\p{L}\p{N}]/u;

  function wordChar(c) {
    return c < "\x80" ? (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || (c >= "A" && c <= "Z") : WORD_CHAR.test(c);
  }

  /* How many words of the lowercased text start with the term (at most cap). */
  function hits(lower, term, cap) {
    var count = 0;
    var at = lower.indexOf(term);
    while (at >= 0 && count < cap) {
      if (at === 0 || !wordChar(lower.charAt(at - 1))) { count += 1; }
      at = lower.indexOf(term, at + term.length);
    }
    return count;
  }

  function wanted(spec) {
    if (spec === null || spec === undefined) { return null; }
    if (typeof spec === "string") { return { all: [spec] }; }
    if (Array.isArray(spec)) { return { all: spec }; }
    return { any: spec.any, all: spec.all, none: spec.none };
  }

  function passes(record, filters) {
    return Object.keys(filters || {}).every(function (key) {
      var spec = wanted(filters[key]);
      if (!spec) { return true; }
      var has = record.filters[key] || [];
      var inside = function (v) { return has.indexOf(String(v)) >= 0; };
      return (!spec.all || spec.all.every(inside))
        && (!spec.any || !spec.any.length || spec.any.some(inside))
        && (!spec.none || !spec.none.some(inside));
    });
  }

  function count(records, keys) {
    var out = {};
    keys.forEach(function (key) { out[key] = {}; });
    records.forEach(function (record) {
      keys.forEach(function (key) {
        (record.filters[key] || []).forEach(function (value) { out[key][value] = (out[key][value] || 0) + 1; });
      });
    });
    return out;
  }

  /* About EXCERPT_WORDS words of the text where the most query words match (the first
     such place), escaped, with each matched word in <mark>; the start of the text when
     only the title matched. */
  function excerpt(text, terms) {
    var found = [];
    var match;
    WORD.lastIndex = 0;
    while ((match = WORD.exec(text)) !== null) {
      found.push({ start: match.index, end: match.index + match[0].length, term: -1 });
    }
    if (!found.length) { return ""; }
    var hitsAt = [];
    found.forEach(function (word, i) {
      var lower = text.slice(word.start, word.end).toLowerCase();
      for (var t = 0; t < terms.length; t += 1) {
        if (lower.lastIndexOf(terms[t], 0) === 0) { word.term = t; hitsAt.push(i); break; }
      }
    });
    var lead = Math.floor(EXCERPT_WORDS / 3);
    var first = hitsAt.length ? hitsAt[0] : 0;
    var best = -1;
    hitsAt.slice(0, 200).forEach(function (at) {
      var seen = {};
      for (var k = at; k < Math.min(found.length, at + EXCERPT_WORDS - lead); k += 1) {
        if (found[k].term >= 0) { seen[found[k].term] = true; }
      }
      var distinct = Object.keys(seen).length;
      if (distinct > best) { best = distinct; first = at; }
    });
    var from = Math.max(0, Math.min(first - lead, found.length - EXCERPT_WORDS));
    var to = Math.min(found.length, from + EXCERPT_WORDS);
    var out = "";
    for (var j = from; j < to; j += 1) {
      if (j > from) { out += escapeHtml(text.slice(found[j - 1].end, found[j].start).replace(/\s+/g, " ")); }
      var word = escapeHtml(text.slice(found[j].start, found[j].end));
      out += found[j].term >= 0 ? "<mark>" + word + "</mark>" : word;
    }
    return out;
  }

  function result(record, score, terms) {
    return {
      id: record.url,
      score: score,
      data: function () {
        return Promise.resolve({
          url: record.url,
          raw_url: record.url,
          meta: Object.assign({}, record.meta),
          filters: JSON.parse(JSON.stringify(record.filters)),
          excerpt: excerpt(record.text, terms),
          content: record.text,
          word_count: words(record.text).length,
          sub_results: []
        });
      }
    };
  }

  function search(query, options) {
    return load().then(function (index) {
      var terms = words(query);
      var filters = (options && options.filters) || {};
      var filtered = Object.keys(filters).length > 0;
      if (!terms.length && !filtered) {
        return { results: [], unfilteredResultCount: 0, filters: count([], index.keys), totalFilters: count([], index.keys) };
      }
      var matched = [];
      index.records.forEach(function (record) {
        var score = 0;
        for (var i = 0; i < terms.length; i += 1) {
          var title = hits(record.lowerTitle, terms[i], 1);
          var text = hits(lowerText(record), terms[i], TEXT_HITS_COUNTED);
          if (!title && !text) { return; }
          score += title * TITLE_WEIGHT + text;
        }
        matched.push({ record: record, score: score });
      });
      var kept = matched.filter(function (m) { return passes(m.record, filters); });
      kept.sort(function (a, b) { return b.score - a.score || a.record.position - b.record.position; });
      return {
        results: kept.map(function (m) { return result(m.record, m.score, terms); }),
        unfilteredResultCount: matched.length,
        filters: count(kept.map(function (m) { return m.record; }), index.keys),
        totalFilters: count(matched.map(function (m) { return m.record; }), index.keys)
      };
    });
  }

  window.sopdocsOfflineEngine = {
    init: function () { return load().then(function () { return undefined; }); },
    preload: function () { return load().then(function () { return undefined; }); },
    search: search,
    debouncedSearch: function (query, options) { return search(query, options); },
    filters: function () {
      return load().then(function (index) { return count(index.records, index.keys); });
    }
  };
})();
