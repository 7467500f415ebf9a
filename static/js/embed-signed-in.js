// The end of signing in from a framed discussion: tell the frames (same browser partition) to reload, then close.
(function () {
  "use strict";
  if (window.BroadcastChannel) new BroadcastChannel("afterword-session").postMessage("signed-in");
  setTimeout(function () { window.close(); }, 800);
})();
