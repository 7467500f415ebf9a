// The moderation desk and the author's desk with a keyboard, and actions that happen in place.
// Without this script every button is an ordinary form post and the page reloads.
// Moderation desk:
//   j / k  next / previous comment      a  approve      s  spam (or not spam)
//   t      trash with the chosen reason x  select for a bulk action
//   o      open the comment's details   ?  show or hide this help
//   u      undo the last action (its Undo button, left in the item's place)
// The author's desk sets its own keys on its list (data-keys, data-focus-keys): a acknowledge,
// s spam (or not spam), d the decline reason (opening the "More actions" menu it sits in), w write a note
// that resolves the request; Escape closes the menu.
// "Select all on this page" (#select-all, hidden without this script) ticks every item's box; it shows
// checked, unchecked or mixed as the boxes are, and follows items acted on in place.
(function () {
  "use strict";

  var list = document.querySelector(".mod-list");
  if (!list) return;
  // Which key presses which action button of the current item (the first one the item has).
  var keys = JSON.parse(list.getAttribute("data-keys") || "null") || { a: ["approve"], s: ["spam", "not_spam"], t: ["trash"] };
  // Which key goes to a control of the current item: a field gets focus, a link is followed.
  var focusKeys = JSON.parse(list.getAttribute("data-focus-keys") || "null") || { o: ".mod-item__details" };
  var status = document.getElementById("desk-status");
  var help = document.getElementById("shortcuts");
  var selectAll = document.getElementById("select-all");
  var applyToPage = document.getElementById("apply-to-page");

  function items() {
    return Array.prototype.slice.call(list.querySelectorAll(".mod-item:not(.mod-item--done)"));
  }

  function current() {
    return list.querySelector(".mod-item.is-current:not(.mod-item--done)");
  }

  function select(item) {
    var previous = list.querySelector(".mod-item.is-current");
    if (previous) previous.classList.remove("is-current");
    if (!item) return;
    item.classList.add("is-current");
    item.setAttribute("tabindex", "-1");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = items();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = index < 0 ? 0 : Math.min(Math.max(index + step, 0), all.length - 1);
    select(all[next]);
  }

  function announce(text) {
    if (status) status.textContent = text;
  }

  function boxes() {
    return Array.prototype.slice.call(list.querySelectorAll(".mod-item:not(.mod-item--done) .mod-item__select"));
  }

  // The select-all box says what the items' boxes say: all ticked, none, or some (mixed); and
  // "Apply to all N on this page" counts the items still on the page. Both go when none are left.
  function syncSelectAll() {
    var all = boxes();
    var ticked = all.filter(function (box) { return box.checked; }).length;
    if (selectAll) {
      selectAll.checked = all.length > 0 && ticked === all.length;
      selectAll.indeterminate = ticked > 0 && ticked < all.length;
      selectAll.closest(".bulk-bar__all").hidden = all.length === 0;
    }
    if (applyToPage) {
      var count = applyToPage.querySelector(".bulk-bar__count");
      if (count) count.textContent = String(all.length);
      applyToPage.hidden = all.length === 0;
    }
  }

  if (selectAll) {
    selectAll.addEventListener("change", function () {
      var all = boxes();
      all.forEach(function (box) { box.checked = selectAll.checked; });
      syncSelectAll();
      announce(selectAll.checked ? all.length + " selected." : "None selected.");
    });
    list.addEventListener("change", function (event) {
      if (event.target.classList.contains("mod-item__select")) syncSelectAll();
    });
    syncSelectAll();
  }

  var badgeSelector = list.getAttribute("data-badge") || 'nav a[href$="/moderation"] .count--alert';
  var badgeLabel = list.getAttribute("data-badge-label") || "waiting";

  // The phone's "Menu" shows the total of the counts in it; it follows by `delta`, and goes at 0.
  function shiftMenuTotal(delta) {
    var summary = document.querySelector(".nav-menu > summary");
    if (!summary || !delta) return;
    var total = summary.querySelector(".nav-menu__total");
    var now = Math.max(0, (total && /^\d+$/.test(total.textContent) ? Number(total.textContent) : 0) + delta);
    if (!now) {
      if (total) total.parentNode.remove();
      return;
    }
    if (!total) {
      var count = document.createElement("span");
      count.className = "count count--alert";
      total = document.createElement("span");
      total.className = "nav-menu__total";
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " waiting for you";
      count.appendChild(total);
      count.appendChild(hidden);
      summary.appendChild(document.createTextNode(" "));
      summary.appendChild(count);
    }
    total.textContent = String(now);
  }

  // The navigation's count ("Moderation N" waiting, "Requests N" open) shows `waiting`, in every copy of the
  // navigation (the wide screens' list and the phone's Menu); at 0 it goes.
  function showWaiting(waiting) {
    var before = null;
    var links = document.querySelectorAll(badgeSelector.replace(/\s*\.count--alert$/, ""));
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      var badge = link.querySelector(".count--alert");
      if (before === null) before = badge && /^\d+$/.test(badge.textContent) ? Number(badge.textContent) : 0;
      if (waiting && !badge) {
        badge = document.createElement("span");
        badge.className = "count count--alert";
        link.appendChild(document.createTextNode(" "));
        link.appendChild(badge);
      }
      if (badge && waiting) {
        badge.textContent = String(waiting);
        badge.setAttribute("aria-label", waiting + " " + badgeLabel);
      } else if (badge) {
        badge.remove();
      }
    }
    if (before !== null) shiftMenuTotal(waiting - before);
  }

  // The server's counts after an action (the moderation desk sends them): every tab and the navigation's
  // count follow. A searched desk counts only the queue shown, so it keeps counting down by hand.
  function showCounts(body) {
    if (!body.counts || list.hasAttribute("data-searched")) return false;
    Object.keys(body.counts).forEach(function (name) {
      var count = document.querySelector('.tabs a[data-queue="' + name + '"] .count');
      if (count) count.textContent = String(body.counts[name]);
    });
    if (typeof body.waiting === "number") showWaiting(body.waiting);
    return true;
  }

  function lessInQueue(wasPending) {
    var count = document.querySelector('.tabs a[aria-current="page"] .count');
    if (count && /^\d+$/.test(count.textContent)) count.textContent = String(Math.max(0, Number(count.textContent) - 1));
    if (!wasPending) return;
    var badge = document.querySelector(badgeSelector);
    if (badge && /^\d+$/.test(badge.textContent)) showWaiting(Math.max(0, Number(badge.textContent) - 1));
  }

  function csrfToken() {
    var token = document.querySelector("input[name=csrf_token]");
    return token ? token.value : "";
  }

  function post(url, data) {
    data.append("csrf_token", csrfToken());
    if (list.hasAttribute("data-article")) data.append("article", list.getAttribute("data-article"));
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  // The last action that can be undone: its item, what the item showed before, and the Undo the server offered.
  var lastDone = null;

  // Take the last action back: the item shows again as it was, in its place, and the counts follow.
  function undo(done) {
    if (!done || done.busy) return false;
    done.busy = true;
    var data = new FormData();
    done.offer.events.forEach(function (id) { data.append("event", String(id)); });
    post(done.offer.url, data).then(function (result) {
      done.busy = false;
      var text = result.body.error ? result.body.error.message : result.body.message;
      if (!result.ok) {
        done.note.textContent = text;
        announce(text);
        return;
      }
      if (lastDone === done) lastDone = null;
      done.item.replaceChildren.apply(done.item, done.before);
      done.item.classList.remove("mod-item--done");
      if (!showCounts(result.body)) moreInQueue();
      syncSelectAll();
      select(done.item);
      announce(text);
    }).catch(function () {
      done.busy = false;
      announce("The server did not answer; nothing changed. Try again.");
    });
    return true;
  }

  function moreInQueue() {
    var count = document.querySelector('.tabs a[aria-current="page"] .count');
    if (count && /^\d+$/.test(count.textContent)) count.textContent = String(Number(count.textContent) + 1);
  }

  // Post one item's action and replace the item by what happened.
  function act(button) {
    var item = button.closest(".mod-item");
    var form = button.form;
    if (!item || !form) return;
    var data = new FormData();
    data.append("action", button.value);
    // The item's own fields (a trash reason, a decline reason, the note that resolves a request).
    item.querySelectorAll("select[name], input[type=text][name]").forEach(function (field) {
      data.append(field.name, field.value);
    });
    item.setAttribute("aria-busy", "true");
    post(button.getAttribute("formaction"), data).then(function (result) {
      item.removeAttribute("aria-busy");
      if (!result.ok) {
        announce(result.body.error ? result.body.error.message : "That did not work; reload the page.");
        return;
      }
      var wasCurrent = item.classList.contains("is-current");
      var wasPending = item.hasAttribute("data-counted") || Boolean(item.querySelector(".badge--pending"));
      var place = items().indexOf(item);
      var before = Array.prototype.slice.call(item.childNodes);
      var done = document.createElement("p");
      done.className = "mod-item__done";
      done.textContent = result.body.message;
      item.replaceChildren(done);
      item.classList.add("mod-item--done");
      item.classList.remove("is-current");
      if (result.body.undo) {
        var record = { item: item, before: before, offer: result.body.undo, note: done, busy: false };
        var again = document.createElement("button");
        again.type = "button";
        again.className = "button button--small mod-item__undo";
        again.textContent = "Undo";
        again.setAttribute("aria-label", "Undo: " + result.body.message);
        again.addEventListener("click", function () { undo(record); });
        item.appendChild(again);
        lastDone = record;
      }
      if (!showCounts(result.body)) lessInQueue(wasPending && result.body.status !== "pending");
      syncSelectAll();
      announce(result.body.message);
      if (wasCurrent) {
        // The comment that took its place (the next one), or the last one left.
        var rest = items();
        if (rest.length) select(rest[Math.min(place, rest.length - 1)]);
      }
    }).catch(function () {
      item.removeAttribute("aria-busy");
      announce("The server did not answer; nothing changed. Try again.");
    });
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[formaction][name=action]");
    if (!button || !list.contains(button)) return;
    event.preventDefault();
    act(button);
  });

  list.addEventListener("focusin", function (event) {
    var item = event.target.closest(".mod-item");
    if (item && !item.classList.contains("is-current")) {
      var previous = list.querySelector(".mod-item.is-current");
      if (previous) previous.classList.remove("is-current");
      item.classList.add("is-current");
    }
  });

  function press(values) {
    var item = current();
    if (!item) return false;
    for (var i = 0; i < values.length; i++) {
      var button = item.querySelector('button[formaction][name=action][value="' + values[i] + '"]');
      if (button) {
        act(button);
        return true;
      }
    }
    return false;
  }

  function goTo(selector) {
    var target = current() && current().querySelector(selector);
    if (!target) return false;
    // A field in a closed menu (the author's desk keeps its rarer actions in one): open the menu first.
    var menu = target.closest("details");
    if (menu) menu.open = true;
    if (target.tagName === "A") window.location.href = target.href;
    else target.focus();
    return true;
  }

  // Escape closes the menu holding the focus (or the last one opened) and gives the focus to its summary.
  function closeMenu() {
    var menu = document.activeElement && document.activeElement.closest && document.activeElement.closest("details[open]");
    if (!menu || !list.contains(menu)) menu = list.querySelector(".mod-item.is-current details[open]");
    if (!menu) return false;
    menu.open = false;
    var summary = menu.querySelector("summary");
    if (summary) summary.focus();
    return true;
  }

  // A field that takes letters; a checkbox or a button does not, so the keys still work after ticking one.
  function typing(target) {
    if (!target) return false;
    if (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName)) return true;
    return target.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      if (closeMenu()) event.preventDefault();
      return;
    }
    if (typing(event.target)) return;
    var handled = true;
    if (keys[event.key]) {
      handled = press(keys[event.key]);
    } else if (focusKeys[event.key]) {
      handled = goTo(focusKeys[event.key]);
    } else {
      switch (event.key) {
        case "j": move(1); break;
        case "k": move(-1); break;
        case "x": {
          var box = current() && current().querySelector(".mod-item__select");
          if (box) {
            box.checked = !box.checked;
            syncSelectAll();
          } else {
            handled = false;
          }
          break;
        }
        case "u": handled = undo(lastDone); break;
        case "?": if (help) help.open = !help.open; break;
        default: handled = false;
      }
    }
    if (handled) event.preventDefault();
  });
})();
