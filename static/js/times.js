// Times in the reader's own zone and language. The server writes every time as
// <time datetime="…Z" data-time="relative|datetime|date"> with UTC text, which stays as it is without
// JavaScript. Here "relative" times read "just now", "3 minutes ago", "yesterday" while recent (the full
// local time in their title) and the local date and time after; "datetime" the local date and time; "date"
// the local date. Recent ones are refreshed every minute, and times added to the page later are shown too.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) return;

  var MINUTE = 60 * 1000, HOUR = 60 * MINUTE, DAY = 24 * HOUR, WEEK = 7 * DAY;
  var full = new Intl.DateTimeFormat(undefined, {
    weekday: "long", year: "numeric", month: "long", day: "numeric",
    hour: "numeric", minute: "2-digit", timeZoneName: "short"
  });
  var dateTime = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short"
  });
  var dateOnly = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long", day: "numeric" });
  var relative = Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
  var english = /^en\b/i.test(relative ? relative.resolvedOptions().locale : "");

  // "3 hours ago" for a time in the past week, or null (older, in the future, or no RelativeTimeFormat).
  function ago(when, now) {
    var past = now - when;
    if (!relative || past < -MINUTE || past >= WEEK) return null;
    if (past < MINUTE) return english ? "just now" : relative.format(0, "second");
    if (past < HOUR) return relative.format(-Math.floor(past / MINUTE), "minute");
    if (past < DAY) return relative.format(-Math.floor(past / HOUR), "hour");
    // Days by the reader's calendar: a comment from last night is "yesterday" this morning.
    var then = new Date(when), today = new Date(now);
    then.setHours(0, 0, 0, 0);
    today.setHours(0, 0, 0, 0);
    return relative.format(-Math.round((today - then) / DAY), "day");
  }

  function show(time, now) {
    var when = Date.parse(time.getAttribute("datetime"));
    if (isNaN(when)) return;
    var style = time.getAttribute("data-time");
    var text = style === "date" ? dateOnly.format(when) : dateTime.format(when);
    if (style === "relative") text = ago(when, now) || text;
    time.textContent = text;
    time.title = full.format(when);
    time.setAttribute("data-shown", "");
  }

  function showAll(root) {
    var now = Date.now();
    root.querySelectorAll("time[data-time]").forEach(function (time) { show(time, now); });
  }

  function start() {
    showAll(document);
    setInterval(function () { showAll(document); }, MINUTE);
    if (window.MutationObserver) {
      new MutationObserver(function (changes) {
        changes.forEach(function (change) {
          change.addedNodes.forEach(function (node) {
            if (node.nodeType !== 1) return;
            if (node.matches("time[data-time]")) show(node, Date.now());
            else showAll(node);
          });
        });
      }).observe(document.body, { childList: true, subtree: true });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
