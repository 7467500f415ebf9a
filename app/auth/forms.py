"""Forms for the account pages."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from app.models.user import EMAIL_MAX, NAME_MAX


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=EMAIL_MAX)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class RegisterForm(FlaskForm):
    name = StringField(
        "Name",
        description="Shown with your comments.",
        validators=[
            DataRequired("Enter a name."),
            Length(max=NAME_MAX, message=f"A name is at most {NAME_MAX} characters."),
        ],
    )
    email = EmailField(
        "Email",
        description="Never shown to other readers.",
        validators=[DataRequired("Enter your email address."), Length(max=EMAIL_MAX)],
    )
    password = PasswordField("Password", validators=[DataRequired("Choose a password.")])
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired("Repeat the password."), EqualTo("password", "The two passwords differ.")],
    )
    next = HiddenField()


class MyDataForm(FlaskForm):
    email = EmailField(
        "Email",
        description="The address you gave with your comments, correction requests or follows.",
        validators=[DataRequired("Enter your email address."), Length(max=EMAIL_MAX)],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email",
        description="The address your account uses.",
        validators=[DataRequired("Enter your email address."), Length(max=EMAIL_MAX)],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Choose a password.")])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the password."), EqualTo("password", "The two passwords differ.")],
    )


# The account page holds several forms; a prefix per form keeps their fields' names and ids apart.


class NameForm(FlaskForm):
    name = StringField(
        "Name",
        description="Shown with what you write from now on; comments you wrote keep the name they were written under.",
        validators=[
            DataRequired("Enter a name."),
            Length(max=NAME_MAX, message=f"A name is at most {NAME_MAX} characters."),
        ],
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(
        "New email address",
        description="We mail a link there; your address changes when you follow it.",
        validators=[DataRequired("Enter the new address."), Length(max=EMAIL_MAX)],
    )
    current_password = PasswordField("Your current password", validators=[DataRequired("Enter your password.")])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    password = PasswordField("New password", validators=[DataRequired("Choose a new password.")])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the new password."), EqualTo("password", "The two passwords differ.")],
    )
    revoke_tokens = BooleanField("Also revoke my API tokens")


class DeleteAccountForm(FlaskForm):
    comments = RadioField(
        "Your comments",
        choices=[
            SelectChoice("keep", "Keep them, under the name “Former reader”"),
            SelectChoice("remove", "Remove them (where they have replies, “removed” stands in their place)"),
        ],
        validators=[DataRequired("Choose what happens to your comments.")],
    )
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
