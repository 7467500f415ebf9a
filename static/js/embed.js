/* Afterword embed (docs/embed.md). <div data-afterword-thread="key"></div> gets the discussion in an iframe
   when scrolled near (at once when the page's address names a comment, #comment-<id>: the frame shows it and
   the page scrolls to it, also when the address changes to one later); <a data-afterword-count="key"> gets
   "N comments". The page and the frame exchange only height, theme and scroll messages, each checking the
   other's origin. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.afterwordEmbed) return;
  window.afterwordEmbed = 1;
  var base = script.src.replace(/\/embed(\.[0-9a-f]+)?\.js([?#].*)?$/, "");
  var origin = new URL(base).origin;
  var frames = [];
  var named = /^#comment-(\d{1,18})$/.exec(location.hash);

  function pageUrl() {
    var canonical = document.querySelector("link[rel=canonical]");
    var url = new URL(canonical ? canonical.href : location.href);
    url.search = url.hash = "";
    return url.href;
  }

  function theme(el) {
    var asked = el.getAttribute("data-afterword-theme");
    if (asked === "light" || asked === "dark") return asked;
    for (var node = el; node && node.nodeType === 1; node = node.parentElement) {
      var rgba = (getComputedStyle(node).backgroundColor.match(/[\d.]+/g) || []).map(Number);
      if (rgba.length > 2 && (rgba.length < 4 || rgba[3] > 0.5)) {
        return 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2] < 128 ? "dark" : "light";
      }
    }
    var scheme = getComputedStyle(document.documentElement).colorScheme || "";
    return scheme.indexOf("dark") >= 0 && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function send(entry) {
    entry.theme = theme(entry.el);
    entry.frame.style.colorScheme = entry.theme;
    entry.frame.contentWindow.postMessage({ type: "afterword:theme", theme: entry.theme }, origin);
  }

  function load(el) {
    if (el.getAttribute("data-afterword-loaded")) return;
    el.setAttribute("data-afterword-loaded", "1");
    var frame = document.createElement("iframe");
    var entry = { el: el, frame: frame, theme: theme(el) };
    frame.src = base + "/embed/thread?" + new URLSearchParams({
      id: el.getAttribute("data-afterword-thread") || "",
      url: pageUrl(),
      title: el.getAttribute("data-afterword-title") || document.title,
      theme: entry.theme
    });
    if (named) frame.src += "&comment=" + named[1] + "#comment-" + named[1];
    frame.title = "Comments";
    frame.setAttribute("scrolling", "no");
    frame.style.cssText = "display:block;width:100%;height:200px;border:0;margin:0;padding:0;background:transparent";
    frame.style.colorScheme = entry.theme;
    el.replaceChildren(frame);
    frames.push(entry);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) return;
    var data = event.data || {};
    frames.forEach(function (entry) {
      if (entry.frame.contentWindow !== event.source) return;
      if (data.type === "afterword:height" && data.height > 0) {
        entry.frame.style.height = Math.min(Math.ceil(data.height), 200000) + "px";
      } else if (data.type === "afterword:ready") send(entry);
      else if (data.type === "afterword:scroll" && named && data.top >= 0) {
        // The named comment's place in the frame: bring it to the upper third of the window, once.
        var top = entry.frame.getBoundingClientRect().top + window.pageYOffset + Math.min(data.top, 200000);
        window.scrollTo(0, Math.max(0, top - window.innerHeight / 3));
        named = null;
      }
    });
  });

  // A #comment-<id> added to the page's address later (an in-page link): the frame shows it, the page scrolls.
  window.addEventListener("hashchange", function () {
    named = /^#comment-(\d{1,18})$/.exec(location.hash);
    if (!named) return;
    frames.forEach(function (entry) { entry.frame.contentWindow.postMessage({ type: "afterword:show", id: named[1] }, origin); });
    threads.forEach(load);
  });

  function retheme() { frames.forEach(function (entry) { if (theme(entry.el) !== entry.theme) send(entry); }); }
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", retheme);
  new MutationObserver(retheme).observe(document.documentElement, { attributes: true, subtree: true, attributeFilter: ["class", "style", "data-theme"] });

  var threads = document.querySelectorAll("[data-afterword-thread]");
  var near = window.IntersectionObserver && new IntersectionObserver(function (seen) {
    seen.forEach(function (item) { if (item.isIntersecting) { near.unobserve(item.target); load(item.target); } });
  }, { rootMargin: "600px 0px" });
  threads.forEach(function (el) { if (near && !named) near.observe(el); else load(el); });

  var counted = Array.prototype.slice.call(document.querySelectorAll("[data-afterword-count]"));
  function key(el) {
    if (el.getAttribute("data-afterword-count") || !el.href) return el.getAttribute("data-afterword-count");
    var url = new URL(el.href);
    url.search = url.hash = "";
    return url.href;
  }
  var keys = counted.map(key).filter(function (value, i, all) { return value && all.indexOf(value) === i; });
  if (keys.length) {
    fetch(base + "/api/v1/threads/counts?" + keys.slice(0, 50).map(function (k) {
      return "id=" + encodeURIComponent(k);
    }).join("&"), { credentials: "omit" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      counted.forEach(function (el) {
        var n = data && data.counts[key(el)];
        if (typeof n === "number") el.textContent = n + (n === 1 ? " comment" : " comments");
      });
    }).catch(function () {});
  }
})();
