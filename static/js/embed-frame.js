// Inside the framed discussion: tell the host page our height (and where the comment our address names is, so
// the page scrolls to it), take its theme, keep in-page links in the frame, delete in place, and reload once the
// reader signs in in the other window. Messages go to the host page's origin only, and carry nothing but
// heights and offsets.
(function () {
  "use strict";
  var root = document.documentElement;
  var parentOrigin = root.getAttribute("data-parent-origin");
  var framed = window.parent !== window && parentOrigin;

  function tell(message) { if (framed) window.parent.postMessage(message, parentOrigin); }

  var last = 0;
  function measure() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height !== last) { last = height; tell({ type: "afterword:height", height: height }); }
  }
  if (window.ResizeObserver) new ResizeObserver(measure).observe(document.body);
  window.addEventListener("load", function () {
    measure();
    // A comment named by our address (#comment-<id>, from the host page's, or after a moderator's action):
    // the frame does not scroll, so the page does, to the comment's offset in the frame.
    var named = /^#comment-\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1));
    if (named) {
      window.scrollTo(0, 0);
      tell({ type: "afterword:scroll", top: Math.round(named.getBoundingClientRect().top + window.pageYOffset) });
    }
  });
  measure();

  window.addEventListener("message", function (event) {
    if (!framed || event.source !== window.parent || event.origin !== parentOrigin) return;
    var data = event.data || {};
    if (data.type === "afterword:theme" && (data.theme === "light" || data.theme === "dark")) {
      root.setAttribute("data-theme", data.theme);
    }
  });
  tell({ type: "afterword:ready" });

  function token() {
    var input = document.querySelector("form input[name=csrf_token]");
    return input ? input.value : "";
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (link) {  // <base target=_blank> would open these in a new tab
      event.preventDefault();
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) target.scrollIntoView({ block: "center" });
      return;
    }
    var remove = event.target.closest("a.comment__delete");
    if (remove && window.fetch && token()) {
      event.preventDefault();
      if (!window.confirm("Delete your comment? Replies to it stay.")) return;
      var data = new FormData();
      data.append("csrf_token", token());
      fetch(remove.href, { method: "POST", body: data, credentials: "same-origin" }).then(function (response) {
        if (response.ok) window.location.reload();
        else window.open(remove.href);
      });
    }
  });

  if (window.BroadcastChannel) {
    new BroadcastChannel("afterword-session").onmessage = function () { window.location.reload(); };
  }
})();
