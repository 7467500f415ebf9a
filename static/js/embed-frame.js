// Inside the framed discussion: tell the host page our height (and where the comment our address names is, so
// the page scrolls to it), take its theme, keep in-page links in the frame, delete in place, and sign in through a
// window of ours that hands the sign-in back. Messages go to the host page's origin only, and carry nothing but
// heights and offsets; a sign-in comes back from a window of our own origin only.
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
  // A comment named by our address (#comment-<id>, from the host page's, or after a moderator's action), or
  // by the page's address changing later: the frame does not scroll, so the page does, to the comment's offset
  // in the frame. A comment not on this page of the discussion: load the part that shows it.
  function reveal(id) {
    var comment = document.getElementById("comment-" + id);
    if (comment) {
      window.scrollTo(0, 0);
      tell({ type: "afterword:scroll", top: Math.round(comment.getBoundingClientRect().top + window.pageYOffset) });
      return;
    }
    var url = new URL(location.href);
    url.searchParams.set("comment", id);
    url.hash = "comment-" + id;
    location.replace(url.href);
  }
  window.addEventListener("load", function () {
    measure();
    if (/^#comment-\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1))) {
      reveal(location.hash.slice(9));
    }
  });
  measure();

  window.addEventListener("message", function (event) {
    if (!framed || event.source !== window.parent || event.origin !== parentOrigin) return;
    var data = event.data || {};
    if (data.type === "afterword:theme" && (data.theme === "light" || data.theme === "dark")) {
      root.setAttribute("data-theme", data.theme);
    } else if (data.type === "afterword:show" && /^\d{1,18}$/.test(data.id)) reveal(data.id);
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
    var opener = event.target.closest("a.embed__sign-in");
    if (opener && window.fetch && window.crypto && opener.getAttribute("data-window")) {
      event.preventDefault();
      openSignIn(opener);
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

  // Signing in (docs/embed.md): our cookies here may be a jar of this frame's own (partitioned), which a sign-in in
  // another window never reaches. So: a random nonce, kept in this frame's session (begin); a window of ours
  // signs in and hands back a token for it, to this origin only; we trade it, with our CSRF token, for a sign-in.
  var signIn = null;  // { window, nonce, begun } while a sign-in window is open

  function say(text) {
    var status = document.querySelector(".embed__sign-in-problem");
    if (status) status.textContent = text;
  }

  function post(url, fields) {
    var data = new FormData();
    Object.keys(fields).forEach(function (name) { data.append(name, fields[name]); });
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } });
  }

  function openSignIn(link) {
    var bytes = crypto.getRandomValues(new Uint8Array(32));
    var nonce = btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    var opened = window.open(link.getAttribute("data-window") + "?nonce=" + nonce, "_blank", "popup,width=520,height=680");
    if (!opened) { say("Your browser blocked the sign-in window: allow pop-ups for this page and try again."); return; }
    say("");
    signIn = { window: opened, nonce: nonce, link: link,
      begun: post(link.getAttribute("data-begin"), { csrf_token: link.getAttribute("data-csrf"), nonce: nonce }) };
  }

  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (!signIn || event.source !== signIn.window || event.origin !== window.location.origin) return;
    if (data.type !== "afterword:sign-in" || typeof data.token !== "string") return;
    var asked = signIn;
    signIn = null;
    asked.begun.then(function () {
      return post(asked.link.getAttribute("data-exchange"),
        { csrf_token: asked.link.getAttribute("data-csrf"), nonce: asked.nonce, token: data.token });
    }).then(function (response) {
      asked.window.close();
      if (response.ok) return window.location.reload();
      return response.json().then(function (answer) {
        // Refused for its CSRF token: this frame shares its cookies with the sign-in window (the same-site set-up),
        // so that sign-in renewed our session, and already shows on a reload.
        if (answer.error && answer.error.code === "csrf") window.location.reload();
        else say(answer.error ? answer.error.message : "Signing in did not work: try again.");
      });
    }).catch(function () { say("Signing in did not work: try again."); });
  });
})();
