// One beacon per view, for the site's own stats: no cookie, nothing kept.
(function () {
  var d = document, n = navigator, s = d.currentScript, p = s.dataset.path,
    q = location.search, k = "stats-off", out = d.getElementById("stats-state"), off;
  try { // the author's opt-out: a flag in her browser
    if (q == "?stats=off") localStorage.setItem(k, 1);
    if (q == "?stats=on") localStorage.removeItem(k);
    off = localStorage.getItem(k);
  } catch (e) {}
  if (out) out.textContent = off ? "not counted" : "counted";
  if (off || !p || !n.sendBeacon || n.doNotTrack == "1" || n.globalPrivacyControl) return;
  function send(b) { n.sendBeacon(s.dataset.to + "/count", JSON.stringify(b)); }
  function view() { send({p: p, r: d.referrer, q: q}); }
  if (d.prerendering) d.addEventListener("prerenderingchange", view, {once: true});
  else view();
  d.addEventListener("click", function (e) { // the link opens at once
    if (e.target.closest("a[data-apply]")) send({p: p, e: "apply"});
  });
})();
