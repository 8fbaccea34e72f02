/* The search page: searches the site's Pagefind index (/pagefind/, built with the
   site) in the browser and shows the results. The form is a plain GET form, so the
   query and filters live in the address (/search/?q=python&mode=remote) and can be
   shared; this script reads them from there, keeps them there, and renders results
   with text only (Pagefind's excerpt keeps its <mark>s and nothing else).
   Loaded on this page only; without it the page says search needs JavaScript. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search-form]");
  var status = document.querySelector("[data-search-status]");
  var list = document.querySelector("[data-search-results]");
  var more = document.querySelector("[data-search-more]");
  var unavailable = document.querySelector("[data-search-unavailable]");
  if (!form || !status || !list || !window.URLSearchParams || !window.fetch) {
    return;
  }
  var input = form.querySelector("input[name=q]");
  var filters = form.querySelectorAll("[data-search-filter]");
  var sort = form.querySelector("[data-search-sort]");
  var headerInput = document.getElementById("site-search-q");
  var pageSize = parseInt(form.getAttribute("data-page-size"), 10) || 10;
  var bundle = new URL(form.getAttribute("data-search-bundle"), document.baseURI).href;
  var siteRoot = new URL(form.getAttribute("data-site-root"), document.baseURI).pathname;
  var baseTitle = document.title;
  var pagefind = null;
  var results = [];
  var shown = 0;
  var latest = 0;
  var typingTimer = 0;

  function load() {
    if (!pagefind) {
      pagefind = import(bundle + "pagefind.js").then(function (module) {
        // The main thread: only this page's policy allows WebAssembly (no worker).
        return module.options({ baseUrl: siteRoot, excerptLength: 24, noWorker: true })
          .then(function () { return module; });
      });
    }
    return pagefind;
  }

  function chosen() {
    var state = { q: input.value.trim(), filters: {}, sort: sort ? sort.value : "" };
    Array.prototype.forEach.call(filters, function (control) {
      if (control.value) { state.filters[control.name] = control.value; }
    });
    return state;
  }

  function fromAddress() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    Array.prototype.forEach.call(filters, function (control) {
      setSelect(control, params.get(control.name) || "");
    });
    if (sort) { setSelect(sort, params.get(sort.name) || ""); }
  }

  function setSelect(control, value) {
    var known = Array.prototype.some.call(control.options, function (option) {
      return option.value === value;
    });
    control.value = known ? value : "";
  }

  function toAddress(state, push) {
    var params = new URLSearchParams();
    if (state.q) { params.set("q", state.q); }
    Object.keys(state.filters).forEach(function (name) { params.set(name, state.filters[name]); });
    if (state.sort) { params.set("sort", state.sort); }
    var query = params.toString();
    var address = location.pathname + (query ? "?" + query : "");
    if (address !== location.pathname + location.search && window.history) {
      history[push ? "pushState" : "replaceState"](null, "", address);
    }
    document.title = state.q ? "\u201c" + state.q + "\u201d \u00b7 " + baseTitle : baseTitle;
    if (headerInput) { headerInput.value = state.q; }
  }

  function pagefindOptions(state) {
    var options = { filters: {} };
    Array.prototype.forEach.call(filters, function (control) {
      var value = state.filters[control.name];
      if (!value) { return; }
      var anywhere = control.getAttribute("data-search-anywhere");
      options.filters[control.name] = anywhere ? { any: [value, anywhere] } : value;
    });
    if (state.sort === "date") { options.sort = { date: "desc" }; }
    return options;
  }

  function describe(state, count) {
    var noun = count === 1 ? "result" : "results";
    var what = state.q ? " for \u201c" + state.q + "\u201d" : "";
    var narrowed = Object.keys(state.filters).length ? " with these filters" : "";
    return (count === 0 ? "No " + noun : count + " " + noun) + what + narrowed + ".";
  }

  function search(state) {
    var ticket = ++latest;
    if (!state.q && !Object.keys(state.filters).length) {
      results = [];
      list.textContent = "";
      more.hidden = true;
      status.textContent = "";
      return Promise.resolve();
    }
    form.setAttribute("aria-busy", "true");
    return load().then(function (module) {
      return module.search(state.q || null, pagefindOptions(state));
    }).then(function (found) {
      if (ticket !== latest) { return null; }
      results = (found && found.results) || [];
      list.textContent = "";
      shown = 0;
      return showMore(false).then(function () {
        if (ticket === latest) { status.textContent = describe(state, results.length); }
      });
    }).catch(function () {
      if (ticket !== latest) { return; }
      status.textContent = "Search could not load.";
      if (unavailable) { unavailable.hidden = false; }
      form.hidden = true;
    }).then(function () {
      if (ticket === latest) { form.removeAttribute("aria-busy"); }
    });
  }

  function showMore(moveFocus) {
    var next = results.slice(shown, shown + pageSize);
    shown += next.length;
    return Promise.all(next.map(function (result) { return result.data(); }))
      .then(function (pages) {
        var first = null;
        pages.forEach(function (data) {
          var item = renderResult(data);
          first = first || item;
          list.appendChild(item);
        });
        more.hidden = shown >= results.length;
        if (moveFocus && first) { first.querySelector("a").focus(); }
      });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function renderResult(data) {
    var meta = data.meta || {};
    var item = element("li", "search-result");
    var heading = element("h2", "search-result-title");
    var link = element("a", "", meta.title || data.url);
    link.href = data.url;
    heading.appendChild(link);
    item.appendChild(heading);
    var facts = [meta.type, meta.date, meta.detail].filter(Boolean).join(" \u00b7 ");
    if (facts) { item.appendChild(element("p", "meta", facts)); }
    if (meta.summary) { item.appendChild(element("p", "search-result-summary", meta.summary)); }
    if (data.excerpt) {
      var excerpt = element("p", "search-result-excerpt");
      appendMarked(excerpt, data.excerpt);
      item.appendChild(excerpt);
    }
    return item;
  }

  // Pagefind's excerpt is text with <mark> around the words found: copy the text and
  // the marks, nothing else (an inert document parses it; no markup is ever inserted).
  function appendMarked(target, excerpt) {
    var parsed = new DOMParser().parseFromString(excerpt, "text/html").body;
    Array.prototype.forEach.call(parsed.childNodes, function (node) {
      if (node.nodeType === 1 && node.nodeName === "MARK") {
        target.appendChild(element("mark", "", node.textContent));
      } else {
        target.appendChild(document.createTextNode(node.textContent));
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(typingTimer);
    var state = chosen();
    toAddress(state, true);
    search(state);
  });
  Array.prototype.forEach.call(form.querySelectorAll("select"), function (control) {
    control.addEventListener("change", function () {
      var state = chosen();
      toAddress(state, false);
      search(state);
    });
  });
  input.addEventListener("input", function () {
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(function () {
      var state = chosen();
      toAddress(state, false);
      search(state);
    }, 300);
  });
  input.addEventListener("focus", function () { load().catch(function () {}); });
  more.addEventListener("click", function () { showMore(true); });
  window.addEventListener("popstate", function () {
    fromAddress();
    search(chosen());
  });

  fromAddress();
  var initial = chosen();
  toAddress(initial, false);
  search(initial);
})();
