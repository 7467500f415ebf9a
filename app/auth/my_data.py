"""A guest's own data: ask for a mailed link by address, then download or erase what is stored under it
(docs/accounts.md#your-data). Accounts use their account page."""

import json

from flask import Response, current_app, render_template, request

from app.auth import bp, throttle
from app.auth.forms import MyDataForm
from app.ratelimit import client_key
from app.services import personal_data, self_service, subscriptions
from app.services.errors import ServiceError
from app.services.identity import email_key
from app.services.signed import TokenProblem

# The link's pages hold its token in their address: no other site learns it from a Referer, no cache keeps it.
PRIVATE_PAGE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
SENT = "If we hold anything under that address, a link is on its way there. It works for {lifetime}."


@bp.route("/my-data", methods=["GET", "POST"])
def my_data():
    """Ask for a link to what is stored under an address. The answer is the same whether or not anything is;
    requests count as they arrive, per network and per address (MY_DATA_LIMIT_*)."""
    form = MyDataForm()
    if request.method == "GET":
        return render_template("auth/my_data.html", form=form, sent=None)
    if not form.validate_on_submit():
        return render_template("auth/my_data.html", form=form, sent=None), 422
    config = current_app.config
    attempt = throttle.arrive(
        "my-data",
        [
            (config["MY_DATA_LIMIT_PER_NETWORK"], "network:" + client_key()),
            (config["MY_DATA_LIMIT_PER_EMAIL"], "email:" + email_key(form.email.data)),
        ],
    )
    if attempt.refused:
        form.form_errors.append(f"Too many requests for a link. Try again in {attempt.wait_in_words()}.")
        return (
            render_template("auth/my_data.html", form=form, sent=None),
            429,
            {"Retry-After": str(attempt.retry_after)},
        )
    try:
        self_service.request_my_data_link(form.email.data)
    except ServiceError as error:
        form.email.errors.append(error.message)
        return render_template("auth/my_data.html", form=form, sent=None), 422
    sent = SENT.format(lifetime=self_service.lifetime_of(self_service.MY_DATA))
    return render_template("auth/my_data.html", form=MyDataForm(formdata=None), sent=sent)


def _link_problem(problem: TokenProblem):
    message = self_service.link_problem(self_service.MY_DATA, problem.reason)
    status = 410 if problem.reason == "expired" else 400
    return render_template("auth/my_data_problem.html", message=message), status, PRIVATE_PAGE


@bp.route("/my-data/<token>")
def my_data_link(token: str):
    """What a mailed link opens: download or erase what is stored under the address, which is shown masked."""
    try:
        person = self_service.person_for_my_data(token)
    except TokenProblem as problem:
        return _link_problem(problem)
    return _link_page(token, person, problem=None, erased=None)


def _link_page(token: str, person: personal_data.Person, problem: str | None, erased: str | None, status: int = 200):
    page = render_template(
        "auth/my_data_link.html",
        token=token,
        address=subscriptions.masked(person.email),
        comments=len(personal_data.comments_of(person)),
        stored=personal_data.holds_anything(person),
        problem=problem,
        erased=erased,
    )
    return page, status, PRIVATE_PAGE


@bp.route("/my-data/<token>/download")
def my_data_download(token: str):
    """Everything stored under the link's address, as a JSON file."""
    try:
        person = self_service.person_for_my_data(token)
    except TokenProblem as problem:
        return _link_problem(problem)
    return Response(
        json.dumps(personal_data.export(person), indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="personal-data.json"', **PRIVATE_PAGE},
    )


@bp.route("/my-data/<token>/erase", methods=["POST"])
def my_data_erase(token: str):
    """Erase what is stored under the link's address; the comments are anonymised or removed, as chosen."""
    try:
        person = self_service.person_for_my_data(token)
    except TokenProblem as problem:
        return _link_problem(problem)
    if request.form.get("confirm") != "1":
        return _link_page(token, person, "Tick the box to confirm the erasure; nothing was erased.", None, 422)
    choice = request.form.get("comments", "")
    try:
        erased = self_service.erase_my_data(person, choice)
    except ServiceError as error:
        return _link_page(token, person, error.message, None, 422)
    done = (
        f"Erased: {erased.comments} comment(s) {'removed' if erased.removed else 'anonymised'}, "
        f"{erased.correction_requests} correction request(s) anonymised, mail settings dropped."
    )
    return _link_page(token, person, None, done)
