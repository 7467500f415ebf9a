// Open reply forms in place. Without this script the Reply link loads the page with the form
// already under the comment, so everything still works with JavaScript off.
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
})();
