/* Loads Isso's comment client from our own comment server, only when the comment
   section comes near the viewport: nothing is fetched for readers who never scroll there.
   Isso's own stylesheet, avatars and votes stay off (the theme styles it; no inline styles). */
(function () {
  "use strict";
  var thread = document.getElementById("isso-thread");
  var server = thread && thread.getAttribute("data-comments-server");
  if (!server || !/^https?:\/\//.test(server)) {
    return;
  }
  server = server.replace(/\/+$/, "");
  var loaded = false;

  var options = {
    "data-isso": server + "/",
    "data-isso-css": "false",
    "data-isso-avatar": "false",
    "data-isso-vote": "false",
    "data-isso-lang": document.documentElement.lang || "en",
    "data-isso-sorting": "oldest",
    "data-isso-no-comments-text-en": "Write a comment",
    "data-isso-num-comments-text-en": "Write a comment",
    "data-isso-postbox-text-text-en": "Your comment (Markdown works; comments appear after moderation)"
  };

  // Isso titles the thread with an <h4>; under the page's <h2> "Comments" it is level 3.
  function fixHeadingLevels() {
    var headings = thread.querySelectorAll(".isso-thread-heading:not([aria-level])");
    for (var i = 0; i < headings.length; i++) {
      headings[i].setAttribute("aria-level", "3");
    }
  }

  // Names as the build shows them (plugins/comments/sanitize.py, author_name): no control,
  // direction or zero-width characters, at most 80 characters; a reader who types the
  // recruiter's name gets the same visible mark as in archived comments (comment_item.html).
  var INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
  var MAX_NAME = 80;
  var pageAuthor = nameKey(thread.getAttribute("data-page-author") || "");

  function shownName(raw) {
    var name = raw.replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
    var characters = Array.from ? Array.from(name) : name.split("");
    if (characters.length > MAX_NAME) {
      name = characters.slice(0, MAX_NAME - 1).join("").replace(/\s+$/, "") + "\u2026";
    }
    return name;
  }

  // Compared as a reader sees them: case, width and spacing do not count (like _name_key).
  function nameKey(name) {
    var text = name.normalize ? name.normalize("NFKC") : name;
    return text.replace(INVISIBLE, "").toUpperCase().toLowerCase().replace(/\s+/g, " ").trim();
  }

  function fixAuthorNames() {
    var names = thread.querySelectorAll(".isso-comment .isso-author:not([data-name-shown])");
    for (var i = 0; i < names.length; i++) {
      var element = names[i];
      element.setAttribute("data-name-shown", "");
      var name = shownName(element.textContent || "");
      if (name !== element.textContent) {
        element.textContent = name;
      }
      if (pageAuthor && nameKey(name) === pageAuthor) {
        var mark = document.createElement("span");
        mark.className = "comment-badge comment-badge-reader";
        mark.textContent = "a reader, not the author";
        element.parentNode.insertBefore(mark, element.nextSibling);
        element.parentNode.insertBefore(document.createTextNode(" "), mark);
      }
    }
  }

  function onChange() {
    fixHeadingLevels();
    fixAuthorNames();
  }

  function load() {
    if (loaded) {
      return;
    }
    loaded = true;
    if ("MutationObserver" in window) {
      new MutationObserver(onChange).observe(thread, { childList: true, subtree: true });
    }
    var script = document.createElement("script");
    script.src = server + "/js/embed.min.js";
    script.async = true;
    Object.keys(options).forEach(function (name) {
      script.setAttribute(name, options[name]);
    });
    document.body.appendChild(script);
  }

  if (!("IntersectionObserver" in window)) {
    load();
    return;
  }
  var observer = new IntersectionObserver(function (entries) {
    for (var i = 0; i < entries.length; i++) {
      if (entries[i].isIntersecting) {
        observer.disconnect();
        load();
        return;
      }
    }
  }, { rootMargin: "0px 0px 600px 0px" });
  observer.observe(thread);
})();
