// The sign-in window a framed discussion opened: hand the sign-in token to that frame. postMessage's target
// origin is this site's own, so the browser delivers it only if the opener is one of our pages (the frame), never
// to a host page or any other window that opened this one. The frame checks the message and closes this window.
(function () {
  "use strict";
  var token = document.documentElement.getAttribute("data-handoff");
  if (token && window.opener) {
    window.opener.postMessage({ type: "afterword:sign-in", token: token }, window.location.origin);
  }
})();
