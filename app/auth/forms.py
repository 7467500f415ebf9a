"""Forms for the account pages."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
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
