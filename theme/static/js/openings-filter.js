/* Openings listing: apply the filter links in place, without a page load.
   Without this script every filter link opens its static filter page instead.
   Filters combine (category AND work mode AND ...); the choice is kept in the
   address (?mode=remote&category=engineering) so it can be shared. */
(function () {
  "use strict";
  var nav = document.querySelector("[data-openings-filters]");
  var list = document.querySelector("[data-openings-list]");
  if (!nav || !list || !window.URLSearchParams || !Element.prototype.closest) {
    return;
  }
  var cards = list.querySelectorAll("[data-opening]");
  var links = nav.querySelectorAll("a[data-facet]");
  var count = document.querySelector("[data-openings-count]");
  var none = document.querySelector("[data-openings-none]");
  var chosen = {};

  function matches(card) {
    return Object.keys(chosen).every(function (facet) {
      var values = (card.getAttribute("data-" + facet) || "").split(" ");
      return values.indexOf(chosen[facet]) !== -1 || values.indexOf("*") !== -1;
    });
  }

  function render(updateAddress) {
    var shown = 0;
    Array.prototype.forEach.call(cards, function (card) {
      var visible = matches(card);
      card.hidden = !visible;
      if (visible) { shown += 1; }
    });
    Array.prototype.forEach.call(links, function (link) {
      var facet = link.getAttribute("data-facet");
      var selected = (chosen[facet] || "") === link.getAttribute("data-value");
      if (selected) { link.setAttribute("aria-current", "true"); }
      else { link.removeAttribute("aria-current"); }
    });
    if (count) {
      count.textContent = shown + (shown === 1 ? " open role" : " open roles") +
        (Object.keys(chosen).length ? " match these filters" : "");
    }
    if (none) { none.hidden = shown !== 0; }
    if (updateAddress && window.history && history.replaceState) {
      var query = new URLSearchParams(chosen).toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
    }
  }

  nav.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-facet]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    var facet = link.getAttribute("data-facet");
    var value = link.getAttribute("data-value");
    if (!value || chosen[facet] === value) { delete chosen[facet]; }
    else { chosen[facet] = value; }
    render(true);
  });

  if (none) {
    none.addEventListener("click", function (event) {
      if (event.target.closest("[data-openings-reset]")) {
        event.preventDefault();
        chosen = {};
        render(true);
      }
    });
  }

  var known = {};
  Array.prototype.forEach.call(links, function (link) {
    known[link.getAttribute("data-facet") + "=" + link.getAttribute("data-value")] = true;
  });
  new URLSearchParams(location.search).forEach(function (value, facet) {
    if (value && known[facet + "=" + value]) { chosen[facet] = value; }
  });
  render(false);
}());
