// Reply forms in place, posting, editing and flagging without a page load, a live preview of what
// is being written, and long sub-threads that fold. Without this script every link and form is an
// ordinary page (the Reply link loads the page with the form under the comment), there is no
// preview and every reply is shown, so everything still works with JavaScript off.
(function () {
  "use strict";

  function openReply(link) {
    var source = document.getElementById("comment-form");
    var id = link.getAttribute("data-reply-to");
    var card = link.closest(".comment__card");
    if (!source || source.tagName !== "FORM" || !id || !card) return false;
    var existing = document.getElementById("reply-" + id);
    if (existing) {
      existing.querySelector("textarea").focus();
      return true;
    }
    var form = source.cloneNode(true);
    form.id = "reply-" + id;
    form.querySelectorAll("[id]").forEach(function (el) { el.id = "reply-" + id + "-" + el.id; });
    form.querySelectorAll("label[for]").forEach(function (el) { el.htmlFor = "reply-" + id + "-" + el.htmlFor; });
    form.querySelectorAll("[aria-describedby]").forEach(function (el) {
      el.setAttribute("aria-describedby", el.getAttribute("aria-describedby").split(" ").map(function (part) {
        return "reply-" + id + "-" + part;
      }).join(" "));
    });
    form.querySelectorAll(".field__error, .form-errors p").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".field--error").forEach(function (el) { el.classList.remove("field--error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    form.querySelector("textarea").value = "";
    var preview = form.querySelector(".comment-form__preview");
    if (preview) {
      preview.hidden = true;
      preview.querySelector(".comment-form__preview-body").textContent = "";
    }
    form.querySelector("input[name=parent_id]").value = id;
    form.action = form.action.split("#")[0] + "#reply-" + id;
    var author = card.querySelector(".comment__author bdi");
    var context = document.createElement("p");
    context.className = "comment-form__context";
    context.textContent = "Replying to " + (author ? author.textContent : "this comment");
    form.insertBefore(context, form.firstChild.nextSibling);
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", function () { form.remove(); link.focus(); });
    form.querySelector(".actions").appendChild(cancel);
    form.querySelector("button[type=submit]").textContent = "Post reply";
    card.appendChild(form);
    form.querySelector("textarea").focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.comment__reply[data-reply-to]");
    if (link && openReply(link)) event.preventDefault();
  });

  // --- live preview: the server renders the text through the same sanitiser as on posting ---
  var timers = new WeakMap();
  var asked = new WeakMap();  // the latest preview asked for, per form: older answers are dropped

  function showPreview(form) {
    var area = form.querySelector(".comment-form__preview");
    var body = form.querySelector("textarea[name=body]");
    if (!area || !body) return;
    var ticket = (asked.get(form) || 0) + 1;
    asked.set(form, ticket);
    if (!body.value.trim()) {
      area.hidden = true;
      return;
    }
    var data = new FormData();
    var token = form.querySelector("input[name=csrf_token]");
    if (token) data.append("csrf_token", token.value);
    data.append("body", body.value);
    fetch(form.getAttribute("data-preview"), {
      method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) { return response.json(); }).then(function (result) {
      if (asked.get(form) !== ticket) return;
      var target = area.querySelector(".comment-form__preview-body");
      if (result.html) {
        // Trusted: the server's sanitiser made this HTML, exactly as it will store it.
        target.innerHTML = result.html;
      } else {
        target.textContent = result.message || (result.error && result.error.message) || "";
      }
      area.hidden = false;
    }).catch(function () { area.hidden = true; });
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest("form[data-preview]");
    if (!form || event.target.name !== "body") return;
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(function () { showPreview(form); }, 350));
  });

  // --- posting, editing and flagging in place: the server answers JSON to these requests ---
  function send(url, data) {
    return fetch(url, {
      method: data ? "POST" : "GET", body: data, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  function csrfToken() {
    var input = document.querySelector("form input[name=csrf_token]");
    return input ? input.value : "";
  }

  function say(text) {
    var region = document.getElementById("comments-status");
    if (region) region.textContent = text;
  }

  function clearErrors(form) {
    form.querySelectorAll(".field__errors, .form-errors").forEach(function (box) { box.replaceChildren(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".field--error").forEach(function (el) { el.classList.remove("field--error"); });
  }

  function errorLine(text) {
    var line = document.createElement("p");
    line.className = "field__error";
    line.textContent = text;
    return line;
  }

  // Each message next to its field (as the server's page would put it), the rest at the top.
  function showErrors(form, error) {
    clearErrors(form);
    var fields = error.fields || {};
    var first = null;
    var unplaced = [];
    Object.keys(fields).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]:not([type=hidden])');
      var box = input && input.id ? document.getElementById(input.id + "-error") : null;
      if (!box) { unplaced.push(fields[name]); return; }
      box.appendChild(errorLine(fields[name]));
      input.setAttribute("aria-invalid", "true");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(box.id) < 0) input.setAttribute("aria-describedby", described.concat(box.id).join(" "));
      if (input.closest(".field")) input.closest(".field").classList.add("field--error");
      first = first || input;
    });
    if (!Object.keys(fields).length) unplaced.push(error.message || "That did not work; nothing changed.");
    var top = form.querySelector(".form-errors");
    unplaced.forEach(function (text) { if (top) top.appendChild(errorLine(text)); });
    if (first) first.focus();
  }

  function fromHtml(html) {
    var holder = document.createElement("div");
    // Trusted: rendered by the server from sanitised comment HTML, as the page itself is.
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function place(item, parentId) {
    if (parentId) {
      var parent = document.getElementById("comment-" + parentId);
      if (!parent) return false;
      var replies = document.getElementById("replies-" + parentId);
      if (!replies) {
        replies = document.createElement("ol");
        replies.className = "comment-list comment-list--replies";
        replies.id = "replies-" + parentId;
        parent.appendChild(replies);
      }
      replies.hidden = false;
      replies.appendChild(item);
      return true;
    }
    var list = document.querySelector("#comments > .comment-list");
    if (!list) {
      list = document.createElement("ol");
      list.className = "comment-list";
      var empty = document.querySelector("#comments > .empty");
      if (empty) empty.replaceWith(list); else return false;
    }
    if (/[?&]order=newest/.test(window.location.search)) list.insertBefore(item, list.firstChild);
    else list.appendChild(item);
    return true;
  }

  function countOneMore() {
    var heading = document.getElementById("comments-title");
    var match = heading && heading.textContent.match(/^(\d+)/);
    if (!match) return;
    var count = Number(match[1]) + 1;
    heading.textContent = count + (count === 1 ? " comment" : " comments");
  }

  function submitComment(form) {
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    send(form.action.split("#")[0], new FormData(form)).then(function (result) {
      button.disabled = false;
      if (!result.ok) {
        // A lost session comes back with a fresh token: the next press of the button posts.
        if (result.body.csrf_token) {
          document.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = result.body.csrf_token; });
        }
        showErrors(form, result.body.error || {});
        return;
      }
      var item = fromHtml(result.body.html);
      if (!place(item, result.body.parent_id)) {
        window.location.href = "/comments/" + result.body.id;
        return;
      }
      clearErrors(form);
      if (form.id === "comment-form") {
        form.querySelector("textarea[name=body]").value = "";
        var preview = form.querySelector(".comment-form__preview");
        if (preview) preview.hidden = true;
      } else {
        form.remove();
      }
      if (result.body.status === "approved") countOneMore();
      say(result.body.message);
      item.setAttribute("tabindex", "-1");
      item.focus();
    }).catch(function () {
      button.disabled = false;
      showErrors(form, { message: "The server did not answer; nothing was posted. Your text is kept: try again." });
    });
  }

  function openEdit(link) {
    var card = link.closest(".comment__card");
    var id = link.getAttribute("data-comment");
    if (!card || !id) return false;
    var existing = card.querySelector("form.edit-inline");
    if (existing) { existing.querySelector("textarea").focus(); return true; }
    if (!csrfToken()) return false;  // no form on the page to borrow a token from: use the edit page
    send(link.href).then(function (result) {
      if (!result.ok) { window.location.href = link.href; return; }
      var form = document.createElement("form");
      form.className = "edit-inline";
      form.method = "post";
      form.action = link.href;
      form.noValidate = true;
      var prefix = "edit-" + id;
      form.innerHTML =
        '<input type="hidden" name="csrf_token">' +
        '<div class="form-errors" role="alert" aria-live="assertive"></div>' +
        '<div class="field"><label class="field__label" for="' + prefix + '-body">Edit your comment</label>' +
        '<textarea id="' + prefix + '-body" name="body" rows="5" aria-describedby="' + prefix + '-body-error"></textarea>' +
        '<div class="field__errors" id="' + prefix + '-body-error" aria-live="polite"></div></div>' +
        '<div class="actions"><button type="submit" class="button button--primary">Save</button> ' +
        '<button type="button" class="button edit-inline__cancel">Cancel</button></div>';
      form.querySelector("input[name=csrf_token]").value = csrfToken();
      form.querySelector("textarea").value = result.body.body;
      var text = card.querySelector(".comment__text");
      text.hidden = true;
      text.after(form);
      form.querySelector(".edit-inline__cancel").addEventListener("click", function () {
        form.remove();
        text.hidden = false;
        link.focus();
      });
      form.querySelector("textarea").focus();
    }).catch(function () { window.location.href = link.href; });
    return true;
  }

  function submitEdit(form) {
    var card = form.closest(".comment__card");
    send(form.action, new FormData(form)).then(function (result) {
      if (!result.ok) { showErrors(form, result.body.error || {}); return; }
      var fresh = fromHtml(result.body.html).querySelector(".comment__card");
      card.replaceWith(fresh);
      say(result.body.message);
      var again = fresh.querySelector(".comment__edit");
      if (again) again.focus();
    }).catch(function () {
      showErrors(form, { message: "The server did not answer; nothing changed. Your text is kept: try again." });
    });
  }

  // The flag form is the Flag page's own form, fetched and put under the comment.
  function openFlag(link) {
    var card = link.closest(".comment__card");
    var id = link.getAttribute("data-comment");
    if (!card || !id || !window.DOMParser) return false;
    var existing = card.querySelector("form.flag-form");
    if (existing) { existing.querySelector("input[type=radio]").focus(); return true; }
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("no flag form");
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var already = page.querySelector(".flag-already");
      if (already) { markFlagged(link, already.textContent); return; }
      var form = page.querySelector("form.flag-form");
      if (!form) throw new Error("no flag form");
      form = document.importNode(form, true);
      form.action = link.href;
      form.querySelectorAll("[id]").forEach(function (el) { el.id = "flag-" + id + "-" + el.id; });
      form.querySelectorAll("label[for]").forEach(function (el) { el.htmlFor = "flag-" + id + "-" + el.htmlFor; });
      form.querySelectorAll("[aria-describedby]").forEach(function (el) {
        el.setAttribute("aria-describedby", "flag-" + id + "-" + el.getAttribute("aria-describedby"));
      });
      var cancel = form.querySelector(".flag-form__cancel");
      cancel.addEventListener("click", function (event) { event.preventDefault(); form.remove(); link.focus(); });
      card.querySelector(".comment__actions").after(form);
      form.querySelector("input[type=radio]").focus();
    }).catch(function () { window.location.href = link.href; });
    return true;
  }

  // The Flag link becomes the "Flagged" label the server draws for a reader who flagged the comment; with a
  // message, it is said beside it (the flag page's "already flagged").
  function markFlagged(link, message) {
    var label = document.createElement("span");
    label.className = "comment__flagged";
    label.textContent = "Flagged";
    var whose = link.querySelector(".visually-hidden");
    if (whose) {
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " by you:" + whose.textContent;
      label.appendChild(hidden);
    }
    var actions = link.closest(".comment__actions");
    var focused = document.activeElement === link;
    link.replaceWith(label);
    if (focused) { label.tabIndex = -1; label.focus(); }
    if (message && actions) {
      var said = document.createElement("p");
      said.className = "flag-form__done";
      said.setAttribute("role", "status");
      said.textContent = message.trim();
      actions.after(said);
    }
  }

  function submitFlag(form) {
    send(form.action, new FormData(form)).then(function (result) {
      if (!result.ok && (!result.body.error || result.body.error.code === "validation_failed")) {
        showErrors(form, { message: result.body.error ? result.body.error.message : "" });
        return;
      }
      var done = document.createElement("p");
      done.className = "flag-form__done";
      done.setAttribute("role", "status");
      done.textContent = result.ok ? result.body.message : result.body.error.message;
      var card = form.closest(".comment__card");
      var link = card && card.querySelector(".comment__flag");
      form.replaceWith(done);
      if (link) markFlagged(link);
    }).catch(function () {
      showErrors(form, { message: "The server did not answer; the comment is not flagged. Try again." });
    });
  }

  document.addEventListener("click", function (event) {
    var edit = event.target.closest("a.comment__edit[data-comment]");
    if (edit && openEdit(edit)) { event.preventDefault(); return; }
    var flag = event.target.closest("a.comment__flag[data-comment]");
    if (flag && openFlag(flag)) event.preventDefault();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.fetch || !window.FormData) return;
    if (form.matches("form.comment-form")) { event.preventDefault(); submitComment(form); }
    else if (form.matches("form.edit-inline")) { event.preventDefault(); submitEdit(form); }
    else if (form.matches("form.flag-form")) { event.preventDefault(); submitFlag(form); }
    else if (form.matches("form.vote-form")) { event.preventDefault(); submitVote(form); }
    else if (form.matches("form.comment__moderate, .comment__mod-edit form")) {
      event.preventDefault();
      submitModeration(form, event.submitter);
    }
  });

  // --- a moderator's actions and edit beside the discussion, in place: the desk's own route answers JSON, then
  // the comment is shown as the page now shows it (read again; gone if the page no longer shows it to them) ---
  // The desk's Undo for an action taken here: the comment is drawn again as it stood before.
  function undoButton(offer, id, note) {
    var again = document.createElement("button");
    again.type = "button";
    again.className = "button button--small comment__undo";
    again.textContent = "Undo";
    again.setAttribute("aria-label", "Undo: " + note.textContent.trim());
    again.addEventListener("click", function () {
      var data = new FormData();
      data.append("csrf_token", csrfToken());
      offer.events.forEach(function (event) { data.append("event", String(event)); });
      again.disabled = true;
      send(offer.url, data).then(function (result) {
        var text = result.body.error ? result.body.error.message : result.body.message;
        say(text);
        if (!result.ok) {
          note.textContent = text;
          return;
        }
        return shownAgain(id, text, null).catch(function () { window.location.reload(); });
      }, function () {
        again.disabled = false;
        say("The server did not answer; nothing changed. Try again.");
      });
    });
    return again;
  }

  function shownAgain(id, message, offer) {
    return fetch(window.location.href.split("#")[0], { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("reload");
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var old = document.getElementById("comment-" + id);
      var fresh = page.getElementById("comment-" + id);
      ["moderating", "comments-title"].forEach(function (part) {
        var here = document.getElementById(part);
        var there = page.getElementById(part);
        if (here && there) here.replaceWith(document.importNode(there, true));
      });
      if (!old) return;
      // What was done shows where it was done (the live region has said it): above the comment as it now
      // stands, or alone where the page no longer shows it (spam and trash).
      var done = document.createElement("p");
      done.className = "flash flash--success comment__done";
      done.textContent = message;
      if (offer) {
        done.appendChild(document.createTextNode(" "));
        done.appendChild(undoButton(offer, id, done));
      }
      if (fresh) {
        fresh = document.importNode(fresh, true);
        fresh.insertBefore(done, fresh.firstChild);
      } else {
        fresh = document.createElement("li");
        fresh.className = "comment comment--moved";
        fresh.id = "comment-" + id;
        fresh.appendChild(done);
      }
      old.replaceWith(fresh);
      fresh.setAttribute("tabindex", "-1");
      fresh.focus();
    });
  }

  function submitModeration(form, button) {
    var data = new FormData(form);
    if (button && button.name) data.append(button.name, button.value);
    var item = form.closest("li.comment[id^=comment-]");
    var id = item ? item.id.slice("comment-".length) : null;
    var buttons = form.querySelectorAll("button");
    function refused(text) {
      buttons.forEach(function (el) { el.disabled = false; });
      var box = form.querySelector(".form-errors");
      if (!box) {
        box = document.createElement("div");
        box.className = "form-errors";
        box.setAttribute("role", "alert");
        form.insertBefore(box, form.firstChild);
      }
      box.replaceChildren(errorLine(text));
    }
    buttons.forEach(function (el) { el.disabled = true; });
    // The attribute, not form.action: the buttons are named "action", which shadows the property.
    send(form.getAttribute("action").split("#")[0], data).then(function (result) {
      // Refused (an edit too long, a comment someone else moved): the form and what was typed stay, with why.
      if (!result.ok) {
        return refused((result.body.error && result.body.error.message) || "That did not work; nothing changed.");
      }
      say(result.body.message);
      if (!id) return;
      // Done: if the page cannot be read again, loading it shows where things stand.
      return shownAgain(id, result.body.message, result.body.undo).catch(function () {
        window.location.reload();
      });
    }, function () {
      refused("The server did not answer; nothing changed. Try again.");
    });
  }

  // --- helpful votes in place: the count and the pressed state change, a second press takes the vote back ---
  function helpfulLabel(count) {
    var who = count === 1 ? "1 person" : count.toLocaleString("en") + " people";
    return "Mark helpful, " + who + " found this helpful";
  }

  function submitVote(form) {
    var button = form.querySelector("button.vote-button");
    var takeBack = form.querySelector("input[name=take_back]");
    if (!button || button.disabled) return;
    button.disabled = true;
    send(form.action, new FormData(form)).then(function (result) {
      if (!result.ok) {
        say((result.body.error && result.body.error.message) || "The vote was not counted. Try again.");
        return;
      }
      var count = result.body.votes;
      button.setAttribute("aria-pressed", String(result.body.voted));
      button.setAttribute("aria-label", helpfulLabel(count));
      button.querySelector(".vote-button__count").textContent = count.toLocaleString("en");
      if (takeBack) takeBack.value = result.body.voted ? "1" : "";
      say(result.body.message || "");
    }).catch(function () {
      say("The server did not answer; the vote was not counted. Try again.");
    }).then(function () {
      button.disabled = false;
      button.focus();
    });
  }

  // --- long sub-threads fold: a button under the comment hides or shows its replies ---
  var FOLD_AT = 3;

  function fold(list, button, hidden) {
    var count = list.querySelectorAll("li.comment").length;
    list.hidden = hidden;
    button.setAttribute("aria-expanded", String(!hidden));
    button.textContent = (hidden ? "Show " : "Hide ") + count + (count === 1 ? " reply" : " replies");
  }

  document.querySelectorAll("ol.comment-list--replies[id^=replies-]").forEach(function (list) {
    if (list.querySelectorAll("li.comment").length < FOLD_AT) return;
    var card = list.parentElement.querySelector(":scope > .comment__card");
    // A removed comment's placeholder has no actions: the button goes in the placeholder itself.
    var actions = card && (card.querySelector(".comment__actions") || card);
    if (!actions) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button comment__fold";
    button.setAttribute("aria-controls", list.id);
    button.addEventListener("click", function () { fold(list, button, !list.hidden); });
    actions.appendChild(button);
    fold(list, button, false);
  });
})();
