// Reply forms in place, a live preview of what is being written, and long sub-threads that fold.
// Without this script the Reply link loads the page with the form already under the comment,
// there is no preview and every reply is shown, so everything still works with JavaScript off.
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

  function showPreview(form) {
    var area = form.querySelector(".comment-form__preview");
    var body = form.querySelector("textarea[name=body]");
    if (!area || !body) return;
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
    var actions = card && card.querySelector(".comment__actions");
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
