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

  function load() {
    if (loaded) {
      return;
    }
    loaded = true;
    if ("MutationObserver" in window) {
      new MutationObserver(fixHeadingLevels).observe(thread, { childList: true, subtree: true });
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
